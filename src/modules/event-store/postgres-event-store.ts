import pg from 'pg';
import { inPgTransaction } from '../postgres/pg-transaction.js';
import { EventStoreUnavailableError, type AppendResult, type EventData, type EventStore, type ExpectedRevision, type ReadAllOptions, type ReadStreamOptions, type RecordedEvent, type SubscribeOptions, type Subscription } from './event-store.port.js';
import { GroupCommit } from './group-commit.js';
import { PollingSubscriptions } from './polling-subscriptions.js';
import { PostgresCommitter, type PostgresAppend } from './postgres-committer.js';
import { LOCK_CLASS, NOTIFY_CHANNEL, SCHEMA_SQL } from './postgres-event-schema.js';
import { recordedFromRow, type EventRow } from './sql-event-row.js';
import { TailCache } from './tail-cache.js';

export interface PostgresEventStoreOptions {
  /** Schema holding the `events` table (created if missing). */
  schema?: string;
  /** How often an idle subscription polls when no notification woke it (NOTIFY can be missed). */
  pollIntervalMs?: number;
  /** Most appends committed in one round trip. */
  maxBatch?: number;
  /** How long to wait for a connection before answering "unavailable". */
  connectTimeoutMs?: number;
}

type PostgresEventRow = EventRow<unknown, Date>;

const COLUMNS = 'position, event_id, stream, revision, type, data, metadata, created_at';

// The driver has parsed the JSON columns and the timestamp already.
const decoding = { json: (value: unknown) => value, time: (date: Date) => date };
const toRecorded = (row: PostgresEventRow): RecordedEvent => recordedFromRow(row, decoding);

/** Connection failures and server states that mean "cannot serve now", not "this request is wrong". */
export function isPostgresUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | null;
  if (!e) return false;
  const code = e.code ?? '';
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN'].includes(code)) return true;
  // 08: connection exception, 53: insufficient resources, 57P0x: shutdown / cannot connect now.
  if (/^(08|53|57P0)/.test(code)) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end/i.test(e.message ?? '');
}

const unavailable = (error: unknown): unknown =>
  isPostgresUnavailable(error) ? new EventStoreUnavailableError(`event store unavailable: ${(error as Error).message}`, { cause: error }) : error;

/**
 * The event log in PostgreSQL: Herald's whole state in one database server (with the read
 * models in PostgreSQL too). Appends from one process are grouped into one statement; appends
 * from several processes serialise on an advisory lock (see SCHEMA_SQL for why), which also
 * makes the log one that only grows at its end, as the polling subscriptions and the shared
 * tail need. Subscriptions poll by position and are woken by LISTEN/NOTIFY.
 */
export class PostgresEventStore implements EventStore {
  private readonly pool: pg.Pool;
  private readonly schema: string;
  private ready: Promise<void> | null = null;
  private readonly appends: GroupCommit<PostgresAppend>;
  private readonly tail: TailCache;
  private readonly subscriptions: PollingSubscriptions;
  private listener: pg.Client | null = null;
  private listening: Promise<void> | null = null;
  private closed = false;
  private closing: Promise<void> | null = null;

  constructor(
    private readonly url: string,
    options: PostgresEventStoreOptions = {},
  ) {
    this.schema = options.schema ?? 'public';
    if (!/^[a-z_][a-z0-9_]*$/.test(this.schema)) throw new Error(`invalid schema name ${this.schema}`);
    // The lock argument in SCHEMA_SQL relies on each statement seeing commits made before it
    // ran, which READ COMMITTED guarantees whatever the server's default isolation.
    this.pool = new pg.Pool({
      connectionString: url,
      max: 8,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      options: '-c default_transaction_isolation=read\\ committed',
    });
    this.pool.on('error', () => undefined); // a dropped idle connection is replaced on next use
    this.tail = new TailCache(async (after, maxCount) =>
      (await this.query<PostgresEventRow>(`SELECT ${COLUMNS} FROM ${this.schema}.events WHERE position > $1 ORDER BY position ASC LIMIT $2`, [after.toString(), maxCount])).map(toRecorded),
    );
    this.subscriptions = new PollingSubscriptions({
      readAfter: (after, maxCount) => this.tail.read(after, maxCount),
      pollIntervalMs: options.pollIntervalMs ?? 250,
      beforeRead: () => this.listen(),
    });
    const committer = new PostgresCommitter(this.schema, (sql, params) => this.query(sql, params));
    this.appends = new GroupCommit(committer, { onCommitted: () => this.logGrew(), maxBatch: options.maxBatch ?? 500 });
  }

