import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { Decider } from '../../src/domain/shared/decider.js';
import { ActorSystem, type ActorSystemOptions } from '../../src/modules/actors/actor-system.js';
import {
  EventStoreUnavailableError,
  type AppendResult,
  type EventData,
  type EventStore,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
} from '../../src/modules/event-store/event-store.port.js';
import { SqliteEventStore } from '../../src/modules/event-store/sqlite-event-store.js';
import { eventually, tempDir } from '../support/temp.js';

// A counter: each Add records the new total, decided from the state the actor holds.
type Add = { type: 'Add'; by: number };
type Added = { type: 'Added'; data: { by: number; total: number } };
interface Total {
  total: number;
}

/**
 * The real SQLite event store, watched: the stream reads the actors make, the appends in flight
 * per stream (and the most at once), and a hook run before each append, where another writer
 * gets in first or the write fails.
 */
class WatchedStore implements EventStore {
  readonly reads: { stream: string; fromRevision: number | undefined }[] = [];
  private readonly inFlight = new Map<string, number>();
  readonly mostAtOnce = new Map<string, number>();
  beforeAppend: ((stream: string) => Promise<void> | void) | null = null;

  constructor(readonly inner: EventStore) {}

  appendsInFlight(stream: string): number {
    return this.inFlight.get(stream) ?? 0;
  }

