import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deliveryLifecycleDecider, type DeliveryLifecycleEvent } from '../../src/domain/notification/delivery-lifecycle.js';
import { exhausted, nextRetryDelay } from '../../src/domain/notification/retry-policy.js';
import { DomainError } from '../../src/domain/shared/decider.js';
import { deciderSpec } from '../support/decider-spec.js';

const spec = deciderSpec(deliveryLifecycleDecider);
const T = Date.parse('2026-01-01T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const base = { notificationId: 'n1', deliveryId: 'n1.1', channel: 'sms', provider: 'vonage' };
const retried = (attempt: number): DeliveryLifecycleEvent => ({ type: 'NotificationRetried', data: { ...base, attempt, error: 'HTTP 500', nextAttemptAt: iso(T + 1000), retriedAt: iso(T) } });
const sent = (attempt: number): DeliveryLifecycleEvent => ({ type: 'NotificationSent', data: { ...base, providerMessageId: 'm1', attempt, sentAt: iso(T) } });

describe('delivery lifecycle decider', () => {
  it('a first success is attempt 1', () =>
    spec.given([]).when({ type: 'RecordSent', ...base, providerMessageId: 'm1', now: T }).then([sent(1)]));

  it('counts attempts across retries', () =>
    spec.given([retried(1), retried(2)]).when({ type: 'RecordSent', ...base, providerMessageId: 'm1', now: T }).then([sent(3)]));

  it('records a retry with the next attempt time', () =>
    spec.given([]).when({ type: 'RecordRetry', ...base, error: 'HTTP 500', retryAt: T + 1000, now: T }).then([retried(1)]));

  it('a failover names the provider the next attempt goes to, and the state remembers it until the next outcome', () => {
    const handedOver: DeliveryLifecycleEvent = { type: 'NotificationRetried', data: { ...base, attempt: 1, error: 'HTTP 500', nextAttemptAt: iso(T), retriedAt: iso(T), failoverTo: 'twilio' } };
    spec.given([]).when({ type: 'RecordRetry', ...base, error: 'HTTP 500', retryAt: T, failoverTo: 'twilio', now: T }).then([handedOver]);
    const fold = (events: DeliveryLifecycleEvent[]) => events.reduce(deliveryLifecycleDecider.evolve, deliveryLifecycleDecider.initialState()).deliveries['n1.1'];
    assert.equal(fold([handedOver])?.nextProvider, 'twilio');
    assert.equal(fold([handedOver, retried(2)])?.nextProvider, undefined, 'a plain retry goes back to the chain’s order');
    // The attempt after a failover is recorded with the provider that made it.
    spec.given([handedOver]).when({ type: 'RecordSent', ...base, provider: 'twilio', providerMessageId: 'SM1', now: T }).then([
      { type: 'NotificationSent', data: { ...base, provider: 'twilio', providerMessageId: 'SM1', attempt: 2, sentAt: iso(T) } },
    ]);
  });

  it('ignores any outcome after a terminal one', () => {
    spec.given([sent(1)]).when({ type: 'RecordSent', ...base, providerMessageId: 'm2', now: T }).then([]);
    spec.given([sent(1)]).when({ type: 'RecordFailure', ...base, reason: 'permanent', error: 'x', now: T }).then([]);
  });

  it('records a permanent failure', () =>
    spec.given([retried(1)]).when({ type: 'RecordFailure', ...base, reason: 'exhausted', error: 'HTTP 503', now: T }).then([
      { type: 'NotificationFailed', data: { ...base, attempt: 2, reason: 'exhausted', error: 'HTTP 503', failedAt: iso(T) } },
    ]));

  it('cancels only deliveries that are not terminal, and refuses when none is left', () => {
    spec.given([sent(1)]).when({ type: 'Cancel', notificationId: 'n1', deliveryIds: ['n1.1', 'n1.2'], now: T }).then([
      { type: 'NotificationCanceled', data: { notificationId: 'n1', deliveryIds: ['n1.2'], canceledAt: iso(T) } },
    ]);
    spec.given([sent(1)]).when({ type: 'Cancel', notificationId: 'n1', deliveryIds: ['n1.1'], now: T }).thenThrows((e) => e instanceof DomainError && e.code === 'conflict');
  });

  it('a canceled delivery is never sent afterwards', () =>
    spec.given([{ type: 'NotificationCanceled', data: { notificationId: 'n1', deliveryIds: ['n1.1'], canceledAt: iso(T) } }])
      .when({ type: 'RecordSent', ...base, providerMessageId: 'm1', now: T }).then([]));
});

describe('delivery lifecycle decider: engagement', () => {
  const ids = { notificationId: 'n1', deliveryId: 'n1.1' };
  const engagement = { ...ids, channel: 'sms', at: iso(T + 5000) };
  const opened = (source: 'pixel' | 'link' | 'app'): DeliveryLifecycleEvent => ({ type: 'NotificationOpened', data: { ...engagement, source } });
  const clicked = (url: string): DeliveryLifecycleEvent => ({ type: 'NotificationClicked', data: { ...engagement, source: 'link', url } });
  const record = (kind: 'opened' | 'clicked' | 'converted', source: 'pixel' | 'link' | 'app', url?: string) =>
    ({ type: 'RecordEngagement', kind, ...ids, source, ...(url ? { url } : {}), now: T + 5000 }) as const;

  it('records an open of a sent delivery with the channel it was sent on', () =>
    spec.given([sent(1)]).when(record('opened', 'pixel')).then([opened('pixel')]));

  it('counts once per delivery: a second open records nothing', () =>
    spec.given([sent(1), opened('pixel')]).when(record('opened', 'app')).then([]));

  it('a click before any open records the open too (images blocked), then the click', () =>
    spec.given([sent(1)]).when(record('clicked', 'link', 'https://example.com/a')).then([opened('link'), clicked('https://example.com/a')]));

  it('a click after an open records only the click; a second click nothing', () => {
    spec.given([sent(1), opened('pixel')]).when(record('clicked', 'link', 'https://example.com/a')).then([clicked('https://example.com/a')]);
    spec.given([sent(1), opened('pixel'), clicked('https://example.com/a')]).when(record('clicked', 'link', 'https://example.com/b')).then([]);
  });

  it('records a conversion once', () => {
    spec.given([sent(1)]).when(record('converted', 'app')).then([{ type: 'NotificationConverted', data: { ...engagement, source: 'app' } }]);
    spec.given([sent(1), { type: 'NotificationConverted', data: { ...engagement, source: 'app' } }]).when(record('converted', 'app')).then([]);
  });

  it('refuses engagement with a delivery that was not sent', () => {
    const notSent = (e: unknown) => e instanceof DomainError && e.code === 'conflict' && e.field === 'deliveryId';
    spec.given([]).when(record('opened', 'pixel')).thenThrows(notSent);
    spec.given([retried(1)]).when(record('opened', 'pixel')).thenThrows(notSent);
    spec.given([{ type: 'NotificationFailed', data: { ...base, attempt: 1, reason: 'permanent', error: 'x', failedAt: iso(T) } }]).when(record('clicked', 'link', 'https://example.com')).thenThrows(notSent);
  });

  it('a click names its url', () =>
    spec.given([sent(1)]).when(record('clicked', 'app')).thenThrows((e) => e instanceof DomainError && e.code === 'invalid_argument' && e.field === 'url'));

  it('engagement never reopens a terminal delivery: a late outcome is still ignored', () =>
    spec.given([sent(1), opened('pixel')]).when({ type: 'RecordFailure', ...base, reason: 'permanent', error: 'x', now: T }).then([]));
});

describe('retry policy', () => {
  const policy = { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 60_000 };
  it('grows exponentially with jitter between half and the full ceiling', () => {
    assert.equal(nextRetryDelay(policy, 1, 0), 500);
    assert.equal(nextRetryDelay(policy, 1, 0.999999), 1000);
    assert.equal(nextRetryDelay(policy, 3, 0), 2000);
    assert.equal(nextRetryDelay(policy, 20, 1), 60_000);
  });
  it('never retries sooner than Retry-After', () => assert.equal(nextRetryDelay(policy, 1, 0, 30_000), 30_000));
  it('is exhausted at max attempts', () => {
    assert.equal(exhausted(policy, 4), false);
    assert.equal(exhausted(policy, 5), true);
  });
});
