import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_POLICY,
  createRecipientDecider,
  instantAt,
  type Delivery,
  type NotificationContent,
  type QuietHours,
  type RecipientEvent,
  type RecipientPolicy,
  type RequestNotification,
} from '../../src/domain/recipient/index.js';
import { DomainError } from '../../src/domain/shared/decider.js';
import { deciderSpec } from '../support/decider-spec.js';

const ms = (text: string) => Date.parse(text);
const iso = (at: number) => new Date(at).toISOString();

const policy: RecipientPolicy = {
  ...DEFAULT_POLICY,
  categories: {
    security: { critical: true },
    marketing: { quietHours: { start: '22:00', end: '07:00' }, timezone: 'Asia/Tokyo' },
    news: { quietHours: { start: '21:00', end: '08:00' } },
  },
  defaultTimezone: 'America/Los_Angeles',
};
const spec = deciderSpec(createRecipientDecider(policy));

const content: NotificationContent = { kind: 'inline', title: 'Hi', body: 'Hello', subject: 'Hi', text: 'Hello' };
const AT = ms('2026-01-01T00:00:00Z');

const profile = (timezone: string | null): RecipientEvent => ({
  type: 'RecipientProfileUpdated',
  data: { userId: 'u1', email: 'ada@example.com', phone: '+447700900123', locale: null, timezone, updatedAt: iso(AT) },
});
const device: RecipientEvent = {
  type: 'DeviceRegistered',
  data: { userId: 'u1', deviceId: 'd1', platform: 'ios', provider: 'apns', token: 'tok-1', registeredAt: iso(AT) },
};
const quietHours = (quiet: QuietHours | null): RecipientEvent => ({
  type: 'PreferencesUpdated',
  data: { userId: 'u1', muted: false, channels: { push: true, sms: true, email: true, inapp: true }, categories: [], quietHours: quiet, updatedAt: iso(AT) },
});
const user = (timezone: string | null, quiet: QuietHours | null = null): RecipientEvent[] => [profile(timezone), device, quietHours(quiet)];

function request(now: string, overrides: Partial<RequestNotification> = {}): RequestNotification {
  return {
    type: 'RequestNotification',
    userId: 'u1',
    notificationId: 'n1',
    category: 'orders',
    channels: ['email'],
    content,
    contentHash: 'h1',
    priority: 'normal',
    sendAt: null,
    idempotencyKey: null,
    now: ms(now),
    ...overrides,
  };
}

type Requested = Extract<RecipientEvent, { type: 'NotificationRequested' }>;
const requested = (events: RecipientEvent[]): Requested => {
  assert.equal(events.length, 1);
  assert.equal(events[0]!.type, 'NotificationRequested');
  return events[0] as Requested;
};
/** Each delivery's channel and when its deferral ends (null: not deferred). */
const deferredUntil = (events: RecipientEvent[]) => Object.fromEntries(requested(events).data.deliveries.map((d: Delivery) => [d.channel, d.deferred?.until ?? null]));

const NIGHT: QuietHours = { start: '22:00', end: '07:30' };

