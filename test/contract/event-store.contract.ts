import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import {
  WrongExpectedRevisionError,
  type EventData,
  type EventStore,
  type RecordedEvent,
} from '../../src/modules/event-store/event-store.port.js';
import { eventually } from '../support/temp.js';

export type StoreFactory = (t: TestContext) => Promise<EventStore>;
/** Two handles (two connections, or two processes' worth of state) on one and the same log. */
export type SharedStoreFactory = (t: TestContext) => Promise<[EventStore, EventStore]>;

const ev = (type: string, data: unknown = {}): EventData => ({ id: randomUUID(), type, data, metadata: { schemaVersion: 1 } });
const unique = (prefix: string): string => `${prefix}-${randomUUID()}`;

/** The behaviour every event-store adapter must have. Run once per adapter. */
export function eventStoreContract(adapter: string, open: StoreFactory, options: { skip?: string | false; openShared?: SharedStoreFactory } = {}): void {
  describe(`event store contract: ${adapter}`, { skip: options.skip ?? false }, () => {
    it('appends to a new stream with no_stream and reads it forwards', async (t) => {
      const store = await open(t);
      const stream = unique('contract');
      const result = await store.append(stream, [ev('A', { n: 1 }), ev('B', { n: 2 })], 'no_stream');
      assert.equal(result.nextRevision, 1);
      const events = await store.readStream(stream);
      assert.deepEqual(events.map((e) => [e.type, e.revision, e.data]), [['A', 0, { n: 1 }], ['B', 1, { n: 2 }]]);
      assert.ok(events[0]!.position < events[1]!.position, 'positions increase');
      assert.equal(events[1]!.position, result.position);
      assert.equal(events[0]!.metadata.schemaVersion, 1);
    });

    it('rejects no_stream on an existing stream and a stale exact revision', async (t) => {
      const store = await open(t);
      const stream = unique('contract');
      await store.append(stream, [ev('A')], 'no_stream');
      await assert.rejects(store.append(stream, [ev('B')], 'no_stream'), WrongExpectedRevisionError);
      await store.append(stream, [ev('B')], 0);
      await assert.rejects(store.append(stream, [ev('C')], 0), (e: unknown) => {
        assert.ok(e instanceof WrongExpectedRevisionError);
        assert.equal(e.actual, 1);
        return true;
      });
      await assert.rejects(store.append(unique('missing'), [ev('X')], 'stream_exists'), WrongExpectedRevisionError);
      await store.append(stream, [ev('D')], 'any');
      await store.append(stream, [ev('E')], 'stream_exists');
      assert.deepEqual((await store.readStream(stream)).map((e) => e.type), ['A', 'B', 'D', 'E']);
    });

    it('treats a re-append of the same event ids as done, without duplicating them', async (t) => {
      const store = await open(t);
      const stream = unique('contract');
      const events = [ev('A'), ev('B')];
      const first = await store.append(stream, events, 'no_stream');
      const again = await store.append(stream, events, 'no_stream');
      assert.equal(again.nextRevision, first.nextRevision);
      assert.equal((await store.readStream(stream)).length, 2);
    });

    it('reads a stream backwards, from a revision, with a max count', async (t) => {
      const store = await open(t);
      const stream = unique('contract');
      await store.append(stream, [1, 2, 3, 4, 5].map((n) => ev('N', { n })), 'no_stream');
      const back = await store.readStream(stream, { direction: 'backwards', maxCount: 2 });
      assert.deepEqual(back.map((e) => e.revision), [4, 3]);
      const mid = await store.readStream(stream, { fromRevision: 2, maxCount: 2 });
      assert.deepEqual(mid.map((e) => e.revision), [2, 3]);
      assert.deepEqual(await store.readStream(unique('none')), []);
    });

    it('reads all events from a position, in order', async (t) => {
      const store = await open(t);
      const head = await store.headPosition();
      const a = unique('contract');
      const b = unique('contract');
      await store.append(a, [ev('A1')], 'no_stream');
      await store.append(b, [ev('B1')], 'no_stream');
      await store.append(a, [ev('A2')], 0);
      const all = (await store.readAll({ after: head, maxCount: 100 })).filter((e) => e.streamName === a || e.streamName === b);
      assert.deepEqual(all.map((e) => e.type), ['A1', 'B1', 'A2']);
      const rest = await store.readAll({ after: all[0]!.position, maxCount: 100 });
      assert.ok(!rest.some((e) => e.id === all[0]!.id), 'after is exclusive');
      assert.ok(rest.some((e) => e.id === all[2]!.id));
      assert.ok((await store.headPosition()) >= all[2]!.position);
    });

    it('catches up from a position, then goes live', async (t) => {
      const store = await open(t);
      const stream = unique('contract');
      await store.append(stream, [ev('Old')], 'no_stream');
      const [old] = await store.readStream(stream);
      await store.append(stream, [ev('History')], 0);
      const sub = store.subscribeToAll({ after: old!.position, filter: { streamPrefixes: [stream] } });
      const seen: RecordedEvent[] = [];
      const done = (async () => {
        for await (const e of sub) {
          seen.push(e);
          if (seen.length === 3) break;
        }
      })();
      await eventually(() => (seen.length === 1 ? true : undefined), 5000, 'the subscription to catch up on the history');
      await store.append(stream, [ev('Live1'), ev('Live2')], 1);
      await Promise.race([done, new Promise((_, rej) => setTimeout(() => rej(new Error('subscription stalled')), 5000))]);
      await sub.close();
      assert.deepEqual(seen.map((e) => e.type), ['History', 'Live1', 'Live2']);
    });

    it('serialises concurrent appends with an exact revision: one wins, the other conflicts', async (t) => {
      const store = await open(t);
      const stream = unique('contract');
      await store.append(stream, [ev('A')], 'no_stream');
      const results = await Promise.allSettled([store.append(stream, [ev('B')], 0), store.append(stream, [ev('C')], 0)]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      assert.ok(rejected.reason instanceof WrongExpectedRevisionError);
      assert.equal((await store.readStream(stream)).length, 2);
    });

    it('filters a subscription by event type', async (t) => {
      const store = await open(t);
      const head = await store.headPosition();
      const stream = unique('contract');
      const type = `Wanted${randomUUID().replaceAll('-', '')}`;
      await store.append(stream, [ev('Other'), ev(type), ev('Other'), ev(type)], 'no_stream');
      const sub = store.subscribeToAll({ after: head, filter: { eventTypes: [type] } });
      const seen: string[] = [];
      for await (const e of sub) {
        seen.push(e.type);
        if (seen.length === 2) break;
      }
      await sub.close();
      assert.deepEqual(seen, [type, type]);
    });

    it('reports how far a filtered subscription has scanned, past the events its filter skips', async (t) => {
      const store = await open(t);
      const head = await store.headPosition();
      const wanted = `Wanted${randomUUID().replaceAll('-', '')}`;
      const sub = store.subscribeToAll({ after: head, filter: { eventTypes: [wanted] } });
      assert.equal(sub.scannedPosition(), head, 'known before the first read: where the subscription starts');
      const seen: RecordedEvent[] = [];
      const reading = (async () => {
        for await (const e of sub) seen.push(e);
      })();
      // One wanted event, then more that the filter skips than EventStoreDB reads between checkpoints (32).
      await store.append(unique('contract'), [ev(wanted), ...Array.from({ length: 100 }, () => ev('Noise'))], 'no_stream');
      const [delivered] = await eventually(() => (seen.length > 0 ? seen : undefined), 10_000, 'the wanted event');
      const scanned = await eventually(() => (sub.scannedPosition() > delivered!.position ? sub.scannedPosition() : undefined), 10_000, 'the scan passing the skipped events');
      assert.ok(scanned <= (await store.headPosition()), 'never past the end of the log');
      await sub.close();
      await reading;
      assert.deepEqual(seen.map((e) => e.type), [wanted]);
    });

    it('forward reads of the log are the log, from any position and page size, while another handle appends', { skip: !options.openShared && 'no shared factory' }, async (t) => {
      const [a, b] = await options.openShared!(t);
      const head = await a.headPosition();
      const prefix = unique('contract');
      let n = 0;
      const write = (store: EventStore, count: number) =>
        Promise.all(Array.from({ length: count }, () => {
          const k = n++;
          return store.append(`${prefix}-${k}`, [ev('T', { k })], 'no_stream');
        }));
      await write(a, 40);
      // A subscriber reads to the end: a store that keeps a parsed tail now holds these events.
      await a.readAll({ after: head, maxCount: 1000 });
      // The other handle appends: the first knows nothing of these until it reads them.
      await write(b, 25);
      await write(a, 10);
      // The log as it is, oldest first, read backwards (a read no tail serves). Events past its
      // end may come from other writers meanwhile; up to its end, every read must agree with it.
      const log = (await b.readAll({ direction: 'backwards', maxCount: 10_000 })).reverse().filter((e) => e.position > head);
      assert.equal(log.filter((e) => e.streamName.startsWith(prefix)).length, 75);
      const end = log.at(-1)!.position;
      const at = (i: number) => (i < 0 ? head : log[i]!.position);
      for (const [from, limit] of [[-1, 10], [12, 50], [38, 3], [39, 100], [-1, 1000], [63, 5], [74, 10], [5, 1]] as const) {
        const read = (await a.readAll({ after: at(from), maxCount: limit })).filter((e) => e.position <= end);
        const expected = log.filter((e) => e.position > at(from)).slice(0, limit);
        assert.deepEqual(read.map((e) => [e.position, e.id, e.data]), expected.map((e) => [e.position, e.id, e.data]), `after ${from < 0 ? 'the start' : `event ${from}`}, ${limit} at most`);
      }
    });

    it('two handles on one log: concurrent appends conflict per stream, positions stay unique and increasing', { skip: !options.openShared && 'no shared factory' }, async (t) => {
      const [a, b] = await options.openShared!(t);
      const shared = unique('contract');
      const own = [unique('contract'), unique('contract')];
      await a.append(shared, [ev('Start')], 'no_stream');
      const perHandle = 60;
      // Each handle appends to its own stream and races the other on the shared one, retrying on conflict.
      const run = async (store: EventStore, stream: string) => {
        for (let n = 0; n < perHandle; n++) {
          await store.append(stream, [ev('Own', { n })], n === 0 ? 'no_stream' : n - 1);
          for (;;) {
            const [last] = await store.readStream(shared, { direction: 'backwards', maxCount: 1 });
            try {
              await store.append(shared, [ev('Shared', { n })], last!.revision);
              break;
            } catch (error) {
              if (!(error instanceof WrongExpectedRevisionError)) throw error;
            }
          }
        }
      };
      await Promise.all([run(a, own[0]!), run(b, own[1]!)]);
      const sharedEvents = await b.readStream(shared);
      assert.equal(sharedEvents.length, 1 + 2 * perHandle, 'every optimistic append landed exactly once');
      assert.deepEqual(sharedEvents.map((e) => e.revision), [...Array(1 + 2 * perHandle).keys()]);
      for (let i = 1; i < sharedEvents.length; i++) assert.ok(sharedEvents[i - 1]!.position < sharedEvents[i]!.position);
      for (const stream of own) assert.equal((await a.readStream(stream)).length, perHandle);
    });

    it('a subscription sees every event exactly once, in position order, while two handles append concurrently', { skip: !options.openShared && 'no shared factory' }, async (t) => {
      const [a, b] = await options.openShared!(t);
      const head = await a.headPosition();
      const prefix = unique('contract');
      const perHandle = 150;
      const sub = a.subscribeToAll({ after: head, filter: { streamPrefixes: [prefix] } });
      const seen: RecordedEvent[] = [];
      const done = (async () => {
        for await (const e of sub) {
          seen.push(e);
          if (seen.length === 2 * perHandle) break;
        }
      })();
      // Many small concurrent appends from both handles: commits interleave as tightly as they can.
      const write = (store: EventStore, who: string) =>
        Promise.all(Array.from({ length: perHandle }, (_, n) => store.append(`${prefix}-${who}-${n}`, [ev('Burst', { who, n })], 'no_stream')));
      await Promise.all([write(a, 'a'), write(b, 'b')]);
      await Promise.race([done, new Promise((_, rej) => setTimeout(() => rej(new Error(`subscription stalled at ${seen.length}`)), 15_000))]);
      await sub.close();
      assert.equal(new Set(seen.map((e) => e.id)).size, 2 * perHandle, 'no event seen twice, none missed');
      for (let i = 1; i < seen.length; i++) assert.ok(seen[i - 1]!.position < seen[i]!.position, 'in position order');
      const logged = (await a.readAll({ after: head, maxCount: 10_000 })).filter((e) => e.streamName.startsWith(prefix));
      assert.deepEqual(seen.map((e) => e.id), logged.map((e) => e.id), 'the subscription saw the log as it is');
    });
  });
}
