import type { StartRate } from './queue.port.js';

/**
 * The shape of a shared start rate: a burst of one second's worth (at least 2), half of it held
 * back for the queue that goes first. A `spare` queue takes a token only while more than that
 * half is left, so the queue that goes first always finds one within a refill, however busy the
 * spare queue keeps the limit; together they never start more than the rate (plus the burst).
 */
export function startRateShape(perSecond: number): { capacity: number; reserve: number } {
  const capacity = Math.max(2, perSecond);
  return { capacity, reserve: Math.floor(capacity / 2) };
}

/** Tokens a queue of this priority must leave in the bucket. */
export const heldBack = (rate: StartRate): number => (rate.priority === 'first' ? 0 : startRateShape(rate.perSecond).reserve);

/**
 * A start rate's token bucket in this process (the embedded queue's; the Redis queue keeps the
 * same bucket in Redis, see `redis-start-rate.ts`). Full at first, refilled continuously.
 */
export class StartBucket {
  private readonly capacity: number;
  private tokens: number;
  private at: number;

  constructor(
    private readonly perSecond: number,
    now: number,
  ) {
    this.capacity = startRateShape(perSecond).capacity;
    this.tokens = this.capacity;
    this.at = now;
  }

  /** How many jobs a queue of this rate may start now. */
  available(rate: StartRate, now: number): number {
    this.tokens = Math.min(this.capacity, this.tokens + (Math.max(0, now - this.at) / 1000) * this.perSecond);
    this.at = now;
    return Math.max(0, Math.floor(this.tokens - heldBack(rate)));
  }

  /** Spends tokens for jobs started (no more than `available` said). */
  take(started: number): void {
    this.tokens -= started;
  }
}
