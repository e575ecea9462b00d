import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { parseArgs } from 'node:util';
import { loadConfig } from './config/herald-config.js';
import { SCOPES, type Scope } from './domain/client/client.js';
import { ClientDirectory } from './modules/auth/client-directory.js';
import { openEventStore } from './modules/event-store/event-store.module.js';
import { matchesFilter } from './modules/event-store/event-store.port.js';
import { PostgresReadModelDb } from './modules/read-models/postgres-read-model-db.js';
import { SqliteReadModelDb } from './modules/read-models/sqlite-read-model-db.js';
import { sqlSink } from './projections/projection-runner.js';
import { SQL_PROJECTIONS, SQL_PROJECTION_NAMES, type SqlProjectionName } from './projections/sql-projections.js';

async function rebuildProjection(name: SqlProjectionName, config: ReturnType<typeof loadConfig>, store: ReturnType<typeof openEventStore>) {
  const db = config.readModels.kind === 'postgres' ? new PostgresReadModelDb(config.readModels.url, config.readModels.schema) : new SqliteReadModelDb(config.readModels.file);
  try {
    await db.migrate();
    const { create, tables } = SQL_PROJECTIONS[name];
    const projection = create();
    await db.transaction(async (tx) => {
      for (const table of tables) await tx.execute(`DELETE FROM ${table}`);
      await tx.execute('DELETE FROM projection_checkpoints WHERE name = $1', [projection.name]);
    });
    const sink = sqlSink(db, projection);
    let after = 0n;
    let events = 0;
    for (;;) {
      const batch = (await store.readAll({ after, maxCount: 1000 }));
      if (batch.length === 0) break;
      after = batch[batch.length - 1]!.position;
      const wanted = batch.filter((e) => matchesFilter(e, projection.filter));
      await sink.commit(wanted, after);
      events += wanted.length;
    }
    const rows: Record<string, number> = {};
    for (const table of tables) rows[table] = Number((await db.query<{ c: number }>(`SELECT COUNT(*) AS c FROM ${table}`))[0]!.c);
    return { events, rows, position: after.toString() };
  } finally {
    await db.close();
  }
}

const USAGE = `herald cli

  clients create --name NAME --scopes scope1,scope2 [--rate-limit N]
      create an API client; prints its appKey and appSecret (shown once)
  replay --stream STREAM [--from REVISION] [--limit N]
      print a stream's events as JSON lines, oldest first
  projections rebuild notification_status|notification_stats
      empty the read model and rebuild it from position zero (stop projectors first)

Configuration comes from the same environment variables as the service (DATA_DIR, EVENT_STORE, ...).
Scopes: ${SCOPES.join(', ')}`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      scopes: { type: 'string' },
      'rate-limit': { type: 'string' },
      stream: { type: 'string' },
      from: { type: 'string' },
      limit: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals.length === 0) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const config = loadConfig();
  const store = openEventStore(config);
  try {
    const [command, sub] = positionals;
    if (command === 'clients' && sub === 'create') {
      if (!values.name) fail('--name is required');
      const scopes = (values.scopes ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
      if (scopes.length === 0 || unknown.length > 0) fail(`--scopes must list known scopes${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}`);
      const rate = values['rate-limit'] ? Number(values['rate-limit']) : null;
      if (rate !== null && (!Number.isInteger(rate) || rate < 1)) fail('--rate-limit must be a positive integer');
      const created = await new ClientDirectory(store).create({ name: values.name, scopes: scopes as Scope[], rateLimitPerSecond: rate }, { actor: 'cli' });
      process.stdout.write(`${JSON.stringify(created, null, 2)}\n`);
    } else if (command === 'replay') {
      if (!values.stream) fail('--stream is required');
      const events = await store.readStream(values.stream, {
        fromRevision: values.from ? Number(values.from) : 0,
        ...(values.limit ? { maxCount: Number(values.limit) } : {}),
      });
      for (const e of events) {
        process.stdout.write(
          `${JSON.stringify({ revision: e.revision, position: e.position.toString(), type: e.type, id: e.id, createdAt: e.createdAt.toISOString(), data: e.data, metadata: e.metadata })}\n`,
        );
      }
      if (events.length === 0) process.stderr.write(`no events in stream ${values.stream}\n`);
    } else if (command === 'projections' && sub === 'rebuild') {
      const name = positionals[2];
      if (!(SQL_PROJECTION_NAMES as string[]).includes(name ?? '')) fail(`unknown projection: ${name ?? '(none)'}; known: ${SQL_PROJECTION_NAMES.join(', ')}`);
      const rebuilt = await rebuildProjection(name as SqlProjectionName, config, store);
      process.stdout.write(`${JSON.stringify({ projection: name, ...rebuilt })}\n`);
    } else {
      fail(`unknown command: ${positionals.join(' ')}`);
    }
  } finally {
    await store.close();
  }
}

// stdout carries the command's output only; errors go to stderr.
Logger.overrideLogger(['error']);
await main(process.argv.slice(2));
