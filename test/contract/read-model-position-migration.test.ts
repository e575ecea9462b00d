import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { positionKey } from '../../src/modules/read-models/log-position.js';
import { PostgresReadModelDb } from '../../src/modules/read-models/postgres-read-model-db.js';
import type { ReadModelDb } from '../../src/modules/read-models/read-model-db.port.js';
import { SqliteReadModelDb } from '../../src/modules/read-models/sqlite-read-model-db.js';
import { freshSchema } from '../support/postgres.js';
import { migratedBefore } from '../support/read-model-migrations.js';
import { tempDir } from '../support/temp.js';

const TEXT_POSITIONS = 15;

const backends: { name: string; skip: string | false; open: (t: TestContext) => ReadModelDb }[] = [
  { name: 'SQLite', skip: false, open: (t) => new SqliteReadModelDb(join(tempDir(t), 'rm.db')) },
  { name: 'PostgreSQL', skip: process.env.DATABASE_URL ? false : 'DATABASE_URL is not set', open: (t) => new PostgresReadModelDb(process.env.DATABASE_URL!, freshSchema(t, 'mig')) },
];

for (const backend of backends) {
  describe(`read-model migration 15, log positions as text (${backend.name})`, { skip: backend.skip }, () => {
    it('keeps every row, turns each position into its 40-digit text, and then holds and orders EventStoreDB-sized positions', async (t) => {
      const db = await migratedBefore(t, backend.open(t), TEXT_POSITIONS);
      await db.execute(`INSERT INTO inbox_items (item_id, notification_id, user_id, category, state, added_at, added_position, position) VALUES ('n1.1', 'n1', 'ada', 'news', 'read', 'x', 5, 9)`);
      await db.execute(`INSERT INTO topic_subscribers (topic_key, user_id, subscribed, subscribed_at, position) VALUES ('news', 'ada', 1, 'x', 3)`);
      await db.execute(`INSERT INTO broadcasts (broadcast_id, category, audience_kind, status, suppressed, requested_at, position) VALUES ('b1', 'news', 'all', 'completed', '{}', 'x', 12)`);
      await db.execute(`INSERT INTO recipients (user_id, updated_at, stream_revision, first_position) VALUES ('ada', 'x', 0, 2), ('bob', 'x', 0, NULL)`);

      await db.migrate();
      const rows = (sql: string) => db.query(sql).then((r) => r.map((row) => ({ ...row })));

      assert.deepEqual(await rows(`SELECT item_id, state, added_position, position FROM inbox_items`), [{ item_id: 'n1.1', state: 'read', added_position: positionKey(5n), position: positionKey(9n) }]);
      assert.deepEqual(await rows(`SELECT user_id, position FROM topic_subscribers`), [{ user_id: 'ada', position: positionKey(3n) }]);
      assert.deepEqual(await rows(`SELECT broadcast_id, status, position FROM broadcasts`), [{ broadcast_id: 'b1', status: 'completed', position: positionKey(12n) }]);
      assert.deepEqual(await rows(`SELECT user_id, first_position FROM recipients ORDER BY user_id`), [{ user_id: 'ada', first_position: positionKey(2n) }, { user_id: 'bob', first_position: null }]);

      // EventStoreDB packs (commit, prepare) into 128 bits.
      const packed = (123_456n << 64n) | 123_000n;
      await db.execute(`INSERT INTO topic_subscribers (topic_key, user_id, subscribed, subscribed_at, position) VALUES ('news', 'bob', 1, 'x', $1)`, [positionKey(packed)]);
      const asOf = (p: bigint) => db.query<{ user_id: string }>('SELECT user_id FROM topic_subscribers WHERE position <= $1 ORDER BY user_id', [positionKey(p)]).then((r) => r.map((x) => x.user_id));
      assert.deepEqual(await asOf(packed - 1n), ['ada']);
      assert.deepEqual(await asOf(packed), ['ada', 'bob']);
      const [head] = await db.query<{ head: string }>('SELECT MAX(position) AS head FROM topic_subscribers');
      assert.equal(BigInt(head!.head), packed);
      assert.equal(await db.query('SELECT 1 FROM inbox_items WHERE position > $1', [positionKey(10n)]).then((r) => r.length), 0, 'text order is log order: 9 < 10');
    });
  });
}