  /** Creates the schema on first use; concurrent starters serialise on an advisory lock. */
  private migrate(): Promise<void> {
    this.ready ??= (async () => {
      await inPgTransaction(this.pool, async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_CLASS, `migrate ${this.schema}`]);
        for (const sql of SCHEMA_SQL(this.schema)) await client.query(sql);
      });
    })().catch((error: unknown) => {
      this.ready = null;
      throw unavailable(error);
    });
    return this.ready;
  }

  private async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    if (this.closed) throw new EventStoreUnavailableError('event store is closed');
    await this.migrate();
    try {
      return (await this.pool.query(sql, params)).rows as T[];
    } catch (error) {
      throw unavailable(error);
    }
  }

  append(streamName: string, events: EventData[], expected: ExpectedRevision): Promise<AppendResult> {
    return this.appends.append({ streamName, events, expected });
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const limit = options.maxCount ?? null;
    const rows =
      options.direction === 'backwards'
        ? await this.query<PostgresEventRow>(
            `SELECT ${COLUMNS} FROM ${this.schema}.events WHERE stream = $1 AND revision <= $2 ORDER BY revision DESC LIMIT $3`,
            [streamName, options.fromRevision ?? 2_147_483_647, limit],
          )
        : await this.query<PostgresEventRow>(
            `SELECT ${COLUMNS} FROM ${this.schema}.events WHERE stream = $1 AND revision >= $2 ORDER BY revision ASC LIMIT $3`,
            [streamName, options.fromRevision ?? 0, limit],
          );
    return rows.map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const limit = options.maxCount ?? 1000;
    if (options.direction !== 'backwards') return this.tail.read(options.after ?? 0n, limit);
    const rows =
      options.after === undefined
        ? await this.query<PostgresEventRow>(`SELECT ${COLUMNS} FROM ${this.schema}.events ORDER BY position DESC LIMIT $1`, [limit])
        : await this.query<PostgresEventRow>(`SELECT ${COLUMNS} FROM ${this.schema}.events WHERE position < $1 ORDER BY position DESC LIMIT $2`, [options.after.toString(), limit]);
    return rows.map(toRecorded);
  }

  /** Events were appended here, or announced: the tail's known end is stale, and idle subscriptions read again. */
  private logGrew(): void {
    this.tail.logGrew();
    this.subscriptions.wakeAll();
  }

  /** One LISTEN connection per store wakes every subscription; polling covers its absence. */
  private listen(): void {
    if (this.listening || this.closed) return;
    this.listening = (async () => {
      const client = new pg.Client({ connectionString: this.url });
      client.on('error', () => this.dropListener(client));
      client.on('end', () => this.dropListener(client));
      client.on('notification', (message) => {
        if (message.payload === this.schema) this.logGrew();
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
        if (this.closed) await client.end();
        else this.listener = client;
      } catch {
        this.dropListener(client);
      }
    })();
  }

  private dropListener(client: pg.Client): void {
    if (this.listener === client) this.listener = null;
    void client.end().catch(() => undefined);
    // Try again on the next subscription poll.
    this.listening = null;
  }

  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    return this.subscriptions.subscribe(options);
  }

  async headPosition(): Promise<bigint> {
    const [row] = await this.query<{ position: string | null }>(`SELECT MAX(position) AS position FROM ${this.schema}.events`);
    return BigInt(row?.position ?? 0);
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.subscriptions.close();
      // Appends already accepted into a batch are committed first.
      await this.appends.close();
      this.closed = true;
      await this.listening;
      await this.listener?.end().catch(() => undefined);
      await this.pool.end();
    })();
    return this.closing;
  }
}
