import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideOutcome, type AttemptInfo, type DeliveryOutcome, type ProviderResult } from '../../src/domain/notification/delivery-outcome.js';

const T = Date.parse('2026-01-01T00:00:00.000Z');
const OPEN_MS = 30_000;
/** Attempt 1 of 5 of a push delivery; backoff 1 s doubling up to a minute; jitter in the middle. */
const first: AttemptInfo = { channel: 'push', attempt: 1, policy: { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 60_000 }, circuitOpenMs: OPEN_MS, now: T, random: 0.5 };

/** Given the attempt / When the provider's result / Then the outcome. */
const given = (attempt: Partial<AttemptInfo> = {}) => ({
  when: (result: ProviderResult) => ({
    then: (expected: DeliveryOutcome) => assert.deepEqual(decideOutcome(result, { ...first, ...attempt }), expected),
  }),
});
const failed = (error: 'retryable' | 'permanent' | 'invalid_token', more: { retryAfterMs?: number; circuitBlockedMs?: number } = {}): ProviderResult => ({
  kind: 'failed',
  error,
  circuitBlockedMs: 0,
  ...more,
});
const retry = (retryInMs: number, now = T): DeliveryOutcome => ({ type: 'retry', retryInMs, retryAt: now + retryInMs });

describe('delivery outcome: after a failed provider call', () => {
  it('a dead push token is invalidated (the delivery fails with it)', () => given().when(failed('invalid_token')).then({ type: 'invalidate_token' }));

  it('an "invalid token" answer for a delivery with no push token fails it permanently', () => {
    given({ channel: 'sms' }).when(failed('invalid_token')).then({ type: 'fail', reason: 'permanent' });
    given({ channel: 'email' }).when(failed('invalid_token')).then({ type: 'fail', reason: 'permanent' });
  });

  it('a permanent refusal fails at once, attempts left or not', () => given({ attempt: 1 }).when(failed('permanent')).then({ type: 'fail', reason: 'permanent' }));

  it('a retryable failure on the policy’s last attempt is exhausted', () => {
    given({ attempt: 5 }).when(failed('retryable')).then({ type: 'fail', reason: 'exhausted' });
    given({ attempt: 6 }).when(failed('retryable')).then({ type: 'fail', reason: 'exhausted' });
  });

  it('a dead token or a permanent refusal on the last attempt says so, not "exhausted"', () => {
    given({ attempt: 5 }).when(failed('invalid_token')).then({ type: 'invalidate_token' });
    given({ attempt: 5 }).when(failed('permanent')).then({ type: 'fail', reason: 'permanent' });
  });

  it('a retryable failure with attempts left retries after an exponential backoff, jittered over its upper half', () => {
    // Attempt 3: a ceiling of 4 s; the jitter places the delay between 2 s and 4 s.
    given({ attempt: 3, random: 0 }).when(failed('retryable')).then(retry(2000));
    given({ attempt: 3, random: 0.5 }).when(failed('retryable')).then(retry(3000));
    given({ attempt: 3, random: 0.999 }).when(failed('retryable')).then(retry(3998));
    given({ attempt: 1, random: 0.5 }).when(failed('retryable')).then(retry(750));
  });

  it('the backoff stops growing at the policy’s maximum delay', () =>
    given({ attempt: 4, random: 0.999, policy: { maxAttempts: 10, baseDelayMs: 1000, maxDelayMs: 5000 } }).when(failed('retryable')).then(retry(4998)));

  it('a retry is never sooner than the provider’s Retry-After, and the retry time counts from now', () => {
    given({ now: T + 777 }).when(failed('retryable', { retryAfterMs: 120_000 })).then(retry(120_000, T + 777));
    given().when(failed('retryable', { retryAfterMs: 10 })).then(retry(750));
  });

  it('a call that failed into an open circuit retries one open period behind the deliveries waiting for it', () => {
    given({ random: 0 }).when(failed('retryable', { circuitBlockedMs: 20_000 })).then(retry(20_000 + OPEN_MS));
    given({ random: 0.5 }).when(failed('retryable', { circuitBlockedMs: 20_000 })).then(retry(20_000 + 1.5 * OPEN_MS));
    // Whatever the jitter of each, every delivery held by the circuit comes back first: the next probe is another's.
    for (const held of [0, 0.3, 0.999]) {
      for (const probe of [0, 0.3, 0.999]) {
        const waiting = decideOutcome({ kind: 'circuit_open', waitMs: 20_000 }, { ...first, random: held });
        const failedProbe = decideOutcome(failed('retryable', { circuitBlockedMs: 20_000 }), { ...first, random: probe });
        assert.equal(failedProbe.type, 'retry');
        assert.ok(waiting.retryInMs < (failedProbe as { retryInMs: number }).retryInMs, `held ${held}, probe ${probe}`);
      }
    }
  });

  it('a longer backoff or Retry-After still wins over the circuit’s wait', () =>
    given().when(failed('retryable', { circuitBlockedMs: 1000, retryAfterMs: 600_000 })).then(retry(600_000)));

  it('an open circuit does not save a delivery from a permanent failure or from its last attempt', () => {
    given().when(failed('permanent', { circuitBlockedMs: 20_000 })).then({ type: 'fail', reason: 'permanent' });
    given({ attempt: 5 }).when(failed('retryable', { circuitBlockedMs: 20_000 })).then({ type: 'fail', reason: 'exhausted' });
  });
});

describe('delivery outcome: the provider’s circuit is open (not called)', () => {
  it('the job waits out the circuit, spread over one more open period so the held jobs do not all come back at once', () => {
    given({ random: 0 }).when({ kind: 'circuit_open', waitMs: 12_000 }).then({ type: 'wait_for_circuit', retryInMs: 12_000 });
    given({ random: 0.25 }).when({ kind: 'circuit_open', waitMs: 12_000 }).then({ type: 'wait_for_circuit', retryInMs: 12_000 + 0.25 * OPEN_MS });
  });

  it('no attempt is spent: on the last attempt it waits too, rather than being exhausted', () =>
    given({ attempt: 5, random: 0 }).when({ kind: 'circuit_open', waitMs: 500 }).then({ type: 'wait_for_circuit', retryInMs: 500 }));
});
