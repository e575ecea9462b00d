/**
 * A child process for the projector-lease test: a projector that stands by until it holds the
 * lease, then writes one row per event it projects, naming itself. Prints "active" / "standby".
 */
import { Logger } from '@nestjs/common';
import { SqliteEventStore } from '../../src/modules/event-store/sqlite-event-store.js';
import { PostgresReadModelDb } from '../../src/modules/read-models/postgres-read-model-db.js';
import type { ReadModelDb } from '../../src/modules/read-models/read-model-db.port.js';
import { SqliteReadModelDb } from '../../src/modules/read-models/sqlite-read-model-db.js';
import { LeasedProjection } from '../../src/projections/leased-projection.js';

Logger.overrideLogger(process.env.DEBUG_LEASE ? ['error', 'warn', 'log'] : ['error']);
const [eventsFile, readModels, name, ttl] = process.argv.slice(2) as [string, string, string, string];
const store = new SqliteEventStore(eventsFile, { pollIntervalMs: 20, busyTimeoutMs: 10_000 });
const db: ReadModelDb = readModels.startsWith('postgres') ? new PostgresReadModelDb(readModels.split('#')[0]!, readModels.split('#')[1]) : new SqliteReadModelDb(readModels);
await db.migrate();
await db.execute('CREATE TABLE IF NOT EXISTS projected (position TEXT PRIMARY KEY, writer TEXT NOT NULL)').catch(() => undefined);
const projection = {
  name: 'lease_test',
  handle: async (events: { position: bigint }[], tx: { execute: (sql: string, params: string[]) => Promise<unknown> }) => {
    // A plain INSERT: a second writer, or a batch applied twice, fails on the primary key.
    for (const e of events) await tx.execute('INSERT INTO projected (position, writer) VALUES ($1, $2)', [e.position.toString().padStart(12, '0'), name]);
  },
};
const leased = LeasedProjection.ofSqlReadModel(store, db, projection, { leaseMs: Number(ttl), onActiveChange: (active) => console.log(active ? 'active' : 'standby') });
leased.start();
setInterval(() => undefined, 60_000); // the lease timer is unref'd: keep this process alive while it stands by
console.log('started');
process.on('SIGTERM', () => void leased.stop().then(() => process.exit(0)));
