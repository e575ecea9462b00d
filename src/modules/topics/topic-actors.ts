import { MEMBERSHIP_EVENT_TYPES, membershipDecider, membershipStream, type MembershipCommand, type MembershipEvent, type MembershipState } from '../../domain/topic/membership.js';
import { TOPIC_EVENT_TYPES, topicDecider, topicStream, type TopicCommand, type TopicEvent, type TopicState } from '../../domain/topic/topic.js';
import type { ActorSystem } from '../actors/actor-system.js';
import { actorSystemProvider } from '../actors/actor-system-provider.js';

export const TOPIC_ACTORS = Symbol('TopicActors');
export const MEMBERSHIP_ACTORS = Symbol('MembershipActors');
export type TopicActors = ActorSystem<TopicCommand, TopicState, TopicEvent>;
export type MembershipActors = ActorSystem<MembershipCommand, MembershipState, MembershipEvent>;

/** One actor per topic (its definition) and one per user (the topics they are in). */
export const topicActorProviders = [
  actorSystemProvider(TOPIC_ACTORS, { decider: topicDecider, stream: topicStream, eventTypes: TOPIC_EVENT_TYPES, options: ({ idleMs }) => ({ maxActors: 1000, idleMs }) }),
  // A subscribe call of 10,000 ids touches 10,000 of these at once.
  actorSystemProvider(MEMBERSHIP_ACTORS, {
    decider: membershipDecider,
    stream: membershipStream,
    eventTypes: MEMBERSHIP_EVENT_TYPES,
    options: ({ maxActors, idleMs }) => ({ maxActors: Math.max(20_000, Math.floor(maxActors / 2)), idleMs }),
  }),
];
