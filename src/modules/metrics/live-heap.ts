import { PerformanceObserver, constants } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

/**
 * JavaScript heap in use just after the last full (mark-compact) collection: the live heap.
 * Resident memory and the heap's sampled size rise and fall with V8's collection schedule, which
 * lets garbage build up to a limit it raises as the process runs; only this figure tells a leak
 * (it climbs run after run) from a collector that has not yet come round.
 */
export class LiveHeapWatch {
  private bytes: number | undefined;
  private readonly observer = new PerformanceObserver((list) => {
    if (list.getEntries().some((e) => (e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)) {
      this.bytes = getHeapStatistics().used_heap_size;
    }
  });

  constructor() {
    this.observer.observe({ entryTypes: ['gc'] });
  }

  /** Undefined until the first full collection. */
  liveBytes(): number | undefined {
    return this.bytes;
  }

  stop(): void {
    this.observer.disconnect();
  }
}
