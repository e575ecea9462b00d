import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { EventStoreDBClient, eventTypeFilter, jsonEvent } from '@eventstore/db-client';
import { EventStoreUnavailableError, type EventData, type RecordedEvent, type Subscription } from '../../src/modules/event-store/event-store.port.js';
import { EventStoreDbEventStore } from '../../src/modules/event-store/eventstoredb-event-store.js';
import { startEventStoreDbFake, type EventStoreDbFakeOptions } from '../fakes/eventstoredb-fake.js';
import { sleep } from '../fakes/fake-server.js';
import { testTls } from '../fakes/tls.js';
import { eventually } from '../support/temp.js';
import { eventStoreContract } from './event-store.contract.js';

const url = process.env.EVENTSTORE_URL;
if (!url) console.log('# SKIPPED: EventStoreDB contract suite against a real server (set EVENTSTORE_URL to run it)');

eventStoreContract(
  'eventstoredb',
  async (t) => {
    const store = new EventStoreDbEventStore(url!);
    t.after(() => store.close());
    return store;
  },
  {
    openShared: async (t) => {
      const stores = [new EventStoreDbEventStore(url!), new EventStoreDbEventStore(url!)] as const;
      t.after(() => Promise.all(stores.map((s) => s.close())));
      return [...stores];
    },
    skip: url ? false : `EVENTSTORE_URL is not set (run: EVENTSTORE_URL=esdb://localhost:2113?tls=false npm test)` },
);

/** A fake node of the test's own; its subscriptions and stores close, then it stops, when the test ends. */
async function withFake(t: TestContext, options?: EventStoreDbFakeOptions) {
  const fake = await startEventStoreDbFake(options);
  const closers: (() => Promise<void>)[] = [];
  t.after(async () => {
    await Promise.all(closers.map((close) => close()));
    await fake.stop();
  });
  /** Collects a subscription's events in the background. */
  const collect = (sub: Subscription) => {
    const seen: RecordedEvent[] = [];
    let failure: unknown;
    const done = (async () => {
      try {
        for await (const e of sub) seen.push(e);
      } catch (error) {
        failure = error;
      }
    })();
    const stop = async () => {
      await sub.close();
      await done;
    };
    closers.push(stop);
    return { seen, failed: () => failure, stop };
  };
  const open = () => {
    const store = new EventStoreDbEventStore(fake.url);
    closers.push(() => store.close());
    return store;
  };
  const client = () => {
    const raw = EventStoreDBClient.connectionString(fake.url);
    closers.push(() => raw.dispose());
    return raw;
  };
  return { fake, open, client, collect };
}

eventStoreContract('eventstoredb (wire-level fake)', async (t) => (await withFake(t)).open(), {
  openShared: async (t) => {
    const { open } = await withFake(t);
    return [open(), open()];
  },
});

const ev = (type: string, data: unknown = {}): EventData => ({ id: randomUUID(), type, data, metadata: { schemaVersion: 1 } });
const until = (condition: () => boolean, what: string) => eventually(() => (condition() ? true : undefined), 15_000, what);

