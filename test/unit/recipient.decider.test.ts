import assert from 'node:assert/strict';
import { createECDH, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  DEFAULT_POLICY,
  base64urlByteLength,
  createRecipientDecider,
  type RecipientCommand,
  type ChannelSwitches,
  type NotificationContent,
  type Preferences,
  type RecipientEvent,
  type RecipientPolicy,
  type RequestNotification,
} from '../../src/domain/recipient/index.js';
import { DomainError } from '../../src/domain/shared/decider.js';
import { deciderSpec } from '../support/decider-spec.js';

const T0 = Date.parse('2026-01-01T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const MIN = 60_000;
const HOUR = 60 * MIN;

const policy: RecipientPolicy = {
  ...DEFAULT_POLICY,
  categories: { security: { critical: true }, marketing: { rateLimits: { push: { limit: 2, windowMs: 24 * HOUR } } } },
};
const spec = deciderSpec(createRecipientDecider(policy));

const profile = (overrides: Partial<{ email: string | null; phone: string | null }> = {}): RecipientEvent => ({
  type: 'RecipientProfileUpdated',
  data: { userId: 'u1', email: 'ada@example.com', phone: '+447700900123', locale: 'en-GB', timezone: 'Europe/London', updatedAt: iso(T0), ...overrides },
});
const device = (deviceId: string, token: string, provider: 'apns' | 'fcm' = 'apns'): RecipientEvent => ({
  type: 'DeviceRegistered',
  data: { userId: 'u1', deviceId, platform: provider === 'apns' ? 'ios' : 'android', provider, token, registeredAt: iso(T0) },
});
const prefs = (p: Partial<Omit<Preferences, 'categories'> & { categories: { category: string; enabled: boolean; channels: ChannelSwitches }[] }>): RecipientEvent => ({
  type: 'PreferencesUpdated',
  data: { userId: 'u1', muted: false, channels: { push: true, sms: true, email: true, inapp: true }, categories: [], quietHours: null, updatedAt: iso(T0), ...p },
});
const content: NotificationContent = { kind: 'inline', title: 'Hi', body: 'Your order shipped' };

function request(overrides: Partial<RequestNotification> = {}): RequestNotification {
  return {
    type: 'RequestNotification',
    userId: 'u1',
    notificationId: 'n1',
    category: 'orders',
    channels: null,
    content,
    contentHash: 'h1',
    priority: 'normal',
    sendAt: null,
    idempotencyKey: null,
    now: T0 + MIN,
    ...overrides,
  };
}

/** A past decision that delivered on the given channels, as evolve sees it. */
function sent(id: string, at: number, channels: ('push' | 'sms' | 'email')[], extra: { category?: string; contentHash?: string; idempotencyKey?: string } = {}): RecipientEvent {
  return {
    type: 'NotificationRequested',
    data: {
      notificationId: id,
      userId: 'u1',
      category: extra.category ?? 'orders',
      requestedChannels: channels,
      content,
      contentHash: extra.contentHash ?? `hash-${id}`,
      priority: 'normal',
      sendAt: null,
      idempotencyKey: extra.idempotencyKey ?? null,
      critical: false,
      suppressed: [],
      requestedAt: iso(at),
      deliveries: channels.map((channel, i) => ({
        deliveryId: `${id}.${i + 1}`,
        channel,
        queue: channel === 'push' ? 'apns' : channel,
        target: channel === 'push' ? { channel, deviceId: 'd1', platform: 'ios', provider: 'apns', token: 'tok-1' } : channel === 'sms' ? { channel, phone: '+447700900123' } : { channel, email: 'ada@example.com' },
      })),
    },
  };
}

const only = <T extends RecipientEvent['type']>(events: RecipientEvent[], type: T) => {
  assert.equal(events.length, 1);
  assert.equal(events[0]!.type, type);
  return events[0] as Extract<RecipientEvent, { type: T }>;
};

describe('recipient decider: contact info', () => {
  it('records a new profile', () =>
    spec.given([]).when({ type: 'UpdateProfile', userId: 'u1', profile: { email: 'ada@example.com', phone: '+447700900123', locale: 'en-GB', timezone: 'Europe/London' }, now: T0 }).then([profile()]));

  it('emits nothing when the profile is unchanged', () =>
    spec.given([profile()]).when({ type: 'UpdateProfile', userId: 'u1', profile: { email: 'ada@example.com', phone: '+447700900123', locale: 'en-GB', timezone: 'Europe/London' }, now: T0 + 1 }).then([]));

  it('rejects a phone that is not E.164', () =>
    spec.given([]).when({ type: 'UpdateProfile', userId: 'u1', profile: { email: null, phone: '07700 900123', locale: null, timezone: null }, now: T0 })
      .thenThrows((e) => e instanceof DomainError && e.field === 'phone'));

  it('rejects an email with a header injection', () =>
    spec.given([]).when({ type: 'UpdateProfile', userId: 'u1', profile: { email: 'a@b.com\r\nBcc: x@y.com', phone: null, locale: null, timezone: null }, now: T0 })
      .thenThrows((e) => e instanceof DomainError && e.field === 'email'));
});

describe('recipient decider: devices', () => {
  const register = (deviceId: string, token: string, now = T0) =>
    ({ type: 'RegisterDevice', userId: 'u1', deviceId, platform: 'ios', provider: 'apns', token, keys: null, now }) as const;

  it('registers several devices', () =>
    spec.given([device('d1', 'tok-1')]).when(register('d2', 'tok-2')).then([device('d2', 'tok-2')]));

  it('re-registering the same token is idempotent', () => spec.given([device('d1', 'tok-1')]).when(register('d9', 'tok-1')).then([]));

  it('removes a device, and refuses to remove an unknown one', () => {
    spec.given([device('d1', 'tok-1')]).when({ type: 'RemoveDevice', userId: 'u1', deviceId: 'd1', reason: 'removed', now: T0 })
      .then([{ type: 'DeviceRemoved', data: { userId: 'u1', deviceId: 'd1', reason: 'removed', removedAt: iso(T0) } }]);
    spec.given([]).when({ type: 'RemoveDevice', userId: 'u1', deviceId: 'dX', reason: 'removed', now: T0 })
      .thenThrows((e) => e instanceof DomainError && e.code === 'not_found');
  });

  it('a moved token is dropped quietly, even if already gone', () =>
    spec.given([]).when({ type: 'RemoveDevice', userId: 'u1', deviceId: 'dX', reason: 'token_moved', now: T0 }).then([]));

  it('an invalidated token is never targeted, nor accepted again', () => {
    const invalidated: RecipientEvent = { type: 'DeviceTokenInvalidated', data: { userId: 'u1', deviceId: 'd1', token: 'tok-1', reason: 'Unregistered', invalidatedAt: iso(T0) } };
    spec.given([device('d1', 'tok-1')]).when({ type: 'InvalidateDeviceToken', userId: 'u1', token: 'tok-1', reason: 'Unregistered', now: T0 }).then([invalidated]);
    spec.given([profile({ email: null, phone: null }), device('d1', 'tok-1'), invalidated]).when(request({ channels: ['push'] }))
      .thenMatches((events) => assert.deepEqual(only(events, 'NotificationSuppressed').data.suppressed, [{ channel: 'push', reason: 'no_target', detail: {} }]));
    spec.given([device('d1', 'tok-1'), invalidated]).when(register('d2', 'tok-1')).thenThrows((e) => e instanceof DomainError && e.code === 'token_invalidated');
  });
});

describe('recipient decider: web push devices', () => {
  const ENDPOINT = 'https://push.example.net/wpush/v2/gAAAAABn-abc';
  const keys = { p256dh: createECDH('prime256v1').generateKeys().toString('base64url'), auth: randomBytes(16).toString('base64url') };
  const subscribe = (overrides: Partial<Extract<RecipientCommand, { type: 'RegisterDevice' }>> = {}) =>
    ({ type: 'RegisterDevice', userId: 'u1', deviceId: 'w1', platform: 'web', provider: 'webpush', token: ENDPOINT, keys, now: T0, ...overrides }) as const;
  const registered: RecipientEvent = { type: 'DeviceRegistered', data: { userId: 'u1', deviceId: 'w1', platform: 'web', provider: 'webpush', token: ENDPOINT, keys, registeredAt: iso(T0) } };
  const refuses = (field: string) => (e: unknown) => e instanceof DomainError && e.code === 'invalid_argument' && e.field === field;

  it('registers a subscription by its endpoint, with its keys; the same again is idempotent, new keys re-register', () => {
    spec.given([]).when(subscribe()).then([registered]);
    spec.given([registered]).when(subscribe({ deviceId: 'w2' })).then([]);
    const rotated = { p256dh: keys.p256dh, auth: randomBytes(16).toString('base64url') };
    spec.given([registered]).when(subscribe({ deviceId: 'w2', keys: rotated })).then([{ ...registered, data: { ...registered.data, keys: rotated } } as RecipientEvent]);
  });

  it('a delivery to it goes to the webpush queue and carries the keys', () =>
    spec.given([profile({ email: null, phone: null }), registered]).when(request()).thenMatches((events) => {
      assert.deepEqual(only(events, 'NotificationRequested').data.deliveries, [
        { deliveryId: 'n1.1', channel: 'push', queue: 'webpush', target: { channel: 'push', deviceId: 'w1', platform: 'web', provider: 'webpush', token: ENDPOINT, keys } },
      ]);
    }));

  it('refuses a non-https endpoint, keys of the wrong length, a platform other than web, and keys on another provider', () => {
    spec.given([]).when(subscribe({ token: 'http://push.example.net/x' })).thenThrows(refuses('subscription.endpoint'));
    spec.given([]).when(subscribe({ token: 'https://user:pw@push.example.net/x' })).thenThrows(refuses('subscription.endpoint'));
    spec.given([]).when(subscribe({ keys: { ...keys, p256dh: keys.p256dh.slice(0, -2) } })).thenThrows(refuses('subscription.keys.p256dh'));
    spec.given([]).when(subscribe({ keys: { ...keys, p256dh: `C${keys.p256dh.slice(1)}` } })).thenThrows(refuses('subscription.keys.p256dh'));
    spec.given([]).when(subscribe({ keys: { ...keys, auth: randomBytes(15).toString('base64url') } })).thenThrows(refuses('subscription.keys.auth'));
    spec.given([]).when(subscribe({ keys: { ...keys, auth: `${keys.auth}!` } })).thenThrows(refuses('subscription.keys.auth'));
    spec.given([]).when(subscribe({ keys: null })).thenThrows(refuses('subscription.keys'));
    spec.given([]).when(subscribe({ platform: 'android' })).thenThrows(refuses('platform'));
    spec.given([]).when(subscribe({ provider: 'fcm', token: 'fcm-token-0123456789' })).thenThrows(refuses('subscription'));
  });
});

describe('base64urlByteLength', () => {
  it('counts the decoded bytes of padded and unpadded base64url, and refuses anything else', () => {
    for (const n of [0, 1, 2, 3, 16, 65]) {
      const bytes = randomBytes(n);
      assert.equal(base64urlByteLength(bytes.toString('base64url')), n);
      assert.equal(base64urlByteLength(bytes.toString('base64').replaceAll('+', '-').replaceAll('/', '_')), n, `padded, ${n} bytes`);
    }
    for (const bad of ['a', 'ab+c', 'ab/c', 'ab=c', 'abc==', 'ab===', 'a b']) assert.equal(base64urlByteLength(bad), null, bad);
  });
});

describe('recipient decider: notification requests', () => {
  it('fans out one delivery per active device, plus phone and email', () =>
    spec.given([profile(), device('d1', 'tok-1'), device('d2', 'tok-2', 'fcm')]).when(request()).thenMatches((events) => {
      const e = only(events, 'NotificationRequested');
      assert.deepEqual(e.data.deliveries.map((d) => [d.deliveryId, d.channel, d.queue]), [
        ['n1.1', 'push', 'apns'], ['n1.2', 'push', 'fcm'], ['n1.3', 'sms', 'sms'], ['n1.4', 'email', 'email'],
      ]);
      assert.deepEqual(e.data.suppressed, []);
      assert.equal(e.data.requestedChannels, null);
    }));

  it('refuses a notification for an unknown user', () =>
    spec.given([]).when(request()).thenThrows((e) => e instanceof DomainError && e.code === 'not_found'));

  it('suppresses a requested channel with no target, and delivers the rest', () =>
    spec.given([profile({ phone: null })]).when(request({ channels: ['sms', 'email'] })).thenMatches((events) => {
      const e = only(events, 'NotificationRequested');
      assert.deepEqual(e.data.deliveries.map((d) => d.channel), ['email']);
      assert.deepEqual(e.data.suppressed, [{ channel: 'sms', reason: 'no_target', detail: {} }]);
    }));

  for (const [name, given, level] of [
    ['global mute', prefs({ muted: true }), 'global'],
    ['channel opt-out', prefs({ channels: { push: true, sms: true, email: false, inapp: true } }), 'channel'],
    ['category opt-out', prefs({ categories: [{ category: 'orders', enabled: false, channels: { push: true, sms: true, email: true, inapp: true } }] }), 'category'],
    ['category-channel opt-out', prefs({ categories: [{ category: 'orders', enabled: true, channels: { push: true, sms: true, email: false, inapp: true } }] }), 'category_channel'],
  ] as const) {
    it(`honours a ${name}`, () =>
      spec.given([profile(), given]).when(request({ channels: ['email'] })).thenMatches((events) =>
        assert.deepEqual(only(events, 'NotificationSuppressed').data.suppressed, [{ channel: 'email', reason: 'opted_out', detail: { level, category: 'orders' } }])));
  }

  it('an opt-out for another category does not apply', () =>
    spec.given([profile(), prefs({ categories: [{ category: 'marketing', enabled: false, channels: { push: true, sms: true, email: true, inapp: true } }] })])
      .when(request({ channels: ['email'] })).thenMatches((events) => only(events, 'NotificationRequested')));

  it('rate-limits a channel over a sliding window, and frees it as the window slides', () => {
    const history = Array.from({ length: 10 }, (_, i) => sent(`old${i}`, T0 + i * MIN, ['email']));
    const at = T0 + 30 * MIN;
    spec.given([profile(), ...history]).when(request({ channels: ['email'], now: at })).thenMatches((events) =>
      assert.deepEqual(only(events, 'NotificationSuppressed').data.suppressed, [{ channel: 'email', reason: 'rate_limited', detail: { limit: 10, windowSeconds: 3600, count: 10 } }]));
    // One hour after the first send, it has left the window: one slot is free again.
    spec.given([profile(), ...history]).when(request({ channels: ['email'], now: T0 + HOUR })).thenMatches((events) => only(events, 'NotificationRequested'));
  });

  it('limits sms to 5 a day by default', () => {
    const history = Array.from({ length: 5 }, (_, i) => sent(`s${i}`, T0 + i * HOUR, ['sms']));
    spec.given([profile(), ...history]).when(request({ channels: ['sms'], now: T0 + 20 * HOUR })).thenMatches((events) =>
      assert.equal(only(events, 'NotificationSuppressed').data.suppressed[0]!.reason, 'rate_limited'));
  });

  it('applies a category override to that category only', () => {
    const history = [sent('m1', T0, ['push'], { category: 'marketing' }), sent('m2', T0 + MIN, ['push'], { category: 'marketing' })];
    spec.given([profile(), device('d1', 'tok-1'), ...history]).when(request({ category: 'marketing', channels: ['push'], now: T0 + 2 * HOUR })).thenMatches((events) =>
      assert.deepEqual(only(events, 'NotificationSuppressed').data.suppressed[0]!.detail, { limit: 2, windowSeconds: 86400, count: 2, category: 'marketing' }));
    spec.given([profile(), device('d1', 'tok-1'), ...history]).when(request({ category: 'orders', channels: ['push'], now: T0 + 2 * HOUR })).thenMatches((events) => only(events, 'NotificationRequested'));
  });

  it('exempts a critical category from rate limits', () => {
    const history = Array.from({ length: 10 }, (_, i) => sent(`old${i}`, T0 + i * MIN, ['email']));
    spec.given([profile(), ...history]).when(request({ category: 'security', channels: ['email'], now: T0 + 11 * MIN })).thenMatches((events) => {
      const e = only(events, 'NotificationRequested');
      assert.equal(e.data.critical, true);
    });
  });

  it('a partly rate-limited request delivers the other channels', () => {
    const history = Array.from({ length: 10 }, (_, i) => sent(`old${i}`, T0 + i * MIN, ['email']));
    spec.given([profile(), ...history]).when(request({ channels: ['email', 'sms'], now: T0 + 30 * MIN })).thenMatches((events) => {
      const e = only(events, 'NotificationRequested');
      assert.deepEqual(e.data.deliveries.map((d) => d.channel), ['sms']);
      assert.deepEqual(e.data.suppressed.map((s) => [s.channel, s.reason]), [['email', 'rate_limited']]);
    });
  });

  it('the same idempotency key within the window creates nothing', () =>
    spec.given([profile(), sent('n0', T0, ['email'], { idempotencyKey: 'k1' })]).when(request({ idempotencyKey: 'k1', now: T0 + 23 * HOUR })).then([]));

  it('the same idempotency key after the window is a new request', () =>
    spec.given([profile(), sent('n0', T0, ['email'], { idempotencyKey: 'k1' })]).when(request({ idempotencyKey: 'k1', channels: ['email'], now: T0 + 25 * HOUR }))
      .thenMatches((events) => only(events, 'NotificationRequested')));

  it('suppresses identical content on a channel within the dedup window as a duplicate', () => {
    spec.given([profile(), sent('n0', T0, ['email'], { contentHash: 'same' })]).when(request({ channels: ['email', 'sms'], contentHash: 'same', now: T0 + MIN })).thenMatches((events) => {
      const e = only(events, 'NotificationRequested');
      assert.deepEqual(e.data.suppressed, [{ channel: 'email', reason: 'duplicate', detail: { duplicateOf: 'n0', windowSeconds: 300 } }]);
      assert.deepEqual(e.data.deliveries.map((d) => d.channel), ['sms']);
    });
    spec.given([profile(), sent('n0', T0, ['email'], { contentHash: 'same' })]).when(request({ channels: ['email'], contentHash: 'same', now: T0 + 6 * MIN }))
      .thenMatches((events) => only(events, 'NotificationRequested'));
  });

  it('carries sendAt, priority and the idempotency key into the decision', () =>
    spec.given([profile()]).when(request({ channels: ['email'], sendAt: T0 + HOUR, priority: 'high', idempotencyKey: 'k9' })).thenMatches((events) => {
      const e = only(events, 'NotificationRequested');
      assert.equal(e.data.sendAt, iso(T0 + HOUR));
      assert.equal(e.data.priority, 'high');
      assert.equal(e.data.idempotencyKey, 'k9');
    }));

  it('with no channel list and no target at all, suppresses every channel as no_target', () =>
    spec.given([profile({ email: null, phone: null })]).when(request()).thenMatches((events) =>
      assert.deepEqual(only(events, 'NotificationSuppressed').data.suppressed.map((s) => s.reason), ['no_target', 'no_target', 'no_target'])));

  it('a category limit still counts its own sends after many more sends of other categories on the channel', () => {
    const history = [
      sent('m1', T0, ['push'], { category: 'marketing' }),
      sent('m2', T0 + MIN, ['push'], { category: 'marketing' }),
      ...Array.from({ length: 60 }, (_, i) => sent(`o${i}`, T0 + 2 * HOUR + i * MIN, ['push'])),
    ];
    spec.given([profile(), device('d1', 'tok-1'), ...history]).when(request({ category: 'marketing', channels: ['push'], now: T0 + 20 * HOUR })).thenMatches((events) =>
      assert.deepEqual(only(events, 'NotificationSuppressed').data.suppressed[0]!.detail, { limit: 2, windowSeconds: 86400, count: 2, category: 'marketing' }));
    spec.given([profile(), device('d1', 'tok-1'), ...history]).when(request({ channels: ['push'], now: T0 + 2 * HOUR + 59 * MIN })).thenMatches((events) =>
      assert.deepEqual(only(events, 'NotificationSuppressed').data.suppressed[0]!.detail, { limit: 20, windowSeconds: 3600, count: 20 }));
  });

  it('keeps only the sends a limit can still count: a burst far past the limits leaves at most the limits’ counts', () => {
    const decider = createRecipientDecider(policy);
    const burst = Array.from({ length: 10_000 }, (_, i) => sent(`b${i}`, T0 + i * 100, i % 2 ? ['push', 'email'] : ['push', 'sms'], { category: i % 3 ? 'orders' : i % 5 ? 'marketing' : 'security' }));
    const state = burst.reduce(decider.evolve, decider.initialState());
    const push = state.sends.filter((s) => s.channel === 'push');
    assert.ok(push.length <= 20 + 2, `push: the channel's 20 and marketing's own 2 (kept ${push.length})`);
    assert.ok(state.sends.filter((s) => s.channel === 'email').length <= 10);
    assert.ok(state.sends.filter((s) => s.channel === 'sms').length <= 5);
    assert.ok(state.sends.every((s) => s.category !== 'security'), 'critical sends count towards no limit');
    assert.ok(state.recentContent.length <= 3_000, 'content is kept for its 5-minute window only');
  });

  it('content hashes last the dedup window, not the idempotency window; none at all with dedup off', () => {
    const hourly = Array.from({ length: 30 }, (_, i) => sent(`n${i}`, T0 + i * HOUR, ['email'], { contentHash: `c${i}` }));
    const on = createRecipientDecider(policy);
    assert.equal(hourly.reduce(on.evolve, on.initialState()).recentContent.length, 1);
    const off = createRecipientDecider({ ...policy, contentDedupWindowMs: 0 });
    assert.equal(hourly.reduce(off.evolve, off.initialState()).recentContent.length, 0);
  });

  it('forgets history older than the longest window, so state stays bounded', () => {
    const decider = createRecipientDecider(policy);
    const events = Array.from({ length: 500 }, (_, i) => sent(`n${i}`, T0 + i * HOUR, ['push'], { idempotencyKey: `k${i}` }));
    const state = events.reduce(decider.evolve, decider.initialState());
    assert.ok(state.sends.length <= 25, `kept ${state.sends.length} sends`);
    assert.ok(state.idempotency.length <= 25);
  });
});

describe('recipient decider: a recipient switches one category channel (one-click unsubscribe)', () => {
  const on = { push: true, sms: true, email: true, inapp: true };
  const optOut = (category = 'digest'): RecipientCommand => ({ type: 'SetCategoryChannel', userId: 'u1', category, channel: 'email', enabled: false, now: T0 });
  const optIn = (category = 'digest'): RecipientCommand => ({ type: 'SetCategoryChannel', userId: 'u1', category, channel: 'email', enabled: true, now: T0 });

  it('opting out adds the category with only that channel off, keeping what the service set', () =>
    spec
      .given([profile(), prefs({ muted: false, channels: { push: true, sms: false, email: true, inapp: true }, categories: [{ category: 'orders', enabled: true, channels: { ...on, push: false } }] })])
      .when(optOut())
      .then([
        prefs({
          channels: { push: true, sms: false, email: true, inapp: true },
          categories: [
            { category: 'orders', enabled: true, channels: { ...on, push: false } },
            { category: 'digest', enabled: true, channels: { ...on, email: false } },
          ],
        }),
      ]));

  it('is decided against the current state: a change made since the email was sent is kept', () =>
    spec
      .given([profile(), prefs({ categories: [{ category: 'digest', enabled: true, channels: { ...on, sms: false } }] })])
      .when(optOut())
      .then([prefs({ categories: [{ category: 'digest', enabled: true, channels: { push: true, sms: false, email: false, inapp: true } }] })]));

  it('a replay changes nothing: no second event', () =>
    spec.given([profile(), prefs({ categories: [{ category: 'digest', enabled: true, channels: { ...on, email: false } }] })]).when(optOut()).then([]));

  it('the next request of that category is suppressed as opted out, another category still goes', () => {
    const optedOut = prefs({ categories: [{ category: 'digest', enabled: true, channels: { ...on, email: false } }] });
    spec.given([profile(), optedOut]).when(request({ category: 'digest', channels: ['email'] })).thenMatches((events) => {
      const { data } = only(events, 'NotificationSuppressed');
      assert.deepEqual(data.suppressed, [{ channel: 'email', reason: 'opted_out', detail: { level: 'category_channel', category: 'digest' } }]);
    });
    spec.given([profile(), optedOut]).when(request({ category: 'orders', channels: ['email'] })).thenMatches((events) => void only(events, 'NotificationRequested'));
  });

  it('undo opts back in, enabling the category; opting in where nothing is off changes nothing', () => {
    spec
      .given([profile(), prefs({ categories: [{ category: 'digest', enabled: false, channels: { ...on, email: false } }] })])
      .when(optIn())
      .then([prefs({ categories: [{ category: 'digest', enabled: true, channels: on }] })]);
    spec.given([profile()]).when(optIn()).then([]);
  });

  it('an unknown user is not found', () => spec.given([]).when(optOut()).thenThrows((e) => e instanceof DomainError && e.code === 'not_found'));
});

describe('recipient decider: a recipient switches a channel everywhere (an SMS STOP or START)', () => {
  const on = { push: true, sms: true, email: true, inapp: true };
  const stop: RecipientCommand = { type: 'SetChannel', userId: 'u1', channel: 'sms', enabled: false, now: T0 };
  const start: RecipientCommand = { type: 'SetChannel', userId: 'u1', channel: 'sms', enabled: true, now: T0 };
  const categories = [{ category: 'orders', enabled: true, channels: { ...on, push: false } }];

  it('STOP switches the channel off, keeping every other setting', () =>
    spec.given([profile(), prefs({ muted: true, categories })]).when(stop).then([prefs({ muted: true, channels: { ...on, sms: false }, categories })]));

  it('START switches it back on; a category’s own switch stays as the service set it', () => {
    const ownSms = [{ category: 'marketing', enabled: true, channels: { ...on, sms: false } }];
    spec.given([profile(), prefs({ channels: { ...on, sms: false }, categories: ownSms })]).when(start).then([prefs({ categories: ownSms })]);
  });

  it('a repeat changes nothing: no second event', () => {
    spec.given([profile(), prefs({ channels: { ...on, sms: false } })]).when(stop).then([]);
    spec.given([profile()]).when(start).then([]);
  });

  it('the next SMS is suppressed as opted out at the channel level, email still goes', () =>
    spec.given([profile(), prefs({ channels: { ...on, sms: false } })]).when(request({ channels: ['sms', 'email'] })).thenMatches((events) => {
      const { data } = only(events, 'NotificationRequested');
      assert.deepEqual(data.suppressed, [{ channel: 'sms', reason: 'opted_out', detail: { level: 'channel', category: 'orders' } }]);
      assert.deepEqual(data.deliveries.map((d) => d.channel), ['email']);
    }));

  it('an unknown user is not found', () => spec.given([]).when(stop).thenThrows((e) => e instanceof DomainError && e.code === 'not_found'));
});
