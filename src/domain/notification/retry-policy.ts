/**
 * When to try again: exponential backoff with full jitter, never sooner than a provider's
 * Retry-After. `random` comes in (0 <= random < 1) so the rule stays pure and testable.
 */
export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export function nextRetryDelay(policy: RetryPolicy, attempt: number, random: number, retryAfterMs?: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(ceiling / 2 + (ceiling / 2) * random);
  return Math.max(jittered, retryAfterMs ?? 0);
}

export function exhausted(policy: RetryPolicy, attempt: number): boolean {
  return attempt >= policy.maxAttempts;
}
