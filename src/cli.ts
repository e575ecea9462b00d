import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { UsageError, parseCommandLine, type Command, type CommandArgs } from './cli/command-line.js';
import { loadConfig } from './config/herald-config.js';
import { SCOPES, type Scope } from './domain/client/client.js';
import { notificationStream } from './domain/notification/delivery-lifecycle.js';
import { recipientStream } from './domain/recipient/events.js';
import { templateStream } from './domain/template/template.js';
import { ClientDirectory } from './modules/auth/client-directory.js';
import { openEventStore } from './modules/event-store/event-store.module.js';
import { matchesFilter } from './modules/event-store/event-store.port.js';
import { PostgresReadModelDb } from './modules/read-models/postgres-read-model-db.js';
import { SqliteReadModelDb } from './modules/read-models/sqlite-read-model-db.js';
import { sqlSink } from './projections/sql-sink.js';
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

const PROGRAM = 'npm run cli --';

const FOOTER = `\`<command> --help\` describes a command. Configuration comes from the service's environment variables (DATA_DIR, EVENT_STORE, DATABASE_URL, ...).
Exit codes: 0 done; 1 the command failed (the message says why: configuration, store, ...); 2 the command line is wrong.`;

/** Opens the event store the configuration names, for the length of `use`. */
async function withStore<T>(use: (store: ReturnType<typeof openEventStore>, config: ReturnType<typeof loadConfig>) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const store = openEventStore(config);
  try {
    return await use(store, config);
  } finally {
    await store.close();
  }
}

const COMMANDS: Command[] = [
  {
    words: ['clients', 'create'],
    synopsis: '--name NAME --scopes SCOPE[,SCOPE...] [--rate-limit N]',
    summary: 'create an API client; prints its appKey and appSecret (the secret is shown once)',
    details: `  --name NAME          what the client is, e.g. billing
  --scopes SCOPES      comma-separated, from: ${SCOPES.join(', ')}
  --rate-limit N       its requests per second (default: CLIENT_RATE_LIMIT)`,
    options: { name: { type: 'string' }, scopes: { type: 'string' }, 'rate-limit': { type: 'string' } },
    positionals: 0,
    async run(args: CommandArgs) {
      const name = args.requiredString('name');
      const scopes = args.requiredString('scopes').split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
      if (scopes.length === 0 || unknown.length > 0) args.fail(`--scopes must list known scopes${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}`);
      const rate = args.integer('rate-limit', 1) ?? null;
      const created = await withStore((store) => new ClientDirectory(store).create({ name, scopes: scopes as Scope[], rateLimitPerSecond: rate }, { actor: 'cli' }));
      process.stdout.write(`${JSON.stringify(created, null, 2)}\n`);
    },
  },
  {
    words: ['replay'],
    synopsis: '--stream STREAM [--from REVISION] [--limit N]',
    summary: "print a stream's events as JSON lines, oldest first",
    details: `  --stream STREAM      e.g. ${recipientStream('ada')}, ${notificationStream('<notificationId>')}, ${templateStream('<templateId>')}
  --from REVISION      the first revision to print (default 0)
  --limit N            print at most N events`,
    options: { stream: { type: 'string' }, from: { type: 'string' }, limit: { type: 'string' } },
    positionals: 0,
    async run(args: CommandArgs) {
      const stream = args.requiredString('stream');
      const fromRevision = args.integer('from', 0) ?? 0;
      const limit = args.integer('limit', 1);
      const events = await withStore((store) => store.readStream(stream, { fromRevision, ...(limit !== undefined ? { maxCount: limit } : {}) }));
      for (const e of events) {
        process.stdout.write(
          `${JSON.stringify({ revision: e.revision, position: e.position.toString(), type: e.type, id: e.id, createdAt: e.createdAt.toISOString(), data: e.data, metadata: e.metadata })}\n`,
        );
      }
      if (events.length === 0) process.stderr.write(`no events in stream ${stream}\n`);
    },
  },
  {
    words: ['projections', 'rebuild'],
    synopsis: SQL_PROJECTION_NAMES.join('|'),
    summary: 'empty the read model and rebuild it from position zero (stop the projectors first)',
    details: '  prints the events applied, the rows of each table and the position reached, as JSON',
    options: {},
    positionals: 1,
    async run(args: CommandArgs) {
      const name = args.positionals[0];
      if (!(SQL_PROJECTION_NAMES as string[]).includes(name ?? '')) args.fail(`${name === undefined ? 'which projection?' : `unknown projection: ${name};`} known: ${SQL_PROJECTION_NAMES.join(', ')}`);
      const rebuilt = await withStore((store, config) => rebuildProjection(name as SqlProjectionName, config, store));
      process.stdout.write(`${JSON.stringify({ projection: name, ...rebuilt })}\n`);
    },
  },
];

// stdout carries the command's output only; errors go to stderr.
Logger.overrideLogger(['error']);
try {
  const line = parseCommandLine(process.argv.slice(2), COMMANDS, PROGRAM, FOOTER);
  if ('help' in line) process.stdout.write(`${line.help}\n`);
  else await line.command.run(line.args);
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`error: ${error.message}\n\n${error.usage}\n`);
    process.exitCode = 2;
  } else {
    // An expected failure (a bad setting, a store that does not answer) needs its message, not a stack trace.
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
