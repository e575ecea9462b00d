import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import {
  WrongExpectedRevisionError,
  type EventData,
  type EventStore,
  type RecordedEvent,
} from '../../src/modules/event-store/event-store.port.js';

export type StoreFactory = (t: TestContext) => Promise<EventStore>;

const ev = (type: string, data: unknown = {}): EventData => ({ id: randomUUID(), type, data, metadata: { schemaVersion: 1 } });
const unique = (prefix: string): string => `${prefix}-${randomUUID()}`;

/** The behaviour every event-store adapter must have. Run once per adapter. */
export function eventStoreContract(adapter: string, open: StoreFactory, options: { skip?: string | false } = {}): void {
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
      await new Promise((r) => setTimeout(r, 100));
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
  });
}
