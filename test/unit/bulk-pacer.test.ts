import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BulkPacer, type LoopDelayProbe } from '../../src/modules/pacing/bulk-pacer.js';

/** A probe the test reports delays through, and that says whether the pacer is listening. */
class ManualProbe implements LoopDelayProbe {
  private listener: ((delayMs: number) => void) | null = null;
  get started(): boolean {
    return this.listener !== null;
  }
  start(onSample: (delayMs: number) => void): void {
    this.listener = onSample;
  }
  stop(): void {
    this.listener = null;
  }
  report(delayMs: number): void {
    this.listener?.(delayMs);
  }
}

/** Tasks the test finishes one by one, recording how many ran at once. */
function gate() {
  const open: (() => void)[] = [];
  let running = 0;
  let peak = 0;
  return {
    task: () =>
      new Promise<void>((resolve) => {
        running += 1;
        peak = Math.max(peak, running);
        open.push(() => ((running -= 1), resolve()));
      }),
    finishOne: async () => {
      open.shift()?.();
      await new Promise((r) => setImmediate(r));
    },
    get running() {
      return running;
    },
    get peak() {
      return peak;
    },
  };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('bulk pacer', () => {
  it('starts at one task and admits one more for each prompt sample while the limit binds', async () => {
    const probe = new ManualProbe();
    const pacer = new BulkPacer({ maxLoopDelayMs: 10, maxConcurrency: 4 }, probe);
    const g = gate();
    const all = Promise.all(Array.from({ length: 6 }, () => pacer.run(g.task)));
    await settle();
    assert.equal(g.running, 1);
    probe.report(2);
    await settle();
    assert.equal(g.running, 2);
    for (let i = 0; i < 5; i++) probe.report(0);
    await settle();
    assert.equal(g.running, 4, 'never past maxConcurrency');
    for (let i = 0; i < 6; i++) await g.finishOne();
    await all;
    assert.equal(g.peak, 4);
  });

  it('halves the limit on a late sample, never below one, and bulk work still finishes', async () => {
    const probe = new ManualProbe();
    const limits: number[] = [];
    const pacer = new BulkPacer({ maxLoopDelayMs: 10, maxConcurrency: 16 }, probe, (limit) => limits.push(limit));
    const g = gate();
    const all = Promise.all(Array.from({ length: 20 }, () => pacer.run(g.task)));
    await settle();
    for (let i = 0; i < 7; i++) probe.report(1);
    await settle();
    assert.equal(g.running, 8);
    probe.report(50);
    assert.equal(pacer.limit, 4);
    for (let i = 0; i < 5; i++) probe.report(50);
    assert.equal(pacer.limit, 1);
    assert.deepEqual(limits.slice(-3), [1, 1, 1]);
    // Tasks already running finish; only one starts in their place while the loop stays late.
    while (g.running > 1) await g.finishOne();
    await g.finishOne();
    assert.equal(g.running, 1);
    while (g.running > 0) await g.finishOne();
    await all;
    assert.equal(pacer.pending, 0);
  });

  it('watches the loop only while bulk work is pending', async () => {
    const probe = new ManualProbe();
    const pacer = new BulkPacer({ maxLoopDelayMs: 10, maxConcurrency: 4 }, probe);
    assert.equal(probe.started, false);
    const g = gate();
    const run = pacer.run(g.task);
    await settle();
    assert.equal(probe.started, true);
    await g.finishOne();
    await run;
    assert.equal(probe.started, false);
  });

  it('a failed task frees its slot and its error reaches the caller', async () => {
    const pacer = new BulkPacer({ maxLoopDelayMs: 10, maxConcurrency: 1 }, new ManualProbe());
    await assert.rejects(pacer.run(() => Promise.reject(new Error('provider down'))), /provider down/);
    assert.equal(await pacer.run(async () => 'next'), 'next');
    assert.equal(pacer.pending, 0);
  });

  it('with no delay target, only maxConcurrency limits and the loop is not watched', async () => {
    const probe = new ManualProbe();
    const pacer = new BulkPacer({ maxLoopDelayMs: 0, maxConcurrency: 3 }, probe);
    const g = gate();
    const all = Promise.all(Array.from({ length: 5 }, () => pacer.run(g.task)));
    await settle();
    assert.equal(g.running, 3);
    assert.equal(probe.started, false);
    for (let i = 0; i < 5; i++) await g.finishOne();
    await all;
  });
});
