import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deliveryLifecycleDecider, type DeliveryLifecycleEvent } from '../../src/domain/notification/delivery-lifecycle.js';
import { createRecipientDecider, DEFAULT_POLICY, type RecipientEvent, type RequestNotification } from '../../src/domain/recipient/index.js';
import { DomainError } from '../../src/domain/shared/decider.js';
import { deciderSpec } from '../support/decider-spec.js';

const T = Date.parse('2026-01-01T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const lifecycle = deciderSpec(deliveryLifecycleDecider);
const ids = { notificationId: 'n1', deliveryId: 'n1.1' };
const base = { ...ids, channel: 'inapp', provider: 'inbox' };
const item = { title: 'Shipped', body: 'Order 1001 is on its way', actionUrl: 'https://shop.example.com/orders/1001', data: { order: '1001' } };
const added: DeliveryLifecycleEvent = { type: 'InboxItemAdded', data: { ...ids, userId: 'ada', category: 'orders', ...item, addedAt: iso(T) } };
const sent: DeliveryLifecycleEvent = { type: 'NotificationSent', data: { ...base, providerMessageId: 'n1.1', attempt: 1, sentAt: iso(T) } };
const mark = (event: 'InboxItemSeen' | 'InboxItemRead' | 'InboxItemArchived', at = T + 1000): DeliveryLifecycleEvent => ({ type: event, data: { ...ids, userId: 'ada', at: iso(at) } });
const opened: DeliveryLifecycleEvent = { type: 'NotificationOpened', data: { ...ids, channel: 'inapp', source: 'inbox', at: iso(T + 1000) } };
const markCommand = (markKind: 'seen' | 'read' | 'archived', userId = 'ada') => ({ type: 'MarkInboxItem' as const, mark: markKind, ...ids, userId, now: T + 1000 });
const notFound = (e: unknown) => e instanceof DomainError && e.code === 'not_found';

describe('in-app feed: the delivery lifecycle decider', () => {
  it('given nothing, when the item is recorded, then it is added to the feed and the delivery is sent, in one append', () =>
    lifecycle.given([]).when({ type: 'RecordInboxItem', ...base, userId: 'ada', category: 'orders', item, now: T }).then([added, sent]));

  it('given a sent item, when it is recorded again (a redelivered job), then nothing', () =>
    lifecycle.given([added, sent]).when({ type: 'RecordInboxItem', ...base, userId: 'ada', category: 'orders', item, now: T + 5 }).then([]));

  it('given a canceled delivery, when its job runs late, then no item', () =>
    lifecycle.given([{ type: 'NotificationCanceled', data: { notificationId: 'n1', deliveryIds: ['n1.1'], canceledAt: iso(T) } }])
      .when({ type: 'RecordInboxItem', ...base, userId: 'ada', category: 'orders', item, now: T }).then([]));

  it('given an unseen item, when it is seen, then InboxItemSeen', () => lifecycle.given([added, sent]).when(markCommand('seen')).then([mark('InboxItemSeen')]));

  it('given an unseen item, when it is read, then InboxItemRead and its open (source inbox), so analytics counts the read', () =>
    lifecycle.given([added, sent]).when(markCommand('read')).then([mark('InboxItemRead'), opened]));

  it('given an item already opened, when it is read, then only InboxItemRead', () =>
    lifecycle.given([added, sent, opened, mark('InboxItemSeen')]).when(markCommand('read')).then([mark('InboxItemRead')]));

  it('given a read item, when it is seen or read again, then nothing (a mark never goes back)', () => {
    lifecycle.given([added, sent, mark('InboxItemRead'), opened]).when(markCommand('seen')).then([]);
    lifecycle.given([added, sent, mark('InboxItemRead'), opened]).when(markCommand('read')).then([]);
  });

  it('given a read item, when it is archived, then InboxItemArchived; archived again, nothing', () => {
    lifecycle.given([added, sent, mark('InboxItemRead'), opened]).when(markCommand('archived')).then([mark('InboxItemArchived')]);
    lifecycle.given([added, sent, mark('InboxItemArchived')]).when(markCommand('archived')).then([]);
    lifecycle.given([added, sent, mark('InboxItemArchived')]).when(markCommand('read')).then([]);
  });

  it("given ada's item, when another user marks it, then not found (another user's feed is not there to find)", () =>
    lifecycle.given([added, sent]).when(markCommand('read', 'eve')).thenThrows(notFound));

  it('given a delivery that is not an in-app item, when it is marked, then not found', () =>
    lifecycle.given([{ type: 'NotificationSent', data: { ...ids, channel: 'sms', provider: 'vonage', providerMessageId: 'm1', attempt: 1, sentAt: iso(T) } }])
      .when(markCommand('read')).thenThrows(notFound));

  it('the item stays with the delivery after its send, and follows the marks', () => {
    const state = [added, sent, mark('InboxItemSeen')].reduce(deliveryLifecycleDecider.evolve, deliveryLifecycleDecider.initialState());
    assert.deepEqual(state.deliveries['n1.1'], { status: 'sent', attempts: 1, channel: 'inapp', inbox: { userId: 'ada', state: 'seen' } });
  });
});

describe('in-app feed: the recipient decider', () => {
  const decider = createRecipientDecider(DEFAULT_POLICY);
  const spec = deciderSpec(decider);
  const registered: RecipientEvent = { type: 'RecipientProfileUpdated', data: { userId: 'ada', email: 'ada@example.com', phone: null, locale: null, timezone: null, updatedAt: iso(T) } };
  const request = (overrides: Partial<RequestNotification> = {}): RequestNotification => ({
    type: 'RequestNotification',
    userId: 'ada',
    notificationId: 'n1',
    category: 'orders',
    channels: ['inapp'],
    content: { kind: 'inline', title: 'Shipped', body: 'On its way' },
    contentHash: 'h1',
    priority: 'normal',
    sendAt: null,
    idempotencyKey: null,
    now: T,
    ...overrides,
  });
  const requested = (events: RecipientEvent[]) => {
    assert.equal(events.length, 1);
    return events[0]!;
  };

  it('given a registered user with no contact data, when inapp is asked for, then one delivery to their feed', () =>
    spec.given([{ ...registered, data: { ...registered.data, email: null } }]).when(request()).thenMatches((events) => {
      const e = requested(events);
      assert.equal(e.type, 'NotificationRequested');
      if (e.type !== 'NotificationRequested') return;
      assert.deepEqual(e.data.deliveries, [{ deliveryId: 'n1.1', channel: 'inapp', queue: 'inapp', target: { channel: 'inapp', userId: 'ada' } }]);
    }));

  it('given a user, when a request names no channel, then the feed is not among those chosen (only contact channels are)', () =>
    spec.given([registered]).when(request({ channels: null })).thenMatches((events) => {
      const e = requested(events);
      assert.equal(e.type, 'NotificationRequested');
      if (e.type === 'NotificationRequested') assert.deepEqual(e.data.deliveries.map((d) => d.channel), ['email']);
    }));

  it('given a user who switched inapp off, when inapp is asked for, then suppressed as opted out', () =>
    spec
      .given([registered, { type: 'PreferencesUpdated', data: { userId: 'ada', muted: false, channels: { push: true, sms: true, email: true, inapp: false }, categories: [], quietHours: null, updatedAt: iso(T) } }])
      .when(request())
      .then([{ type: 'NotificationSuppressed', data: { ...suppressedBase(), suppressed: [{ channel: 'inapp', reason: 'opted_out', detail: { level: 'channel', category: 'orders' } }] } }]));

  it('given preferences written before the feed existed (no inapp switch), then the feed is on', () => {
    const old = { type: 'PreferencesUpdated', data: { userId: 'ada', muted: false, channels: { push: true, sms: false, email: true }, categories: [{ category: 'news', enabled: true, channels: { push: false, sms: true, email: true } }], quietHours: null, updatedAt: iso(T) } } as unknown as RecipientEvent;
    const state = [registered, old].reduce(decider.evolve, decider.initialState());
    assert.deepEqual(state.preferences.channels, { push: true, sms: false, email: true, inapp: true });
    assert.deepEqual(state.preferences.categories[0]!.channels, { push: false, sms: true, email: true, inapp: true });
  });

  it('given the rate limit reached on inapp, when inapp is asked for, then suppressed as rate limited', () => {
    const policy = { ...DEFAULT_POLICY, rateLimits: { ...DEFAULT_POLICY.rateLimits, inapp: { limit: 1, windowMs: 3_600_000 } }, contentDedupWindowMs: 0 };
    const limited = deciderSpec(createRecipientDecider(policy));
    const first = createRecipientDecider(policy).decide(request(), [registered].reduce(decider.evolve, decider.initialState()));
    limited.given([registered, ...first]).when(request({ notificationId: 'n2', now: T + 1 })).thenMatches((events) => {
      const e = requested(events);
      assert.equal(e.type, 'NotificationSuppressed');
      assert.equal(e.data.suppressed[0]?.reason, 'rate_limited');
    });
  });

  function suppressedBase() {
    return {
      notificationId: 'n1',
      userId: 'ada',
      category: 'orders',
      requestedChannels: ['inapp'] as ['inapp'],
      content: { kind: 'inline' as const, title: 'Shipped', body: 'On its way' },
      contentHash: 'h1',
      priority: 'normal' as const,
      sendAt: null,
      idempotencyKey: null,
      critical: false,
      requestedAt: iso(T),
    };
  }
});