describe('eventstoredb adapter against the wire-level fake', () => {
  it('a subscription keeps delivering, without gaps or duplicates, across the server going away and coming back', async (t) => {
    const { fake, open, collect } = await withFake(t);
    const store = open();
    const prefix = `reconnect-${randomUUID()}`;
    const sub = collect(store.subscribeToAll({ filter: { streamPrefixes: [prefix] } }));
    const write = (n: number, from: number) => Promise.all(Array.from({ length: n }, (_, i) => store.append(`${prefix}-${from + i}`, [ev('Tick', { n: from + i })], 'no_stream')));

    await write(10, 0);
    await until(() => sub.seen.length === 10, '10 live events');
    await fake.crash();
    // While the node is away writes fail as "unavailable" (a 503 upstream), not as an internal error.
    await assert.rejects(store.append(`${prefix}-down`, [ev('Tick')], 'no_stream'), EventStoreUnavailableError);
    await sleep(500); // the subscription retries against a closed port meanwhile
    await fake.recover();
    await write(10, 10); // written before the subscription is back: it must catch up on them
    await until(() => sub.seen.length >= 20 || sub.failed() !== undefined, 'the subscription to be back and caught up');
    await write(10, 20); // and these it gets live
    await until(() => sub.seen.length >= 30 || sub.failed() !== undefined, '30 events');
    await sleep(200); // room for a duplicate to show up
    await sub.stop();

    assert.equal(sub.failed(), undefined);
    const logged = (await store.readAll({ maxCount: 10_000 })).filter((e) => e.streamName.startsWith(prefix));
    assert.deepEqual(sub.seen.map((e) => e.id), logged.map((e) => e.id), 'the subscription saw the log as it is, once');
    assert.equal(logged.length, 30);
  });

  it('a subscription the node cancels (CANCELLED, as on a graceful shutdown) resubscribes instead of failing', async (t) => {
    const { fake, open, collect } = await withFake(t);
    const store = open();
    const prefix = `cancelled-${randomUUID()}`;
    const sub = collect(store.subscribeToAll({ filter: { streamPrefixes: [prefix] } }));
    // The cancel also ends the client's append stream: an append may then fail as unavailable
    // (a 503 upstream) and is retried with the same event id, which the node dedupes.
    const appendRetrying = async (stream: string, event: EventData) => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await store.append(stream, [event], 'any');
        } catch (error) {
          if (!(error instanceof EventStoreUnavailableError) || attempt > 20) throw error;
          await sleep(50);
        }
      }
    };
    const write = (n: number, from: number) => Promise.all(Array.from({ length: n }, (_, i) => appendRetrying(`${prefix}-${from + i}`, ev('Tick', { n: from + i }))));
    await write(5, 0);
    await until(() => sub.seen.length === 5, '5 live events');
    fake.cancelOpenCalls();
    await write(5, 5);
    await until(() => sub.seen.length >= 10 || sub.failed() !== undefined, '10 events');
    await sleep(200);
    await sub.stop();
    assert.equal(sub.failed(), undefined);
    assert.deepEqual(sub.seen.map((e) => (e.data as { n: number }).n).sort((a, b) => a - b), [...Array(10).keys()]);
  });

  it('a filtered subscription resumes after the events its filter skipped, from the server\'s last checkpoint', async (t) => {
    const { fake, open, collect } = await withFake(t);
    const store = open();
    const wanted = `Wanted${randomUUID().replaceAll('-', '')}`;
    const stream = `checkpointed-${randomUUID()}`;
    // Mostly unwanted events, so the server's checkpoints (every 32 events read) move past them.
    const types = Array.from({ length: 400 }, (_, i) => (i % 25 === 0 ? wanted : 'Noise'));
    for (let i = 0; i < types.length; i += 50) await store.append(stream, types.slice(i, i + 50).map((type) => ev(type)), i === 0 ? 'no_stream' : i - 1);
    const raw = store.subscribeToAll({ filter: { eventTypes: [wanted] } });
    const sub = collect(raw);
    await until(() => sub.seen.length === 16, 'the wanted events so far');
    const lastSeen = sub.seen.at(-1)!.position;
    await until(() => raw.scannedPosition() > lastSeen, 'the checkpoint that ends catch-up, past the skipped events');
    await fake.crash();
    await sleep(300);
    await fake.recover();
    await store.append(stream, [ev(wanted)], types.length - 1);
    await until(() => sub.seen.length >= 17 || sub.failed() !== undefined, 'the wanted event written after the restart');
    await sleep(200);
    await sub.stop();

    assert.equal(sub.failed(), undefined);
    const revisions = sub.seen.map((e) => e.revision);
    assert.deepEqual(revisions, [...types.keys()].filter((i) => types[i] === wanted).concat(types.length));
    const resumed = fake.subscriptions.filter((s) => s.stream === '$all').at(-1)!.from;
    assert.ok(typeof resumed === 'object' && resumed.commit > lastSeen >> 64n, 'resubscribed past the skipped events, not from the last one delivered');
  });

  it("reads past EventStoreDB's own events in $all: a page is short only at the end of the log", async (t) => {
    const { fake, open, client } = await withFake(t);
    const store = open();
    const raw = client();
    const stream = `own-events-${randomUUID()}`;
    // Stream metadata lives in `$$stream` events, which are in $all like any other event.
    await raw.setStreamMetadata(`${stream}-a`, { maxCount: 10 });
    await raw.setStreamMetadata(`${stream}-b`, { maxCount: 10 });
    await store.append(stream, [ev('First')], 'no_stream');
    assert.deepEqual((await store.readAll({ maxCount: 1 })).map((e) => e.type), ['First']);

    // Every start of a node writes a `$epoch-information` event: after two restarts with no
    // writes between them the newest events of $all are both EventStoreDB's own.
    const [first] = await store.readStream(stream);
    for (let i = 0; i < 2; i++) {
      await fake.crash();
      await fake.recover();
    }
    assert.equal(await store.headPosition(), first!.position);
  });

  it('close() returns after reads of $all that stopped before the end of the log', async (t) => {
    const { open } = await withFake(t);
    const store = open();
    const stream = `early-stop-${randomUUID()}`;
    await store.append(stream, Array.from({ length: 40 }, (_, i) => ev('Big', { i, pad: 'x'.repeat(2000) })), 'no_stream');
    for (let i = 0; i < 5; i++) assert.equal((await store.readAll({ maxCount: 10 })).length, 10);
    const closed = await Promise.race([store.close().then(() => true), sleep(5000).then(() => false)]);
    assert.ok(closed, 'close() returned');
  });

  it('appends through Streams.Append when the server does not offer BatchAppend', async (t) => {
    const { open } = await withFake(t, { batchAppend: false });
    const store = open();
    const stream = `append-rpc-${randomUUID()}`;
    const events = [ev('A'), ev('B')];
    const first = await store.append(stream, events, 'no_stream');
    assert.deepEqual(await store.append(stream, events, 'no_stream'), first, 'a retry of the same append is reported, not repeated');
    await assert.rejects(store.append(stream, [ev('C')], 0), { name: 'WrongExpectedRevisionError', actual: 1 });
    assert.deepEqual((await store.readStream(stream)).map((e) => e.type), ['A', 'B']);
  });

  it('connects over TLS', async (t) => {
    const tls = testTls();
    const { open } = await withFake(t, { tls: { certPath: tls.certFile, keyPath: join(dirname(tls.certFile), 'key.pem') } });
    const store = open();
    const stream = `tls-${randomUUID()}`;
    await store.append(stream, [ev('Secure')], 'no_stream');
    assert.deepEqual((await store.readStream(stream)).map((e) => e.type), ['Secure']);
  });
});

