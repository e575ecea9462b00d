import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_POLICY,
  createRecipientDecider,
  type Channel,
  type NotificationContent,
  type RecipientEvent,
  type RecipientPolicy,
  type RequestNotification,
} from '../../src/domain/recipient/index.js';
import { DomainError } from '../../src/domain/shared/decider.js';
import { deciderSpec } from '../support/decider-spec.js';

const HOUR = 3_600_000;
const ms = (text: string) => Date.parse(text);
const iso = (at: number) => new Date(at).toISOString();

const policy: RecipientPolicy = {
  ...DEFAULT_POLICY,
  categories: {
    orders: { digest: { windowMs: HOUR, channels: ['email', 'push'], templateId: 'orders-digest' } },
    social: { digest: { windowMs: HOUR, channels: ['email'], templateId: 'social-digest', maxItems: 3 }, quietHours: { start: '22:00', end: '07:00' } },
  },
};
const decider = createRecipientDecider(policy);
const spec = deciderSpec(decider);

const AT = ms('2026-03-02T10:00:00Z');
const content = (n: number): NotificationContent => ({ kind: 'template', templateId: 'order-shipped', version: 1, params: { order: n } });

const user: RecipientEvent[] = [
  { type: 'RecipientProfileUpdated', data: { userId: 'u1', email: 'ada@example.com', phone: null, locale: null, timezone: 'Europe/London', updatedAt: iso(AT) } },
  { type: 'DeviceRegistered', data: { userId: 'u1', deviceId: 'd1', platform: 'ios', provider: 'apns', token: 'tok-1', registeredAt: iso(AT) } },
];

function request(n: number, at: number, overrides: Partial<RequestNotification> = {}): RequestNotification {
  return {
    type: 'RequestNotification',
    userId: 'u1',
    notificationId: `n${n}`,
    category: 'orders',
    channels: null,
    content: content(n),
    contentHash: `h${n}`,
    priority: 'normal',
    sendAt: null,
    idempotencyKey: null,
    now: at,
    ...overrides,
  };
}

/** Runs commands one after another from `given`, as the actor does, and returns every event decided. */
function run(given: RecipientEvent[], commands: Parameters<typeof decider.decide>[0][]): RecipientEvent[] {
  let state = given.reduce(decider.evolve, decider.initialState());
  const all: RecipientEvent[] = [];
  for (const c of commands) {
    const events = decider.decide(c, state);
    state = events.reduce(decider.evolve, state);
    all.push(...events);
  }
  return all;
}
const ofType = <T extends RecipientEvent['type']>(events: RecipientEvent[], type: T) => events.filter((e): e is Extract<RecipientEvent, { type: T }> => e.type === type);

const item = (n: number, at: number, channels: Channel[] = ['push', 'email']) => ({
  notificationId: `n${n}`,
  at: iso(at),
  params: { order: n },
  content: { templateId: 'order-shipped', version: 1 },
  channels,
});

describe('digests: the first notification of a digest category opens a window', () => {
  it('opens a digest named after the first notification, ending one window after now, and records the channels as digested', () =>
    spec
      .given(user)
      .when(request(1, AT))
      .then([
        {
          type: 'DigestOpened',
          data: { userId: 'u1', digestId: 'dg-n1', category: 'orders', templateId: 'orders-digest', channels: ['email', 'push'], maxItems: 1000, windowEndsAt: iso(AT + HOUR), openedAt: iso(AT) },
        },
        {
          type: 'NotificationRequested',
          data: {
            notificationId: 'n1',
            userId: 'u1',
            category: 'orders',
            requestedChannels: null,
            content: content(1),
            contentHash: 'h1',
            priority: 'normal',
            sendAt: null,
            idempotencyKey: null,
            critical: false,
            suppressed: [],
            requestedAt: iso(AT),
            digested: { digestId: 'dg-n1', channels: ['push', 'email'], windowEndsAt: iso(AT + HOUR) },
            deliveries: [],
          },
        },
      ]));

  it('a channel outside the digest is delivered now; an opted-out digest channel is suppressed, not collected', () =>
    spec
      .given([
        ...user,
        { type: 'RecipientProfileUpdated', data: { userId: 'u1', email: 'ada@example.com', phone: '+447700900123', locale: null, timezone: 'Europe/London', updatedAt: iso(AT) } },
        { type: 'PreferencesUpdated', data: { userId: 'u1', muted: false, channels: { push: false, sms: true, email: true, inapp: true }, categories: [], quietHours: null, updatedAt: iso(AT) } },
      ])
      .when(request(1, AT))
      .thenMatches((events) => {
        const [decision] = ofType(events, 'NotificationRequested');
        assert.deepEqual(decision!.data.digested?.channels, ['email']);
        assert.deepEqual(decision!.data.deliveries.map((d) => [d.deliveryId, d.channel]), [['n1.1', 'sms']]);
        assert.deepEqual(decision!.data.suppressed.map((s) => [s.channel, s.reason]), [['push', 'opted_out']]);
      }));

  it('a scheduled notification of a digest category is not collected: its sender chose its time', () =>
    spec
      .given(user)
      .when(request(1, AT, { sendAt: AT + 10 * HOUR }))
      .thenMatches((events) => {
        assert.deepEqual(events.map((e) => e.type), ['NotificationRequested']);
        assert.equal(ofType(events, 'NotificationRequested')[0]!.data.digested, undefined);
      }));
});