describe('quiet hours: a delivery decided inside the window waits until it ends', () => {
  it('records the deferral on the delivery: until when, whose window, in which zone', () =>
    spec
      .given(user('Europe/London', NIGHT))
      .when(request('2026-01-15T23:10:00Z'))
      .then([
        {
          type: 'NotificationRequested',
          data: {
            notificationId: 'n1',
            userId: 'u1',
            category: 'orders',
            requestedChannels: ['email'],
            content,
            contentHash: 'h1',
            priority: 'normal',
            sendAt: null,
            idempotencyKey: null,
            critical: false,
            suppressed: [],
            requestedAt: '2026-01-15T23:10:00.000Z',
            deliveries: [
              {
                deliveryId: 'n1.1',
                channel: 'email',
                queue: 'email',
                target: { channel: 'email', email: 'ada@example.com' },
                deferred: { until: '2026-01-16T07:30:00.000Z', reason: 'quiet_hours', source: 'user', timezone: 'Europe/London', window: NIGHT },
              },
            ],
          },
        },
      ]));

  it('a window across midnight: before midnight, after midnight, at its end and just before its start', () => {
    const at = (now: string) => spec.given(user('Europe/London', NIGHT)).when(request(now));
    at('2026-01-16T05:59:00Z').thenMatches((e) => assert.deepEqual(deferredUntil(e), { email: '2026-01-16T07:30:00.000Z' }));
    at('2026-01-16T07:30:00Z').thenMatches((e) => assert.deepEqual(deferredUntil(e), { email: null }));
    at('2026-01-16T21:59:59Z').thenMatches((e) => assert.deepEqual(deferredUntil(e), { email: null }));
    at('2026-01-16T22:00:00Z').thenMatches((e) => assert.deepEqual(deferredUntil(e), { email: '2026-01-17T07:30:00.000Z' }));
  });

  it('a window within one day (13:00 to 14:00) holds back only inside it', () => {
    const at = (now: string) => spec.given(user('Europe/London', { start: '13:00', end: '14:00' })).when(request(now));
    at('2026-01-16T13:15:00Z').thenMatches((e) => assert.deepEqual(deferredUntil(e), { email: '2026-01-16T14:00:00.000Z' }));
    at('2026-01-16T12:59:00Z').thenMatches((e) => assert.deepEqual(deferredUntil(e), { email: null }));
    at('2026-01-16T23:00:00Z').thenMatches((e) => assert.deepEqual(deferredUntil(e), { email: null }));
  });

  it('days are the nights the window starts on: a Friday-and-Saturday window covers Saturday morning, not Friday morning', () => {
    const weekend = { ...NIGHT, days: ['fri' as const, 'sat' as const] };
    const at = (now: string) => spec.given(user('Europe/London', weekend)).when(request(now));
    // 2026-01-16 is a Friday.
    at('2026-01-16T23:00:00Z').thenMatches((e) => assert.deepEqual(deferredUntil(e), { email: '2026-01-17T07:30:00.000Z' }));
    at('2026-01-17T06:00:00Z').thenMatches((e) => assert.deepEqual(deferredUntil(e), { email: '2026-01-17T07:30:00.000Z' }));
    at('2026-01-15T23:00:00Z').thenMatches((e) => assert.deepEqual(deferredUntil(e), { email: null }));
    at('2026-01-16T06:00:00Z').thenMatches((e) => assert.deepEqual(deferredUntil(e), { email: null }));
  });

  it('channels: only the listed channels wait, the others go at once', () =>
    spec
      .given(user('Europe/London', { ...NIGHT, channels: ['push', 'sms'] }))
      .when(request('2026-01-15T23:10:00Z', { channels: ['push', 'sms', 'email'] }))
      .thenMatches((e) => assert.deepEqual(deferredUntil(e), { push: '2026-01-16T07:30:00.000Z', sms: '2026-01-16T07:30:00.000Z', email: null })));

  it('a critical category is never held back', () =>
    spec
      .given(user('Europe/London', NIGHT))
      .when(request('2026-01-15T23:10:00Z', { category: 'security', channels: ['push', 'sms', 'email'] }))
      .thenMatches((e) => assert.deepEqual(deferredUntil(e), { push: null, sms: null, email: null })));

  it('a sendAt after the window is untouched; a sendAt inside it waits for its end', () => {
    const given = spec.given(user('Europe/London', NIGHT));
    given.when(request('2026-01-15T20:00:00Z', { sendAt: ms('2026-01-16T09:00:00Z') })).thenMatches((e) => {
      assert.deepEqual(deferredUntil(e), { email: null });
      assert.equal(requested(e).data.sendAt, '2026-01-16T09:00:00.000Z');
    });
    given.when(request('2026-01-15T20:00:00Z', { sendAt: ms('2026-01-16T03:00:00Z') })).thenMatches((e) => {
      assert.deepEqual(deferredUntil(e), { email: '2026-01-16T07:30:00.000Z' });
      assert.equal(requested(e).data.sendAt, '2026-01-16T03:00:00.000Z', 'the sendAt asked for stays on record');
    });
  });

  it('a PreferencesUpdated written before quiet hours existed (no quietHours field) means none of the user’s own', () => {
    const old: RecipientEvent = {
      type: 'PreferencesUpdated',
      data: { userId: 'u1', muted: false, channels: { push: true, sms: true, email: true, inapp: true }, categories: [], updatedAt: iso(AT) },
    };
    spec.given([profile('Europe/London'), old]).when(request('2026-01-15T23:10:00Z')).thenMatches((e) => assert.deepEqual(deferredUntil(e), { email: null }));
    spec
      .given([profile('Europe/London'), old])
      .when({ type: 'UpdatePreferences', userId: 'u1', preferences: { muted: false, channels: { push: true, sms: true, email: true, inapp: true }, categories: [], quietHours: null }, now: ms('2026-01-15T23:10:00Z') })
      .then([]);
  });

  it('the domain refuses a window that starts and ends at the same time, naming the field', () =>
    spec
      .given(user('Europe/London'))
      .when({ type: 'UpdatePreferences', userId: 'u1', preferences: { muted: false, channels: { push: true, sms: true, email: true, inapp: true }, categories: [], quietHours: { start: '22:00', end: '22:00' } }, now: AT })
      .thenThrows((e) => e instanceof DomainError && e.code === 'invalid_argument' && e.field === 'quietHours.end'));
});