describe('wire-level fake: EventStoreDB semantics the adapter relies on', () => {
  it('each event of an append has its own position, commit equal to prepare; the append reports the last', async (t) => {
    const { client } = await withFake(t);
    const raw = client();
    const stream = `positions-${randomUUID()}`;
    const result = await raw.appendToStream(stream, [jsonEvent({ type: 'A', data: {} }), jsonEvent({ type: 'B', data: {} })]);
    const read = [];
    for await (const e of raw.readStream(stream)) read.push(e.event!.position!);
    assert.equal(read.length, 2);
    assert.ok(read.every((p) => p.commit === p.prepare));
    assert.ok(read[0]!.commit < read[1]!.commit);
    assert.deepEqual(result.position, read[1]);
  });

  it('$all reads forwards include their start position, backwards exclude it', async (t) => {
    const { client } = await withFake(t);
    const raw = client();
    const stream = `bounds-${randomUUID()}`;
    await raw.appendToStream(stream, [1, 2, 3].map((n) => jsonEvent({ type: `E${n}`, data: {} })));
    const all = [];
    for await (const e of raw.readAll()) if (e.event!.streamId === stream) all.push(e.event!);
    const middle = all[1]!.position!;
    const types = async (direction: 'forwards' | 'backwards') => {
      const out: string[] = [];
      for await (const e of raw.readAll({ fromPosition: middle, direction, maxCount: 10 })) if (e.event!.streamId === stream) out.push(e.event!.type);
      return out;
    };
    assert.deepEqual(await types('forwards'), ['E2', 'E3']);
    assert.deepEqual(await types('backwards'), ['E1']);
  });

  it('stream metadata hides events from stream reads but not from $all', async (t) => {
    const { client } = await withFake(t);
    const raw = client();
    const stream = `metadata-${randomUUID()}`;
    await raw.appendToStream(stream, [1, 2, 3].map((n) => jsonEvent({ type: `E${n}`, data: {} })));
    await raw.setStreamMetadata(stream, { maxCount: 2 });
    assert.deepEqual((await raw.getStreamMetadata(stream)).metadata?.maxCount, 2);
    const streamTypes = [];
    for await (const e of raw.readStream(stream)) streamTypes.push(e.event!.type);
    assert.deepEqual(streamTypes, ['E2', 'E3']);
    const allStreams = [];
    for await (const e of raw.readAll()) allStreams.push(e.event!.streamId);
    assert.equal(allStreams.filter((s) => s === stream).length, 3);
    assert.ok(allStreams.includes(`$$${stream}`));
  });

  it('a stream subscription catches up after its start (exclusive), says so, then goes live', async (t) => {
    const { client } = await withFake(t);
    const raw = client();
    const stream = `stream-sub-${randomUUID()}`;
    await raw.appendToStream(stream, [1, 2, 3].map((n) => jsonEvent({ type: `E${n}`, data: {} })));
    const sub = raw.subscribeToStream(stream, { fromRevision: 0n });
    const seen: string[] = [];
    sub.once('caughtUp', () => {
      seen.push('caught up');
      void raw.appendToStream(stream, [jsonEvent({ type: 'E4', data: {} })]);
    });
    for await (const e of sub) {
      seen.push(e.event!.type);
      if (e.event!.type === 'E4') break;
    }
    await sub.unsubscribe();
    assert.deepEqual(seen, ['E2', 'E3', 'caught up', 'E4']);
  });

  it('a filtered $all subscription reports checkpoints every 32 events read, matching or not', async (t) => {
    const { client } = await withFake(t);
    const raw = client();
    const stream = `noise-${randomUUID()}`;
    await raw.appendToStream(stream, Array.from({ length: 100 }, () => jsonEvent({ type: 'Noise', data: {} })));
    await raw.appendToStream(stream, [jsonEvent({ type: 'Signal', data: {} })]);
    const checkpoints: bigint[] = [];
    const sub = raw.subscribeToAll({ filter: eventTypeFilter({ prefixes: ['Signal'], checkpointReached: (_s, p) => void checkpoints.push(p.commit) }) });
    let signal = 0n;
    for await (const e of sub) {
      if (e.event!.type !== 'Signal') continue;
      signal = e.event!.position!.commit;
      break;
    }
    await sub.unsubscribe();
    // 102 events in $all (an epoch, 100 noise, the signal): three full pages of 32 before it.
    assert.equal(checkpoints.filter((c) => c < signal).length, 3);
    assert.deepEqual([...checkpoints].sort((a, b) => (a < b ? -1 : 1)), checkpoints, 'checkpoints only move forwards');
  });
});
