import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SharedRead } from '../../src/modules/event-store/shared-read.js';

/** A read that answers what the "log" held when it began, and finishes only when told. */
function reads() {
  let log = 0;
  const started: { saw: number; finish: () => void }[] = [];
  const read = new SharedRead(
    () =>
      new Promise<number>((resolve) => {
        const saw = log;
        started.push({ saw, finish: () => resolve(saw) });
      }),
  );
  return { read, started, write: () => (log += 1) };
}

describe('a shared read', () => {
  it('any() joins the read in flight', async () => {
    const { read, started } = reads();
    const a = read.any();
    const b = read.any();
    assert.equal(started.length, 1);
    started[0]!.finish();
    assert.deepEqual(await Promise.all([a, b]), [0, 0]);
    assert.equal(read.idle, true);
  });

  it('fresh() asked during a read waits for one begun after it, which every such caller shares', async () => {
    const { read, started, write } = reads();
    const first = read.fresh();
    write(); // acknowledged to the next callers, after the first read began
    const second = read.fresh();
    const third = read.fresh();
    assert.equal(started.length, 1, 'no second read while the first runs');
    started[0]!.finish();
    assert.equal(await first, 0);
    await new Promise((r) => setImmediate(r));
    assert.equal(started.length, 2);
    assert.equal(read.idle, false);
    started[1]!.finish();
    assert.deepEqual(await Promise.all([second, third]), [1, 1], 'they see the write');
    assert.equal(read.idle, true);
  });

  it('a failed read is reported to its callers, and the next fresh() reads again', async () => {
    let fail = true;
    const read = new SharedRead(async () => {
      if (fail) throw new Error('down');
      return 'up';
    });
    await assert.rejects(read.fresh(), /down/);
    fail = false;
    assert.equal(await read.fresh(), 'up');
  });
});
