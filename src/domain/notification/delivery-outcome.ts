import type { Channel } from '../recipient/values.js';
import { exhausted, nextRetryDelay, type RetryPolicy } from './retry-policy.js';

/** How a provider call failed, as its adapter classifies the provider's answer. */
export type ProviderErrorKind =
  /** Try again later: timeouts, 429, 5xx. */
  | 'retryable'
  /** Never succeeds as sent: bad number, rejected recipient, bad payload. */
  | 'permanent'
  /** The push token is dead (APNs Unregistered/BadDeviceToken/410, FCM UNREGISTERED/INVALID_ARGUMENT on the token). */
  | 'invalid_token';

/** What came of trying a delivery's provider, short of sending. */
export type ProviderResult =
  /** Not called: the provider's circuit is open, and stays open `waitMs` longer. */
  | { kind: 'circuit_open'; waitMs: number }
  /**
   * Called, and it failed. `circuitBlockedMs`: how long the circuit, told of this failure,
   * holds calls back (0 when closed or when a probe may go).
   */
  | {
      kind: 'failed';
      error: ProviderErrorKind;
      /**
       * Whether the provider answered: a refusal or an error status says the message was not
       * sent. Without an answer (a timeout, a connection dropped mid-call) it may have been.
       */
      answered: boolean;
      retryAfterMs?: number;
      circuitBlockedMs: number;
    };

export interface AttemptInfo {
  channel: Channel;
  /** The attempt that was tried: 1 for the first. */
  attempt: number;
  /** The retry policy of the delivery's queue. */
  policy: RetryPolicy;
  /** How long a provider's circuit stays open before it lets a probe through. */
  circuitOpenMs: number;
  now: number;
  /** 0 <= random < 1, the jitter: drawn by the caller, so the rule stays pure. */
  random: number;
  /** The provider that was tried, and its channel's providers in order of preference. */
  provider: string;
  chain: readonly string[];
  /** Whether a call that got no answer (and may have been delivered) goes to the next provider at once. */
  failoverAfterTimeout: boolean;
}

/** After a failed call. */
export type FailedCallOutcome =
  /** The push token is dead: the user's device drops it, and the delivery fails as `token_invalidated`. */
  | { type: 'invalidate_token' }
  | { type: 'fail'; reason: 'permanent' | 'exhausted' }
  /** A failed attempt, recorded; the job runs again in `retryInMs`, at `retryAt`. */
  | { type: 'retry'; retryInMs: number; retryAt: number }
  /** A failed attempt, recorded; the next one goes at once to `provider`, the next in the chain. */
  | { type: 'failover'; provider: string; retryInMs: 0; retryAt: number };

/** No attempt made: the job comes back once the circuit may let it through. Nothing is recorded. */
export type WaitForCircuit = { type: 'wait_for_circuit'; retryInMs: number };

export type DeliveryOutcome = FailedCallOutcome | WaitForCircuit;

/** The provider after `provider` in the chain; null for the last (or one not in it). */
function nextInChain(chain: readonly string[], provider: string): string | null {
  const at = chain.indexOf(provider);
  return at >= 0 && at + 1 < chain.length ? chain[at + 1]! : null;
}

/**
 * What to do with a delivery whose provider was not called or failed. A provider that refused
 * or answered with an error hands the delivery to the next one in its channel's chain at once:
 * nothing was sent, so nothing can be sent twice. One that did not answer may have delivered:
 * the next provider gets it at once only when `failoverAfterTimeout` says duplicates are the
 * lesser evil; otherwise it backs off like any retry, and the chain's first healthy provider
 * takes it then. Past the chain's end, failures give up as soon as trying again cannot help (a
 * dead token, a permanent refusal, the policy's last attempt), and otherwise back off
 * (exponential, jittered, never sooner than the provider's Retry-After). Every attempt, on any
 * provider, counts towards the policy's maximum.
 */
export function decideOutcome(result: Extract<ProviderResult, { kind: 'circuit_open' }>, info: AttemptInfo): WaitForCircuit;
export function decideOutcome(result: Extract<ProviderResult, { kind: 'failed' }>, info: AttemptInfo): FailedCallOutcome;
export function decideOutcome(result: ProviderResult, info: AttemptInfo): DeliveryOutcome;
export function decideOutcome(result: ProviderResult, info: AttemptInfo): DeliveryOutcome {
  // Held jobs come back spread over one open period, as a failed probe does: the next probe is
  // any waiting delivery's (not whichever was queued first, every time), and a recovered
  // provider is not hit by the whole backlog in the same millisecond.
  if (result.kind === 'circuit_open') return { type: 'wait_for_circuit', retryInMs: result.waitMs + info.random * info.circuitOpenMs };
  if (result.error === 'invalid_token' && info.channel === 'push') return { type: 'invalidate_token' };
  const next = nextInChain(info.chain, info.provider);
  const handOver = next !== null && !exhausted(info.policy, info.attempt) && (result.error !== 'retryable' || result.answered || info.failoverAfterTimeout);
  if (handOver) return { type: 'failover', provider: next, retryInMs: 0, retryAt: info.now };
  if (result.error !== 'retryable') return { type: 'fail', reason: 'permanent' };
  if (exhausted(info.policy, info.attempt)) return { type: 'fail', reason: 'exhausted' };
  // A call that failed into an open circuit (the probe, usually) retries after the jobs already
  // waiting for the circuit: they come back within one open period of the circuit's reopening,
  // so this one waits one more period past that. The next probe is then another delivery's, and
  // one unlucky delivery is not spent probing an outage attempt after attempt until exhausted
  // (had it come back among them, it would have won a later probe often enough to fail a test in ten).
  const behindTheCircuit = result.circuitBlockedMs > 0 ? result.circuitBlockedMs + info.circuitOpenMs * (1 + info.random) : 0;
  const retryInMs = Math.max(nextRetryDelay(info.policy, info.attempt, info.random, result.retryAfterMs), behindTheCircuit);
  return { type: 'retry', retryInMs, retryAt: info.now + retryInMs };
}

/**
 * The provider an attempt goes to: the one a failover named, else the chain's first, passing
 * over any whose circuit holds calls back. When every circuit does, none: the delivery waits
 * for the first to let a call through.
 */
export function chooseProvider(chain: readonly string[], named: string | undefined, circuitWaitMs: (provider: string) => number): { provider: string } | { waitMs: number } {
  const start = named ? Math.max(0, chain.indexOf(named)) : 0;
  const order = [...chain.slice(start), ...chain.slice(0, start)];
  const waits = order.map((provider) => ({ provider, waitMs: circuitWaitMs(provider) }));
  const open = waits.find((w) => w.waitMs <= 0);
  return open ? { provider: open.provider } : { waitMs: Math.min(...waits.map((w) => w.waitMs)) };
}
