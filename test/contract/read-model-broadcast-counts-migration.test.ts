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

const DELIVERY_COUNTS = 16;

const backends: { name: string; skip: string | false; open: (t: TestContext) => ReadModelDb }[] = [
  { name: 'SQLite', skip: false, open: (t) => new SqliteReadModelDb(join(tempDir(t), 'rm.db')) },
  { name: 'PostgreSQL', skip: process.env.DATABASE_URL ? false : 'DATABASE_URL is not set', open: (t) => new PostgresReadModelDb(process.env.DATABASE_URL!, freshSchema(t, 'mig')) },
];

for (const backend of backends) {
  describe(`read-model migration 16, broadcast delivery and topic subscriber counts (${backend.name})`, { skip: backend.skip }, () => {
    it("counts each broadcast's deliveries by status onto its row", async (t) => {
      const db = await migratedBefore(t, backend.open(t), DELIVERY_COUNTS);
      for (const id of ['b1', 'b2', 'b3']) {
        await db.execute(`INSERT INTO broadcasts (broadcast_id, category, audience_kind, status, suppressed, requested_at, position) VALUES ($1, 'news', 'all', 'completed', '{}', 'x', $2)`, [id, positionKey(1n)]);
      }
      const deliveries: [string, string][] = [['b1', 'pending'], ['b1', 'sent'], ['b1', 'sent'], ['b1', 'failed'], ['b2', 'canceled'], ['b2', 'pending']];
      for (const [i, [broadcast, status]] of deliveries.entries()) {
        await db.execute(`INSERT INTO broadcast_deliveries (delivery_id, broadcast_id, notification_id, status) VALUES ($1, $2, $3, $4)`, [`d${i}`, broadcast, `n${i}`, status]);
      }

      await db.migrate();

      const rows = await db.query<Record<string, unknown>>('SELECT broadcast_id, deliveries_pending, deliveries_sent, deliveries_failed, deliveries_canceled FROM broadcasts ORDER BY broadcast_id');
      assert.deepEqual(
        rows.map((r) => Object.values(r).map((v) => (typeof v === 'string' ? v : Number(v)))),
        [
          ['b1', 1, 2, 1, 0],
          ['b2', 1, 0, 0, 1],
          ['b3', 0, 0, 0, 0],
        ],
      );
    });

    it("counts each topic's current subscribers onto its row", async (t) => {
      const db = await migratedBefore(t, backend.open(t), DELIVERY_COUNTS);
      for (const key of ['news', 'offers']) await db.execute(`INSERT INTO topics (topic_key, name, created_at, updated_at, stream_revision) VALUES ($1, $1, 'x', 'x', 0)`, [key]);
      const members: [string, string, number][] = [['news', 'ada', 1], ['news', 'bob', 1], ['news', 'cy', 0], ['offers', 'ada', 0]];
      for (const [i, [topic, user, subscribed]] of members.entries()) {
        await db.execute(`INSERT INTO topic_subscribers (topic_key, user_id, subscribed, subscribed_at, position) VALUES ($1, $2, $3, 'x', $4)`, [topic, user, subscribed, positionKey(BigInt(i + 1))]);
      }

      await db.migrate();

      const rows = await db.query<{ topic_key: string; subscriber_count: number | string }>('SELECT topic_key, subscriber_count FROM topics ORDER BY topic_key');
      assert.deepEqual(rows.map((r) => [r.topic_key, Number(r.subscriber_count)]), [['news', 2], ['offers', 0]]);
    });
  });
}
