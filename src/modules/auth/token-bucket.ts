/**
 * Per-client request limiter, applied after authentication so nobody can spend another
 * client's allowance with a wrong secret. Hand-written: a dozen lines, in memory, per process.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  /** Returns 0 when the request may go, or the seconds to wait before the next token. */
  take(key: string, ratePerSecond: number, now: number): number {
    if (ratePerSecond <= 0) return 0;
    const burst = ratePerSecond * 2;
    const bucket = this.buckets.get(key) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * ratePerSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerSecond));
  }
}