describe('quiet hours: the user’s window against the category’s default, and the zone each is read in', () => {
  it('a user without a window of their own gets the category’s default, read in the category’s zone when the user has none', () =>
    spec
      .given(user(null))
      // 23:00 in Tokyo.
      .when(request('2026-01-15T14:00:00Z', { category: 'marketing' }))
      .thenMatches((e) =>
        assert.deepEqual(requested(e).data.deliveries[0]!.deferred, {
          until: '2026-01-15T22:00:00.000Z',
          reason: 'quiet_hours',
          source: 'category',
          timezone: 'Asia/Tokyo',
          window: { start: '22:00', end: '07:00' },
        }),
      ));

  it('the user’s own zone comes before the category’s', () =>
    // 14:00 in London: the category's 22:00 has not come there.
    spec.given(user('Europe/London')).when(request('2026-01-15T14:00:00Z', { category: 'marketing' })).thenMatches((e) => assert.deepEqual(deferredUntil(e), { email: null })));

  it('without either zone, the service default (here America/Los_Angeles) is used', () =>
    // 22:30 in Los Angeles (UTC-8).
    spec.given(user(null)).when(request('2026-01-16T06:30:00Z', { category: 'news' })).thenMatches((e) => assert.deepEqual(deferredUntil(e), { email: '2026-01-16T16:00:00.000Z' })));

  it('the user’s own window replaces the category’s default, even where it is narrower', () => {
    const given = spec.given(user('Asia/Tokyo', { start: '01:00', end: '02:00' }));
    // 23:00 in Tokyo: inside the category's default, outside the user's window.
    given.when(request('2026-01-15T14:00:00Z', { category: 'marketing' })).thenMatches((e) => assert.deepEqual(deferredUntil(e), { email: null }));
    given.when(request('2026-01-15T16:30:00Z', { category: 'marketing' })).thenMatches((e) => {
      assert.deepEqual(deferredUntil(e), { email: '2026-01-15T17:00:00.000Z' });
      assert.equal(requested(e).data.deliveries[0]!.deferred!.source, 'user');
    });
  });
});

describe('quiet hours across changes of the clocks', () => {
  it('New York, spring forward (2026-03-08, 02:00 becomes 03:00): the night is an hour shorter, it still ends at 07:30 local', () => {
    const given = spec.given(user('America/New_York', NIGHT));
    // 23:00 EST on the 7th, and 01:00 EST on the 8th: both end at 07:30 EDT (UTC-4).
    given.when(request('2026-03-08T04:00:00Z')).thenMatches((e) => assert.deepEqual(deferredUntil(e), { email: '2026-03-08T11:30:00.000Z' }));
    given.when(request('2026-03-08T06:00:00Z')).thenMatches((e) => assert.deepEqual(deferredUntil(e), { email: '2026-03-08T11:30:00.000Z' }));
  });

  it('New York, fall back (2026-11-01, 02:00 becomes 01:00): both 01:30s are inside, and the night ends at 07:30 EST', () => {
    const given = spec.given(user('America/New_York', NIGHT));
    given.when(request('2026-11-01T05:30:00Z')).thenMatches((e) => assert.deepEqual(deferredUntil(e), { email: '2026-11-01T12:30:00.000Z' }));
    given.when(request('2026-11-01T06:30:00Z')).thenMatches((e) => assert.deepEqual(deferredUntil(e), { email: '2026-11-01T12:30:00.000Z' }));
  });

  it('a 02:30 that does not exist that day is the next valid instant, the moment the clocks jump (03:00 EDT)', () => {
    assert.equal(iso(instantAt({ year: 2026, month: 3, day: 8 }, { hour: 2, minute: 30 }, 'America/New_York')), '2026-03-08T07:00:00.000Z');
    const given = spec.given(user('America/New_York', { start: '02:30', end: '06:00' }));
    given.when(request('2026-03-08T06:59:00Z')).thenMatches((e) => assert.deepEqual(deferredUntil(e), { email: null }));
    given.when(request('2026-03-08T07:00:00Z')).thenMatches((e) => assert.deepEqual(deferredUntil(e), { email: '2026-03-08T10:00:00.000Z' }));
  });

  it('London, spring forward (2026-03-29, 01:00 becomes 02:00): a window ending at the skipped 01:30 ends when the clocks jump', () =>
    spec
      .given(user('Europe/London', { start: '22:00', end: '01:30' }))
      .when(request('2026-03-29T00:45:00Z'))
      .thenMatches((e) => assert.deepEqual(deferredUntil(e), { email: '2026-03-29T01:00:00.000Z' })));

  it('London, fall back (2026-10-25, 02:00 becomes 01:00): a window ending at 01:30 ends the first time the clock reads it', () => {
    const given = spec.given(user('Europe/London', { start: '23:00', end: '01:30' }));
    given.when(request('2026-10-25T00:10:00Z')).thenMatches((e) => assert.deepEqual(deferredUntil(e), { email: '2026-10-25T00:30:00.000Z' }));
    given.when(request('2026-10-25T01:10:00Z')).thenMatches((e) => assert.deepEqual(deferredUntil(e), { email: null }));
  });
});

