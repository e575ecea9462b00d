import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseProvider, decideOutcome, type AttemptInfo, type DeliveryOutcome, type ProviderResult } from '../../src/domain/notification/delivery-outcome.js';

const T = Date.parse('2026-01-01T00:00:00.000Z');
const OPEN_MS = 30_000;
/** Attempt 1 of 5 of a push delivery through its only provider; backoff 1 s doubling up to a minute; jitter in the middle. */
const first: AttemptInfo = {
  channel: 'push',
  attempt: 1,
  policy: { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 60_000 },
  circuitOpenMs: OPEN_MS,
  now: T,
  random: 0.5,
  provider: 'apns',
  chain: ['apns'],
  failoverAfterTimeout: false,
};
/** The same attempt, of an SMS whose channel has Vonage first and Twilio as its backup. */
const sms: Partial<AttemptInfo> = { channel: 'sms', provider: 'vonage', chain: ['vonage', 'twilio'] };

/** Given the attempt / When the provider's result / Then the outcome. */
const given = (attempt: Partial<AttemptInfo> = {}) => ({
  when: (result: ProviderResult) => ({
    then: (expected: DeliveryOutcome) => assert.deepEqual(decideOutcome(result, { ...first, ...attempt }), expected),
  }),
});
const failed = (error: 'retryable' | 'permanent' | 'invalid_token', more: { retryAfterMs?: number; circuitBlockedMs?: number; answered?: boolean } = {}): ProviderResult => ({
  kind: 'failed',
  error,
  answered: true,
  circuitBlockedMs: 0,
  ...more,
});
const unanswered = (more: { circuitBlockedMs?: number } = {}) => failed('retryable', { answered: false, ...more });
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

describe('delivery outcome: a channel with a chain of providers', () => {
  const failover = (provider: string): DeliveryOutcome => ({ type: 'failover', provider, retryInMs: 0, retryAt: T });

  it('an error answer (5xx, 429) from the primary hands the delivery to the next provider at once: nothing was sent', () =>
    given(sms).when(failed('retryable', { retryAfterMs: 60_000 })).then(failover('twilio')));

  it('a refusal from the primary goes to the next provider too: it may be the provider’s, not the recipient’s', () =>
    given(sms).when(failed('permanent')).then(failover('twilio')));

  it('no answer (a timeout) may have been delivered: by default it backs off, and is not handed over at once', () =>
    given({ ...sms, random: 0 }).when(unanswered()).then(retry(500)));

  it('no answer is handed over at once where duplicates are preferred to delay (FAILOVER_AFTER_TIMEOUT)', () =>
    given({ ...sms, failoverAfterTimeout: true }).when(unanswered()).then(failover('twilio')));

  it('past the end of the chain the usual rules apply: backoff, permanent, exhausted', () => {
    const backup = { ...sms, provider: 'twilio', random: 0 };
    given(backup).when(failed('retryable')).then(retry(500));
    given(backup).when(failed('permanent')).then({ type: 'fail', reason: 'permanent' });
    given({ ...backup, attempt: 5 }).when(failed('retryable')).then({ type: 'fail', reason: 'exhausted' });
  });

  it('attempts on every provider count towards the maximum: the last attempt is not handed over', () => {
    given({ ...sms, attempt: 5 }).when(failed('retryable')).then({ type: 'fail', reason: 'exhausted' });
    given({ ...sms, attempt: 5 }).when(failed('permanent')).then({ type: 'fail', reason: 'permanent' });
  });

  it('a dead push token is never handed over: it is dead for every provider', () =>
    given({ chain: ['apns', 'backup'] }).when(failed('invalid_token')).then({ type: 'invalidate_token' }));
});

describe('choosing the provider for an attempt', () => {
  const circuits = (open: Record<string, number>) => (provider: string) => open[provider] ?? 0;

  it('the chain’s first provider, while its circuit is closed', () =>
    assert.deepEqual(chooseProvider(['vonage', 'twilio'], undefined, circuits({})), { provider: 'vonage' }));

  it('the next provider whose circuit is closed, while the primary’s is open', () =>
    assert.deepEqual(chooseProvider(['vonage', 'twilio'], undefined, circuits({ vonage: 5000 })), { provider: 'twilio' }));

  it('the provider a failover named, then the rest of the chain in order', () => {
    assert.deepEqual(chooseProvider(['a', 'b', 'c'], 'b', circuits({})), { provider: 'b' });
    assert.deepEqual(chooseProvider(['a', 'b', 'c'], 'b', circuits({ b: 10 })), { provider: 'c' });
    assert.deepEqual(chooseProvider(['a', 'b', 'c'], 'b', circuits({ b: 10, c: 10 })), { provider: 'a' });
  });

  it('a provider no longer in the chain (the setting changed) counts as none named', () =>
    assert.deepEqual(chooseProvider(['twilio'], 'vonage', circuits({})), { provider: 'twilio' }));

  it('when every circuit is open, no provider: the wait until the first lets a call through', () =>
    assert.deepEqual(chooseProvider(['vonage', 'twilio'], undefined, circuits({ vonage: 9000, twilio: 4000 })), { waitMs: 4000 }));
});
