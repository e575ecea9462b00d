export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  /** Share of failed calls in the window that opens the circuit. */
  failureRate: number;
  /** No verdict on fewer calls than this. */
  minimumCalls: number;
  windowMs: number;
  /** How long the circuit stays open before one probe call is let through. */
  openMs: number;
}

/**
 * One per provider, so a provider that is down stops being called (its jobs wait) while the
 * other channels go on. Hand-written: twenty lines of state, and the worker needs to ask
 * "may I call?" before taking a job's attempt, which wrapper-style libraries do not offer.
 */
export class CircuitBreaker {
  /** The window's calls, oldest first, with running counts: recording a call is O(1), not a scan of the window. */
  private calls: { at: number; ok: boolean }[] = [];
  private oldest = 0;
  private failed = 0;
  private openedAt = 0;
  private probing = false;
  private failuresInARow = 0;
  state: BreakerState = 'closed';

  constructor(
    readonly name: string,
    private readonly options: BreakerOptions,
    private readonly onChange: (state: BreakerState, failureRate: number) => void = () => undefined,
  ) {}

  /** 0 when a call may go now, else how long to wait. */
  waitMs(now: number): number {
    if (this.state === 'closed') return 0;
    if (this.state === 'open') {
      const remaining = this.openedAt + this.options.openMs - now;
      if (remaining > 0) return remaining;
      this.transition('half_open', this.failureRate(now));
    }
    if (this.probing) return Math.max(250, Math.floor(this.options.openMs / 4));
    this.probing = true;
    return 0;
  }

  /** How long until a call may go, without taking the probe: 0 when closed or when a probe is free. */
  blockedMs(now: number): number {
    if (this.state === 'closed') return 0;
    if (this.state === 'open') return Math.max(0, this.openedAt + this.options.openMs - now);
    return this.probing ? Math.max(250, Math.floor(this.options.openMs / 4)) : 0;
  }

  record(ok: boolean, now: number): void {
    if (this.state === 'half_open') {
      this.probing = false;
      if (ok) {
        this.calls = [];
        this.oldest = 0;
        this.failed = 0;
        this.failuresInARow = 0;
        this.transition('closed', 0);
      } else {
        this.openedAt = now;
        this.transition('open', 1);
      }
      return;
    }
    this.calls.push({ at: now, ok });
    if (!ok) this.failed += 1;
    this.expire(now);
    this.failuresInARow = ok ? 0 : this.failuresInARow + 1;
    const rate = this.failureRate(now);
    // A provider that stops answering fails slowly: each call waits out the timeout, so the
    // window's successes from before the outage would outweigh its failures for most of the
    // window. A run of failures with no success between them is an outage whatever the window says.
    const failing = (this.calls.length - this.oldest >= this.options.minimumCalls && rate >= this.options.failureRate) || this.failuresInARow >= this.options.minimumCalls;
    if (this.state === 'closed' && failing) {
      this.openedAt = now;
      this.transition('open', rate);
    }
  }

  failureRate(now: number): number {
    this.expire(now);
    const count = this.calls.length - this.oldest;
    return count === 0 ? 0 : this.failed / count;
  }

  private expire(now: number): void {
    while (this.oldest < this.calls.length && now - this.calls[this.oldest]!.at >= this.options.windowMs) {
      if (!this.calls[this.oldest]!.ok) this.failed -= 1;
      this.oldest += 1;
    }
    // Compact once the expired head outweighs the live calls, so the array stays bounded by the window.
    if (this.oldest > 1024 && this.oldest * 2 > this.calls.length) {
      this.calls = this.calls.slice(this.oldest);
      this.oldest = 0;
    }
  }

  private transition(state: BreakerState, rate: number): void {
    if (state === this.state) return;
    this.state = state;
    this.onChange(state, rate);
  }
}