describe('local-time sends: a wall-clock time in the recipient’s zone', () => {
  const localAt = (timezone: string | null, now: string, localSendAt: RequestNotification['localSendAt'], category = 'orders') =>
    spec.given(user(timezone)).when(request(now, { localSendAt, category }));
  const sendAtOf = (e: RecipientEvent[]) => requested(e).data.sendAt;

  it('09:00 asked at 12:00 UTC: tomorrow in Tokyo and Berlin (passed there), today in Los Angeles', () => {
    localAt('Asia/Tokyo', '2026-06-10T12:00:00Z', { localTime: '09:00' }).thenMatches((e) => assert.equal(sendAtOf(e), '2026-06-11T00:00:00.000Z'));
    localAt('Europe/Berlin', '2026-06-10T12:00:00Z', { localTime: '09:00' }).thenMatches((e) => assert.equal(sendAtOf(e), '2026-06-11T07:00:00.000Z'));
    localAt('America/Los_Angeles', '2026-06-10T12:00:00Z', { localTime: '09:00' }).thenMatches((e) => assert.equal(sendAtOf(e), '2026-06-10T16:00:00.000Z'));
    localAt('Europe/Berlin', '2026-06-10T12:00:00Z', { localTime: '18:00' }).thenMatches((e) => assert.equal(sendAtOf(e), '2026-06-10T16:00:00.000Z'));
  });

  it('keeps the local time asked for, and the zone it was read in, in the decision', () =>
    localAt('Europe/Berlin', '2026-06-10T12:00:00Z', { localTime: '09:00', date: '2026-12-24' }).thenMatches((e) => {
      assert.equal(sendAtOf(e), '2026-12-24T08:00:00.000Z', 'Berlin is UTC+1 in December');
      assert.deepEqual(requested(e).data.localSendAt, { localTime: '09:00', date: '2026-12-24', timezone: 'Europe/Berlin' });
    }));

  it('a date and time already past sends at once, like a past sendAt', () =>
    localAt('Asia/Tokyo', '2026-06-10T12:00:00Z', { localTime: '09:00', date: '2026-06-10' }).thenMatches((e) => {
      assert.equal(sendAtOf(e), null);
      assert.deepEqual(deferredUntil(e), { email: null });
    }));

  it('tomorrow’s time across a change of clocks: 02:30 on New York’s spring-forward day is 03:00 EDT', () =>
    localAt('America/New_York', '2026-03-07T20:00:00Z', { localTime: '02:30' }).thenMatches((e) => assert.equal(sendAtOf(e), '2026-03-08T07:00:00.000Z')));

  it('the same zone fallback as quiet hours: the category’s zone, then the service default', () => {
    localAt(null, '2026-06-10T12:00:00Z', { localTime: '09:00' }, 'marketing').thenMatches((e) => assert.equal(requested(e).data.localSendAt!.timezone, 'Asia/Tokyo'));
    localAt(null, '2026-06-10T12:00:00Z', { localTime: '09:00' }).thenMatches((e) => {
      assert.equal(requested(e).data.localSendAt!.timezone, 'America/Los_Angeles');
      assert.equal(sendAtOf(e), '2026-06-10T16:00:00.000Z');
    });
  });

  it('quiet hours then apply to that instant', () =>
    spec
      .given(user('Europe/London', NIGHT))
      .when(request('2026-01-15T12:00:00Z', { localSendAt: { localTime: '06:00' } }))
      .thenMatches((e) => {
        assert.equal(sendAtOf(e), '2026-01-16T06:00:00.000Z');
        assert.deepEqual(deferredUntil(e), { email: '2026-01-16T07:30:00.000Z' });
      }));

  it('the domain refuses a local time that is not HH:MM, naming sendAt.localTime', () =>
    localAt('Europe/London', '2026-01-15T12:00:00Z', { localTime: '9am' }).thenThrows((e) => e instanceof DomainError && e.field === 'sendAt.localTime'));
});