describe('digests: notifications during the window are collected', () => {
  it('a later one joins the open digest: no new window, no delivery of its own', () =>
    spec
      .given([...user, ...run(user, [request(1, AT)])])
      .when(request(2, AT + 10 * 60_000))
      .thenMatches((events) => {
        assert.deepEqual(events.map((e) => e.type), ['NotificationRequested']);
        const [decision] = ofType(events, 'NotificationRequested');
        assert.deepEqual(decision!.data.digested, { digestId: 'dg-n1', channels: ['push', 'email'], windowEndsAt: iso(AT + HOUR) });
        assert.deepEqual(decision!.data.deliveries, []);
      }));

  it('collected items are not rate-limited or deduplicated: 50 identical ones in a minute all join', () => {
    const events = run(user, Array.from({ length: 50 }, (_, i) => request(i + 1, AT + i * 1000, { contentHash: 'same' })));
    assert.equal(ofType(events, 'DigestOpened').length, 1);
    assert.equal(ofType(events, 'NotificationRequested').filter((e) => e.data.digested?.digestId === 'dg-n1' && e.data.suppressed.length === 0).length, 50);
  });
});

describe('digests: FlushDigest at the window end', () => {
  const history = [...user, ...run(user, [request(1, AT), request(2, AT + 60_000)])];

  it('decides DigestFlushed with the items in order, count, first and last time, and one delivery per target of each channel', () =>
    spec
      .given(history)
      .when({ type: 'FlushDigest', userId: 'u1', digestId: 'dg-n1', now: AT + HOUR })
      .then([
        {
          type: 'DigestFlushed',
          data: {
            userId: 'u1',
            digestId: 'dg-n1',
            category: 'orders',
            templateId: 'orders-digest',
            reason: 'window_ended',
            items: [item(1, AT), item(2, AT + 60_000)],
            count: 2,
            firstAt: iso(AT),
            lastAt: iso(AT + 60_000),
            removed: [],
            deliveries: [
              { deliveryId: 'dg-n1.1', channel: 'push', queue: 'apns', target: { channel: 'push', deviceId: 'd1', platform: 'ios', provider: 'apns', token: 'tok-1' } },
              { deliveryId: 'dg-n1.2', channel: 'email', queue: 'email', target: { channel: 'email', email: 'ada@example.com' } },
            ],
            suppressed: [],
            flushedAt: iso(AT + HOUR),
          },
        },
      ]));

  it('a second flush of the same digest (a retried or replayed job) decides nothing', () =>
    spec
      .given([...history, ...run(history, [{ type: 'FlushDigest', userId: 'u1', digestId: 'dg-n1', now: AT + HOUR }])])
      .when({ type: 'FlushDigest', userId: 'u1', digestId: 'dg-n1', now: AT + HOUR + 5000 })
      .then([]));

  it('after the flush the next notification opens a new window', () => {
    const events = run(history, [{ type: 'FlushDigest', userId: 'u1', digestId: 'dg-n1', now: AT + HOUR }, request(3, AT + HOUR + 1000)]);
    assert.deepEqual(ofType(events, 'DigestOpened').map((e) => e.data.digestId), ['dg-n3']);
  });

  it('a notification after the window end whose flush has not run yet flushes the old digest first, then opens a new one', () =>
    spec
      .given(history)
      .when(request(3, AT + HOUR + 1000))
      .thenMatches((events) => {
        assert.deepEqual(events.map((e) => e.type), ['DigestFlushed', 'DigestOpened', 'NotificationRequested']);
        const [flushed] = ofType(events, 'DigestFlushed');
        assert.equal(flushed!.data.count, 2);
        assert.equal(ofType(events, 'NotificationRequested')[0]!.data.digested?.digestId, 'dg-n3');
      }));

  it('an opt-out made during the window is honoured at the flush', () =>
    spec
      .given([...history, { type: 'PreferencesUpdated', data: { userId: 'u1', muted: false, channels: { push: false, sms: true, email: true, inapp: true }, categories: [], quietHours: null, updatedAt: iso(AT) } }])
      .when({ type: 'FlushDigest', userId: 'u1', digestId: 'dg-n1', now: AT + HOUR })
      .thenMatches(([flushed]) => {
        assert.equal(flushed!.type, 'DigestFlushed');
        const d = (flushed as Extract<RecipientEvent, { type: 'DigestFlushed' }>).data;
        assert.deepEqual(d.deliveries.map((x) => x.channel), ['email']);
        assert.deepEqual(d.suppressed.map((s) => [s.channel, s.reason]), [['push', 'opted_out']]);
      }));

  it('quiet hours at the flush defer the digest delivery to their end', () => {
    const night = ms('2026-03-02T21:30:00Z'); // London is on GMT: the window opens at 21:30, ends 22:30, inside 22:00-07:00
    const given = [...user, ...run(user, [request(1, night, { category: 'social' })])];
    spec
      .given(given)
      .when({ type: 'FlushDigest', userId: 'u1', digestId: 'dg-n1', now: night + HOUR })
      .thenMatches(([flushed]) => {
        const d = (flushed as Extract<RecipientEvent, { type: 'DigestFlushed' }>).data;
        assert.deepEqual(d.deliveries.map((x) => [x.channel, x.deferred?.until, x.deferred?.source]), [['email', '2026-03-03T07:00:00.000Z', 'category']]);
      });
  });

  it('a flush for a user never seen is refused', () =>
    spec
      .given([])
      .when({ type: 'FlushDigest', userId: 'u1', digestId: 'dg-n1', now: AT })
      .thenThrows((e) => e instanceof DomainError && e.code === 'not_found'));
});

