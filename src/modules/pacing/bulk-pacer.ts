/** Reports how late the event loop runs, sample by sample, while started. */
export interface LoopDelayProbe {
  start(onSample: (delayMs: number) => void): void;
  stop(): void;
}

/** A 10 ms timer measured against the clock: how late it fires is how long everything else held the loop. */
export class TimerDriftProbe implements LoopDelayProbe {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly intervalMs = 10) {}

  start(onSample: (delayMs: number) => void): void {
    let last = performance.now();
    this.timer ??= setInterval(() => {
      const now = performance.now();
      onSample(Math.max(0, now - last - this.intervalMs));
      last = now;
    }, this.intervalMs).unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

/**
 * Runs bulk work (a broadcast's members, their deliveries) only as many tasks at once as keep the
 * event loop's delay under a target, so a one-to-one notification sharing the process waits on
 * no long queue of bulk callbacks. The limit moves as TCP's congestion window does: halved on a
 * late sample, one more on a prompt one while it is in use. It never drops below one, so bulk
 * work always progresses, however busy the process is. With no target, only `maxConcurrency`
 * limits it.
 */
export class BulkPacer {
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private probing = false;
  limit: number;

  constructor(
    private readonly options: { maxLoopDelayMs: number; maxConcurrency: number },
    private readonly probe: LoopDelayProbe = new TimerDriftProbe(),
    private readonly onLimit: (limit: number) => void = () => undefined,
  ) {
    this.limit = options.maxLoopDelayMs > 0 ? 1 : options.maxConcurrency;
  }

  /** How many bulk tasks run or wait now. */
  get pending(): number {
    return this.inFlight + this.waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.inFlight >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.inFlight += 1;
    this.startProbing();
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  /** Adjusts the limit to one measured loop delay. */
  observe(delayMs: number): void {
    const { maxLoopDelayMs, maxConcurrency } = this.options;
    if (delayMs > maxLoopDelayMs) this.limit = Math.max(1, Math.floor(this.limit / 2));
    else if (this.inFlight >= this.limit) this.limit = Math.min(maxConcurrency, this.limit + 1);
    this.onLimit(this.limit);
    this.admit();
  }

  stop(): void {
    this.probe.stop();
    this.probing = false;
  }

  private release(): void {
    this.inFlight -= 1;
    this.admit();
    if (this.pending === 0) this.stop();
  }

  /** The slot of a finished task goes to a waiting one, in arrival order. */
  private admit(): void {
    while (this.inFlight < this.limit && this.waiting.length > 0) {
      this.inFlight += 1;
      this.waiting.shift()!();
    }
  }

  private startProbing(): void {
    if (this.probing || this.options.maxLoopDelayMs <= 0) return;
    this.probing = true;
    this.probe.start((delayMs) => this.observe(delayMs));
  }
}
