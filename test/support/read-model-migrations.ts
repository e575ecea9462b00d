import type { TestContext } from 'node:test';
import { MIGRATIONS, statementsOf } from '../../src/modules/read-models/migrations.js';
import type { ReadModelDb } from '../../src/modules/read-models/read-model-db.port.js';

/** A read-model database as a release before migration `id` left it: every migration below it applied, and recorded. */
export async function migratedBefore(t: TestContext, db: ReadModelDb, id: number): Promise<ReadModelDb> {
  t.after(() => db.close());
  if (db.dialect === 'postgres') await db.execute(`CREATE SCHEMA IF NOT EXISTS ${(db as unknown as { schema: string }).schema}`);
  await db.execute('CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  for (const m of [...MIGRATIONS].filter((m) => m.id < id).sort((a, b) => a.id - b.id)) {
    for (const sql of statementsOf(m, db.dialect)) await db.execute(sql);
    await db.execute('INSERT INTO schema_migrations (id, name, applied_at) VALUES ($1, $2, $3)', [m.id, m.name, new Date(0).toISOString()]);
  }
  return db;
}
