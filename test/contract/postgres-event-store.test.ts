import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import pg from 'pg';
import { EventStoreUnavailableError, type RecordedEvent } from '../../src/modules/event-store/event-store.port.js';
import { PostgresEventStore } from '../../src/modules/event-store/postgres-event-store.js';
import { freePort } from '../support/process.js';
import { freshSchema } from '../support/postgres.js';
import { eventStoreContract } from './event-store.contract.js';

const url = process.env.DATABASE_URL;
if (!url) console.log('# SKIPPED: PostgreSQL event-store contract suite (DATABASE_URL is not set; npm test starts PostgreSQL)');
const skip = url ? false : 'DATABASE_URL is not set';

function open(t: TestContext, schema: string): PostgresEventStore {
  const store = new PostgresEventStore(url!, { schema, pollIntervalMs: 50 });
  t.after(() => store.close());
  return store;
}

eventStoreContract('postgres', async (t) => open(t, freshSchema(t, 'es')), {
  skip,
  openShared: async (t) => {
    const schema = freshSchema(t, 'es');
    return [open(t, schema), open(t, schema)];
  },
});

describe('postgres event store', { skip }, () => {
  it('a subscriber never skips an event whose transaction commits after a later-started append', async (t) => {
    const schema = freshSchema(t, 'es');
    const store = open(t, schema);
    await store.append('warm-up', [{ id: randomUUID(), type: 'W', data: {} }], 'no_stream');
    const head = await store.headPosition();
    // A slow appender: it holds an append transaction open, as a process stalled mid-commit would.
    const slow = new pg.Client({ connectionString: url });
    await slow.connect();
    t.after(() => slow.end());
    await slow.query('BEGIN');
    const slowBatch = JSON.stringify([{ stream: 'slow', expected: 'no_stream', events: [{ id: randomUUID(), type: 'Slow', data: {}, metadata: {} }] }]);
    await slow.query(`SELECT * FROM ${schema}.herald_append($1::json)`, [slowBatch]);

    const seen: RecordedEvent[] = [];
    const sub = store.subscribeToAll({ after: head });
    const reading = (async () => {
      for await (const e of sub) {
        seen.push(e);
        if (seen.length === 2) break;
      }
    })();
    // A second append starts after the slow one took its position; it must wait for it.
    const fast = store.append('fast', [{ id: randomUUID(), type: 'Fast', data: {} }], 'no_stream');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(seen.length, 0, 'nothing is visible while the earlier append is uncommitted');
    await slow.query('COMMIT');
    await fast;
    await Promise.race([reading, new Promise((_, rej) => setTimeout(() => rej(new Error('subscription stalled')), 5000))]);
    await sub.close();
    assert.deepEqual(seen.map((e) => e.type), ['Slow', 'Fast']);
    assert.ok(seen[0]!.position < seen[1]!.position);
  });

  it('a batch of appends from one process commits together and each keeps its own revision check', async (t) => {
    const store = open(t, freshSchema(t, 'es'));
    await store.append('s-0', [{ id: randomUUID(), type: 'A', data: {} }], 'no_stream');
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, n) => store.append(`s-${n}`, [{ id: randomUUID(), type: 'B', data: { n } }], 'no_stream')),
    );
    assert.equal(results.filter((r) => r.status === 'rejected').length, 1, 's-0 already existed');
    assert.equal((await store.readAll({ maxCount: 1000 })).length, 200);
  });

  it('keeps data exactly as given (key order, nested values, unicode)', async (t) => {
    const store = open(t, freshSchema(t, 'es'));
    const data = { z: 1, a: [1, { b: null }], 'é': 'ünï😀', big: 12345678901234 };
    await store.append('exact', [{ id: randomUUID(), type: 'E', data, metadata: { correlationId: 'c1' } }], 'no_stream');
    const [event] = await store.readStream('exact');
    assert.equal(JSON.stringify(event!.data), JSON.stringify(data));
    assert.equal(event!.metadata.correlationId, 'c1');
  });

  it('answers EventStoreUnavailableError when the server cannot be reached', async (t) => {
    const port = await freePort();
    const store = new PostgresEventStore(`postgres://herald@127.0.0.1:${port}/nowhere`, { connectTimeoutMs: 1000 });
    t.after(() => store.close());
    await assert.rejects(store.ping(), EventStoreUnavailableError);
    await assert.rejects(store.append('x', [{ id: randomUUID(), type: 'X', data: {} }], 'any'), EventStoreUnavailableError);
    await assert.rejects(store.readStream('x'), EventStoreUnavailableError);
  });
});