  async append(stream: string, events: EventData[], expected: ExpectedRevision): Promise<AppendResult> {
    this.inFlight.set(stream, this.appendsInFlight(stream) + 1);
    this.mostAtOnce.set(stream, Math.max(this.mostAtOnce.get(stream) ?? 0, this.appendsInFlight(stream)));
    try {
      await this.beforeAppend?.(stream);
      return await this.inner.append(stream, events, expected);
    } finally {
      this.inFlight.set(stream, this.appendsInFlight(stream) - 1);
    }
  }

  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    this.reads.push({ stream, fromRevision: options?.fromRevision });
    return this.inner.readStream(stream, options);
  }

  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.inner.readAll(options);
  }

  subscribeToAll(options?: SubscribeOptions): Subscription {
    return this.inner.subscribeToAll(options);
  }

  headPosition(): Promise<bigint> {
    return this.inner.headPosition();
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

const stream = (id: string) => `counter-${id}`;

function setup(t: TestContext, options: Partial<ActorSystemOptions> = {}, knownEventTypes?: string[]) {
  const log = new SqliteEventStore(join(tempDir(t), 'events.db'));
  t.after(() => log.close());
  const store = new WatchedStore(log);
  /** Every decision the counter made: the command's amount and the total it was decided on. */
  const decisions: { by: number; on: number }[] = [];
  const decider: Decider<Add, Total, Added> = {
    initialState: () => ({ total: 0 }),
    decide: (command, state) => {
      decisions.push({ by: command.by, on: state.total });
      return command.by === 0 ? [] : [{ type: 'Added', data: { by: command.by, total: state.total + command.by } }];
    },
    evolve: (_state, event) => ({ total: event.data.total }),
  };
  const actors = new ActorSystem(store, decider, stream, { maxActors: 100, idleMs: 60_000, ...options }, knownEventTypes);
  t.after(() => actors.close());
  const add = (id: string, by: number) => actors.execute(id, { type: 'Add', by });
  /** What another process writes to a stream behind this one's actors. */
  const writeBehind = async (id: string, event: { type: string; data: unknown }) => {
    const [last] = await log.readStream(stream(id), { direction: 'backwards', maxCount: 1 });
    await log.append(stream(id), [{ id: randomUUID(), ...event }], last ? last.revision : 'no_stream');
  };
  const totals = async (id: string) => (await log.readStream(stream(id))).map((e) => (e.data as Added['data']).total);
  return { log, store, actors, decisions, add, writeBehind, totals };
}

/** A gate that holds appends until opened. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('actor system: one actor per key, over a real event store', () => {
  it('runs the commands for one key one at a time, in arrival order, each decided on the state the one before left', async (t) => {
    const { store, decisions, add, totals, log, actors } = setup(t);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => add('a', i + 1)));
    const sums = Array.from({ length: 20 }, (_, i) => ((i + 1) * (i + 2)) / 2);
    // Twenty commands, twenty decisions: none was decided on a stale state and tried again.
    assert.deepEqual(decisions, sums.map((sum, i) => ({ by: i + 1, on: sum - (i + 1) })));
    assert.equal(store.mostAtOnce.get(stream('a')), 1, 'one append at a time on the stream');
    assert.deepEqual(results.map((r) => [r.revision, r.state.total]), sums.map((sum, i) => [i, sum]));
    assert.deepEqual(await totals('a'), sums);
    await actors.execute('a', { type: 'Add', by: 1 }, { correlationId: 'c-1' });
    assert.deepEqual((await log.readStream(stream('a'))).at(-1)!.metadata, { schemaVersion: 1, correlationId: 'c-1' });
  });

  it('runs commands for different keys in parallel, while a key’s next command waits for its current one', async (t) => {
    const { store, decisions, add } = setup(t);
    const held = gate();
    store.beforeAppend = () => held.opened;
    const first = add('a', 1);
    const second = add('a', 2);
    const other = add('b', 10);
    await eventually(() => (store.appendsInFlight(stream('a')) === 1 && store.appendsInFlight(stream('b')) === 1 ? true : undefined), 5000, "a's and b's appends under way at once");
    assert.deepEqual(decisions.map((d) => d.by).sort((x, y) => x - y), [1, 10], "a's second command is not decided while its first is being written");
    held.open();
    assert.deepEqual((await Promise.all([first, second, other])).map((r) => r.state.total), [1, 3, 10]);
  });

  it('a command that decides nothing writes nothing', async (t) => {
    const { add, log } = setup(t);
    assert.deepEqual(await add('a', 0), { events: [], state: { total: 0 }, revision: -1 });
    assert.deepEqual(await log.readStream(stream('a')), []);
  });

  it('caches state and revision: after the first load neither commands nor reads read the stream; a fresh read catches up from where the cache ends', async (t) => {
    const { store, actors, add, writeBehind } = setup(t);
    await add('a', 1);
    assert.deepEqual(store.reads, [{ stream: stream('a'), fromRevision: 0 }], 'loaded once, from the start');
    await add('a', 2);
    await add('a', 3);
    assert.deepEqual(await actors.read('a'), { state: { total: 6 }, revision: 2 });
    assert.equal(store.reads.length, 1, 'served from the cache');

    await writeBehind('a', { type: 'Added', data: { by: 10, total: 16 } });
    assert.deepEqual(await actors.read('a'), { state: { total: 6 }, revision: 2 }, 'a cached read does not see another writer');
    assert.deepEqual(await actors.read('a', { fresh: true }), { state: { total: 16 }, revision: 3 });
    assert.deepEqual(store.reads.at(-1), { stream: stream('a'), fromRevision: 3 }, 'only what it had not seen');
  });

  it('on a conflict it catches up from where its cache ends and decides again; the losing decision is not written', async (t) => {
    const { store, decisions, add, writeBehind, totals } = setup(t);
    await add('a', 1);
    await writeBehind('a', { type: 'Added', data: { by: 5, total: 6 } });
    const result = await add('a', 2);
    assert.deepEqual(decisions.slice(1), [{ by: 2, on: 1 }, { by: 2, on: 6 }], 'decided on the cache, then again on the caught-up state');
    assert.deepEqual(store.reads.at(-1), { stream: stream('a'), fromRevision: 1 });
    assert.deepEqual([result.state.total, result.revision], [8, 2]);
    assert.deepEqual(await totals('a'), [1, 6, 8]);
  });

  it('after too many conflicts in a row it gives up as unavailable, having written nothing, and reads the stream again next time', async (t) => {
    const { store, add, writeBehind, totals } = setup(t, { maxConflictRetries: 2, maxConflictBackoffMs: 1 });
    await add('a', 1);
    let competing = 0;
    store.beforeAppend = async () => {
      competing += 1;
      await writeBehind('a', { type: 'Added', data: { by: 100, total: 100 * competing + 1 } });
    };
    await assert.rejects(add('a', 2), (error) => error instanceof EventStoreUnavailableError && /counter-a is contended: 2 conflicts in a row; nothing was written/.test(error.message));
    assert.equal(competing, 3, 'tried, then decided again twice');
    assert.deepEqual(await totals('a'), [1, 101, 201, 301], 'only the other writer’s events');
    store.beforeAppend = null;
    const reads = store.reads.length;
    assert.equal((await add('a', 2)).state.total, 303);
    assert.deepEqual(store.reads.slice(reads), [{ stream: stream('a'), fromRevision: 0 }], 'loaded again from the start');
  });

  it('when an append fails otherwise it reads the stream again before the next command: the write may have landed', async (t) => {
    const { store, decisions, add, totals } = setup(t);
    await add('a', 1);
    // The write lands, but its acknowledgement is lost (a connection cut after the commit).
    store.beforeAppend = () => {
      store.beforeAppend = null;
      return store.inner.append(stream('a'), [{ id: randomUUID(), type: 'Added', data: { by: 10, total: 11 } }], 0).then(() => {
        throw new EventStoreUnavailableError('connection lost');
      });
    };
    await assert.rejects(add('a', 10), EventStoreUnavailableError);
    const result = await add('a', 100);
    assert.deepEqual(decisions.at(-1), { by: 100, on: 11 }, 'decided once, on what the log holds');
    assert.deepEqual([result.state.total, result.revision], [111, 2]);
    assert.deepEqual(await totals('a'), [1, 11, 111]);
  });

  it('skips event types it was not told about, but counts them in the revision', async (t) => {
    const { actors, add, writeBehind } = setup(t, {}, ['Added']);
    await add('a', 1);
    await writeBehind('a', { type: 'Noted', data: { note: 'written by a newer version' } });
    assert.deepEqual(await actors.read('a', { fresh: true }), { state: { total: 1 }, revision: 1 });
    assert.deepEqual(await add('a', 2), { events: [{ type: 'Added', data: { by: 2, total: 3 } }], state: { total: 3 }, revision: 2 });
  });

  it('evicts actors idle for idleMs, never one with work in its mailbox; an evicted key is loaded again, state intact', async (t) => {
    const { store, actors, add } = setup(t, { idleMs: 60_000 });
    await add('a', 1);
    await add('b', 1);
    actors.evictIdle(Date.now());
    assert.equal(actors.size, 2, 'not idle yet');
    const held = gate();
    store.beforeAppend = (s) => (s === stream('b') ? held.opened : undefined);
    const busy = add('b', 2);
    await eventually(() => (store.appendsInFlight(stream('b')) === 1 ? true : undefined), 5000, "b's append under way");
    actors.evictIdle(Date.now() + 60_000);
    assert.equal(actors.size, 1, 'a evicted, b kept while busy');
    held.open();
    assert.equal((await busy).state.total, 3);
    const reads = store.reads.length;
    assert.equal((await add('a', 5)).state.total, 6);
    assert.deepEqual(store.reads.slice(reads), [{ stream: stream('a'), fromRevision: 0 }], 'a was loaded again');
  });

  it('evicts idle actors on its own', async (t) => {
    // The sweep runs every idleMs, but not more often than once a second.
    const { actors, add } = setup(t, { idleMs: 1 });
    await add('a', 1);
    await eventually(() => (actors.size === 0 ? true : undefined), 5000, 'the idle actor to be swept');
  });

  it('keeps at most maxActors, evicting the least recently used first', async (t) => {
    const { store, actors, add } = setup(t, { maxActors: 10 });
    for (let i = 0; i < 10; i++) await add(`k${i}`, 1);
    await add('k0', 1); // k0 is now the most recently used, k1 the least
    await add('k10', 1);
    assert.equal(actors.size, 10);
    const reads = store.reads.length;
    await add('k0', 1);
    await add('k2', 1);
    assert.equal(store.reads.length, reads, 'k0 and k2 still cached');
    await add('k1', 1);
    assert.deepEqual(store.reads.slice(reads), [{ stream: stream('k1'), fromRevision: 0 }], 'k1 was evicted');
  });

  it('a scan keeps the actors it loads in a small segment of its own: the main cache keeps the keys in everyday use', async (t) => {
    const { store, actors, add } = setup(t, { maxActors: 10, maxScanActors: 5 });
    const scan = (id: string, by: number) => actors.execute(id, { type: 'Add', by }, {}, { scan: true });
    for (let i = 0; i < 10; i++) await add(`hot${i}`, 1);
    for (let i = 0; i < 100; i++) await scan(`member${i}`, 1);
    assert.equal(actors.size, 15, 'ten everyday actors, five scanned');
    let reads = store.reads.length;
    for (let i = 0; i < 10; i++) await add(`hot${i}`, 1);
    await scan('hot0', 1);
    assert.equal(store.reads.length, reads, 'the everyday actors are still cached, and a scan uses them');
    assert.equal((await actors.read('member99', { fresh: true, scan: true })).state.total, 1);
    assert.deepEqual(store.reads.slice(reads), [{ stream: stream('member99'), fromRevision: 1 }], 'a recent scanned actor is cached: the fresh read only catches up');
    reads = store.reads.length;
    assert.equal((await actors.read('member0', { scan: true })).state.total, 1);
    assert.deepEqual(store.reads.slice(reads), [{ stream: stream('member0'), fromRevision: 0 }], 'an early one was evicted: loaded again, state intact');

    // An everyday call to a scanned actor moves it to the main cache, where further scans leave it.
    await add('member99', 1);
    for (let i = 100; i < 110; i++) await scan(`member${i}`, 1);
    reads = store.reads.length;
    assert.equal((await add('member99', 1)).state.total, 3);
    assert.equal(store.reads.length, reads, 'member99 stayed cached');
    assert.equal(actors.size, 15);
  });
});
