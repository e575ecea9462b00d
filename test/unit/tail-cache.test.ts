import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RecordedEvent } from '../../src/modules/event-store/event-store.port.js';
import { TailCache } from '../../src/modules/event-store/tail-cache.js';

const event = (position: number): RecordedEvent => ({
  id: `e${position}`,
  streamName: 's',
  type: 'T',
  revision: position - 1,
  position: BigInt(position),
  data: {},
  metadata: {},
  createdAt: new Date(0),
});

/** A log of `length` events whose reads are counted; `held` reads finish only when released. */
function log() {
  const state = { length: 0, reads: 0, clock: 0, held: false, release: [] as (() => void)[] };
  const answer = (after: bigint, maxCount: number) => Array.from({ length: Math.max(0, Math.min(maxCount, state.length - Number(after))) }, (_, i) => event(Number(after) + i + 1));
  const tail = new TailCache(
    (after, maxCount) => {
      state.reads += 1;
      const events = answer(after, maxCount);
      return state.held ? new Promise((resolve) => state.release.push(() => resolve(events))) : events;
    },
    () => state.clock,
  );
  return { tail, state };
}

const positions = (events: RecordedEvent[]) => events.map((e) => Number(e.position));

describe('the tail cache', () => {
  it('answers a read of events another read took from the log without asking again', async () => {
    const { tail, state } = log();
    state.length = 3;
    assert.deepEqual(positions(await tail.read(0n, 10)), [1, 2, 3]);
    assert.deepEqual(positions(await tail.read(1n, 10)), [2, 3]);
    assert.equal(state.reads, 2, 'the second read found the window ending at 3 and asked the log only past it');
  });

  it('keeps the window at the head while a subscription far behind catches up from the log', async () => {
    const { tail, state } = log();
    state.length = 10_000;
    for (let after = 0; after < 10_000; after += 512) await tail.read(BigInt(after), 512); // the head's reads: the window holds the last 8,192
    const reads = state.reads;
    assert.deepEqual(positions(await tail.read(0n, 3)), [1, 2, 3], 'behind the window: from the log');
    assert.equal(state.reads, reads + 1);
    assert.deepEqual(positions(await tail.read(9_000n, 3)), [9_001, 9_002, 9_003]);
    assert.equal(state.reads, reads + 1, 'a subscription at the head still reads the window');
  });

  it('knows the end of the log for a moment: reads there answer nothing without the log', async () => {
    const { tail, state } = log();
    state.length = 2;
    await tail.read(0n, 10);
    assert.deepEqual(await tail.read(2n, 10), []);
    const reads = state.reads;
    assert.deepEqual(await tail.read(2n, 10), []);
    assert.deepEqual(await tail.read(2n, 10), []);
    assert.equal(state.reads, reads, 'the end, just read, was not read again');

    state.length = 3; // another process appended, unannounced: found once the moment has passed
    state.clock += 5;
    assert.deepEqual(positions(await tail.read(2n, 10)), [3]);
  });

  it('forgets the end when told the log grew', async () => {
    const { tail, state } = log();
    assert.deepEqual(await tail.read(0n, 10), []);
    state.length = 1;
    tail.logGrew();
    assert.deepEqual(positions(await tail.read(0n, 10)), [1]);
  });

  it('shares one read of the log between reads of the same events at the same time', async () => {
    const { tail, state } = log();
    state.length = 4;
    state.held = true;
    const a = tail.read(0n, 10);
    const b = tail.read(0n, 2);
    assert.equal(state.reads, 1);
    state.release.shift()!();
    assert.deepEqual(positions(await a), [1, 2, 3, 4]);
    assert.deepEqual(positions(await b), [1, 2]);
  });

  it('never lets a read begun after the log grew join one begun before', async () => {
    const { tail, state } = log();
    state.held = true;
    const before = tail.read(0n, 10); // sees the empty log
    tail.logGrew();
    const joined = tail.read(0n, 10);
    assert.equal(state.reads, 2, 'the later read asked the log itself');
    state.release.shift()!();
    state.release.shift()!();
    assert.deepEqual(await before, []);
    assert.deepEqual(await joined, []);
  });

  it('does not take an empty answer from a read begun before the log grew as the end', async () => {
    const { tail, state } = log();
    state.held = true;
    const early = tail.read(0n, 10);
    state.length = 1;
    tail.logGrew();
    state.release.shift()!();
    assert.deepEqual(await early, [], 'it read the log before the append');
    state.held = false;
    assert.deepEqual(positions(await tail.read(0n, 10)), [1], 'the next read asked the log');
  });
});
