import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../src/domain/shared/decider.js';
import { MAX_TOPICS_PER_USER, membershipDecider, type MembershipEvent } from '../../src/domain/topic/membership.js';
import { topicDecider, type TopicEvent } from '../../src/domain/topic/topic.js';
import { deciderSpec } from '../support/decider-spec.js';

const T0 = Date.parse('2026-01-01T10:00:00.000Z');
const at = (ms: number) => new Date(ms).toISOString();
const topics = deciderSpec(topicDecider);
const members = deciderSpec(membershipDecider);

const defined = (name: string, description: string | null = null, when = T0): TopicEvent => ({ type: 'TopicDefined', data: { topicKey: 'order-updates', name, description, definedAt: at(when) } });
const subscribed = (topicKey: string, when = T0): MembershipEvent => ({ type: 'TopicSubscribed', data: { userId: 'ada', topicKey, subscribedAt: at(when) } });
const unsubscribed = (topicKey: string, when = T0): MembershipEvent => ({ type: 'TopicUnsubscribed', data: { userId: 'ada', topicKey, unsubscribedAt: at(when) } });

describe('topic decider', () => {
  it('defines a topic with its name and description', () =>
    topics.given([]).when({ type: 'DefineTopic', topicKey: 'order-updates', name: 'Order updates', description: 'orders', now: T0 }).then([defined('Order updates', 'orders')]));

  it('the same definition again records nothing; a new name is recorded', () => {
    topics.given([defined('Order updates')]).when({ type: 'DefineTopic', topicKey: 'order-updates', name: 'Order updates', description: null, now: T0 + 1 }).then([]);
    topics.given([defined('Order updates')]).when({ type: 'DefineTopic', topicKey: 'order-updates', name: 'Orders', description: null, now: T0 + 1 }).then([defined('Orders', null, T0 + 1)]);
  });

  it('keeps when the topic was first defined', () => {
    const state = [defined('a'), defined('b', null, T0 + 5000)].reduce(topicDecider.evolve, topicDecider.initialState());
    assert.equal(state.createdAt, at(T0));
    assert.equal(state.name, 'b');
  });

  it('refuses a bad key or an empty name, naming the field', () => {
    topics.given([]).when({ type: 'DefineTopic', topicKey: 'no spaces', name: 'x', description: null, now: T0 }).thenThrows((e) => e instanceof DomainError && e.field === 'topicKey');
    topics.given([]).when({ type: 'DefineTopic', topicKey: 'ok', name: '  ', description: null, now: T0 }).thenThrows((e) => e instanceof DomainError && e.field === 'name');
  });
});

describe('topic membership decider (one stream per user)', () => {
  it('subscribing records who joined which topic and when', () =>
    members.given([]).when({ type: 'Subscribe', userId: 'ada', topicKey: 'order-updates', now: T0 }).then([subscribed('order-updates')]));

  it('subscribing again records nothing: a repeated call is harmless', () =>
    members.given([subscribed('order-updates')]).when({ type: 'Subscribe', userId: 'ada', topicKey: 'order-updates', now: T0 + 1 }).then([]));

  it('unsubscribing a member records it; a non-member records nothing', () => {
    members.given([subscribed('order-updates')]).when({ type: 'Unsubscribe', userId: 'ada', topicKey: 'order-updates', now: T0 + 1 }).then([unsubscribed('order-updates', T0 + 1)]);
    members.given([]).when({ type: 'Unsubscribe', userId: 'ada', topicKey: 'order-updates', now: T0 }).then([]);
    members.given([subscribed('order-updates'), unsubscribed('order-updates')]).when({ type: 'Unsubscribe', userId: 'ada', topicKey: 'order-updates', now: T0 }).then([]);
  });

  it('a user who left may join again', () =>
    members.given([subscribed('order-updates'), unsubscribed('order-updates')]).when({ type: 'Subscribe', userId: 'ada', topicKey: 'order-updates', now: T0 + 9 }).then([subscribed('order-updates', T0 + 9)]));

  it('a user is in at most MAX_TOPICS_PER_USER topics', () => {
    const full = Array.from({ length: MAX_TOPICS_PER_USER }, (_, i) => subscribed(`t${i}`));
    members.given(full).when({ type: 'Subscribe', userId: 'ada', topicKey: 'one-more', now: T0 }).thenThrows((e) => e instanceof DomainError && e.code === 'conflict');
    members.given(full).when({ type: 'Subscribe', userId: 'ada', topicKey: 't3', now: T0 }).then([]);
  });
});