describe('digests: canceling an item before the flush removes it', () => {
  const history = [...user, ...run(user, [request(1, AT), request(2, AT + 60_000)])];

  it('RemoveDigestItem decides DigestItemRemoved, and the flush leaves the item out and lists it as removed', () => {
    const events = run(history, [
      { type: 'RemoveDigestItem', userId: 'u1', notificationId: 'n1', now: AT + 120_000 },
      { type: 'FlushDigest', userId: 'u1', digestId: 'dg-n1', now: AT + HOUR },
    ]);
    assert.deepEqual(events[0], { type: 'DigestItemRemoved', data: { userId: 'u1', digestId: 'dg-n1', notificationId: 'n1', removedAt: iso(AT + 120_000) } });
    const [flushed] = ofType(events, 'DigestFlushed');
    assert.deepEqual(flushed!.data.items, [item(2, AT + 60_000)]);
    assert.deepEqual([flushed!.data.count, flushed!.data.firstAt, flushed!.data.removed], [1, iso(AT + 60_000), ['n1']]);
  });

  it('all items canceled: the window closes with no delivery', () => {
    const events = run(history, [
      { type: 'RemoveDigestItem', userId: 'u1', notificationId: 'n1', now: AT + 120_000 },
      { type: 'RemoveDigestItem', userId: 'u1', notificationId: 'n2', now: AT + 120_000 },
      { type: 'FlushDigest', userId: 'u1', digestId: 'dg-n1', now: AT + HOUR },
    ]);
    const [flushed] = ofType(events, 'DigestFlushed');
    assert.deepEqual([flushed!.data.count, flushed!.data.deliveries, flushed!.data.suppressed, flushed!.data.removed], [0, [], [], ['n1', 'n2']]);
  });

  it('after the flush an item can no longer be removed', () =>
    spec
      .given([...history, ...run(history, [{ type: 'FlushDigest', userId: 'u1', digestId: 'dg-n1', now: AT + HOUR }])])
      .when({ type: 'RemoveDigestItem', userId: 'u1', notificationId: 'n1', now: AT + HOUR + 1 })
      .thenThrows((e) => e instanceof DomainError && e.code === 'conflict'));
});

describe('digests: maxItems', () => {
  it('the item that fills the digest flushes it at once (max_items); the next one opens a new window, and the window-end flush decides nothing', () => {
    const social = (n: number, at: number) => request(n, at, { category: 'social' });
    const events = run(user, [social(1, AT), social(2, AT + 1), social(3, AT + 2), social(4, AT + 3), { type: 'FlushDigest', userId: 'u1', digestId: 'dg-n1', now: AT + HOUR }]);
    assert.deepEqual(events.map((e) => e.type), ['DigestOpened', 'NotificationRequested', 'NotificationRequested', 'NotificationRequested', 'DigestFlushed', 'DigestOpened', 'NotificationRequested']);
    const [flushed] = ofType(events, 'DigestFlushed');
    assert.deepEqual([flushed!.data.reason, flushed!.data.count, flushed!.data.flushedAt], ['max_items', 3, iso(AT + 2)]);
    assert.deepEqual(flushed!.data.deliveries.map((d) => d.deliveryId), ['dg-n1.1']);
    assert.deepEqual(ofType(events, 'DigestOpened').map((e) => e.data.digestId), ['dg-n1', 'dg-n4']);
  });
});
