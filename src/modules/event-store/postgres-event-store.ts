import pg from 'pg';
import { inPgTransaction } from '../postgres/pg-transaction.js';
import {
  EventStoreUnavailableError,
  WrongExpectedRevisionError,
  matchesFilter,
  type AppendResult,
  type EventData,
  type EventStore,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
} from './event-store.port.js';

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

const NOTIFY_CHANNEL = 'herald_events';
/** First key of the two-key advisory lock: Herald's event log (the second is the table's oid). */
const LOCK_CLASS = 0x4845; // "HE"

/**
 * The schema: one table and one function that appends a whole batch of appends in one
 * statement, hence one round trip and one commit for many users' decisions (group commit).
 *
 * Why the advisory lock: positions come from an identity sequence, and a sequence hands out
 * numbers in the order transactions *ask*, not the order they *commit*. Without a lock, a
 * transaction holding position 10 may commit after another one holding 11; a subscriber that
 * read 11 and moved its checkpoint past it would never see 10. Taking one transaction-level
 * advisory lock before any position is assigned serialises appends: a transaction can only
 * draw positions once the previous appender has committed (PostgreSQL makes a commit visible
 * before it releases the transaction's locks), so the committed events are always a prefix of
 * the positions handed out, and "everything after my checkpoint" never skips a late commit.
 * The cost is one appender at a time across all processes, which batching makes up for. The
 * same lock makes the expected-revision check and the insert atomic, so the unique
 * (stream, revision) constraint is a backstop, never the normal conflict path.
 */
const SCHEMA_SQL = (schema: string) => [
  `CREATE SCHEMA IF NOT EXISTS ${schema}`,
  `CREATE TABLE IF NOT EXISTS ${schema}.events (
     position   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     event_id   TEXT        NOT NULL UNIQUE,
     stream     TEXT        NOT NULL,
     revision   INTEGER     NOT NULL,
     type       TEXT        NOT NULL,
     data       JSON        NOT NULL,
     metadata   JSON        NOT NULL,
     created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
     UNIQUE (stream, revision)
   )`,
  // Each element of `batch`: {stream, expected: "any"|"no_stream"|"stream_exists"|"<n>", events: [{id, type, data, metadata}]}.
  // One result row per element, in order: ok (next revision, last position), conflict (actual
  // revision, -1 for no stream) or reused_id (an event id already in the log, not as a replay).
  `CREATE OR REPLACE FUNCTION ${schema}.herald_append(batch JSON)
   RETURNS TABLE (ord INTEGER, outcome TEXT, next_revision INTEGER, last_position BIGINT)
   LANGUAGE plpgsql AS $fn$
   DECLARE
     item JSON;
     ev JSON;
     i INTEGER := 0;
     current_rev INTEGER;
     expected TEXT;
     ids TEXT[];
     found_count INTEGER;
     first_rev INTEGER;
     consistent BOOLEAN;
     pos BIGINT;
     rev INTEGER;
   BEGIN
     PERFORM pg_advisory_xact_lock(${LOCK_CLASS}, '${schema}.events'::regclass::oid::integer);
     FOR item IN SELECT * FROM json_array_elements(batch) LOOP
       ord := i;
       i := i + 1;
       expected := item->>'expected';
       SELECT array_agg(e->>'id') INTO ids FROM json_array_elements(item->'events') e;
       SELECT MAX(revision) INTO current_rev FROM ${schema}.events WHERE stream = item->>'stream';
       IF ids IS NOT NULL THEN
         SELECT COUNT(*), MIN(revision),
                bool_and(stream = item->>'stream') AND MAX(revision) - MIN(revision) + 1 = COUNT(*)
           INTO found_count, first_rev, consistent
           FROM ${schema}.events WHERE event_id = ANY(ids);
         IF found_count > 0 THEN
           -- The same events again (a retry after a lost answer): answer as the first time.
           IF found_count = array_length(ids, 1) AND consistent THEN
             SELECT revision, position INTO next_revision, last_position FROM ${schema}.events
               WHERE event_id = ids[array_length(ids, 1)];
             IF next_revision = first_rev + found_count - 1 THEN
               outcome := 'ok';
               RETURN NEXT;
               CONTINUE;
             END IF;
           END IF;
           outcome := 'reused_id'; next_revision := COALESCE(current_rev, -1); last_position := NULL;
           RETURN NEXT;
           CONTINUE;
         END IF;
       END IF;
       IF NOT (expected = 'any'
               OR (expected = 'no_stream' AND current_rev IS NULL)
               OR (expected = 'stream_exists' AND current_rev IS NOT NULL)
               OR (expected ~ '^[0-9]+$' AND current_rev = expected::INTEGER)) THEN
         outcome := 'conflict'; next_revision := COALESCE(current_rev, -1); last_position := NULL;
         RETURN NEXT;
         CONTINUE;
       END IF;
       rev := COALESCE(current_rev, -1);
       pos := NULL;
       FOR ev IN SELECT * FROM json_array_elements(item->'events') LOOP
         rev := rev + 1;
         INSERT INTO ${schema}.events (event_id, stream, revision, type, data, metadata)
           VALUES (ev->>'id', item->>'stream', rev, ev->>'type', ev->'data', ev->'metadata')
           RETURNING position INTO pos;
       END LOOP;
       IF pos IS NULL THEN
         SELECT COALESCE(MAX(position), 0) INTO pos FROM ${schema}.events;
       END IF;
       outcome := 'ok'; next_revision := rev; last_position := pos;
       RETURN NEXT;
     END LOOP;
     PERFORM pg_notify('${NOTIFY_CHANNEL}', '${schema}');
   END
   $fn$`,
];

interface PendingAppend {
  streamName: string;
  events: EventData[];
  expected: ExpectedRevision;
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
}

interface EventRow {
  position: string;
  event_id: string;
  stream: string;
  revision: number;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  created_at: Date;
}

const COLUMNS = 'position, event_id, stream, revision, type, data, metadata, created_at';

function toRecorded(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    streamName: row.stream,
    type: row.type,
    revision: row.revision,
    position: BigInt(row.position),
    data: row.data,
    metadata: row.metadata,
    createdAt: row.created_at,
  };
}

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
 * from several processes serialise on an advisory lock (see SCHEMA_SQL for why). Subscriptions
 * poll by position and are woken by LISTEN/NOTIFY.
 */
export class PostgresEventStore implements EventStore {
  private readonly pool: pg.Pool;
  private readonly schema: string;
  private readonly pollIntervalMs: number;
  private readonly maxBatch: number;
  private ready: Promise<void> | null = null;
  private pending: PendingAppend[] = [];
  private flushing = false;
  private readonly listeners = new Set<() => void>();
  private listener: pg.Client | null = null;
  private listening: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly url: string,
    options: PostgresEventStoreOptions = {},
  ) {
    this.schema = options.schema ?? 'public';
    if (!/^[a-z_][a-z0-9_]*$/.test(this.schema)) throw new Error(`invalid schema name ${this.schema}`);
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.maxBatch = options.maxBatch ?? 500;
    // The lock argument in SCHEMA_SQL relies on each statement seeing commits made before it
    // ran, which READ COMMITTED guarantees whatever the server's default isolation.
    this.pool = new pg.Pool({
      connectionString: url,
      max: 8,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      options: '-c default_transaction_isolation=read\\ committed',
    });
    this.pool.on('error', () => undefined); // a dropped idle connection is replaced on next use
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
    if (this.closed) return Promise.reject(new EventStoreUnavailableError('event store is closed'));
    return new Promise((resolve, reject) => {
      this.pending.push({ streamName, events, expected, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  /** One batch in flight at a time: appends arriving meanwhile form the next batch. */
  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, this.maxBatch);
        await this.commit(batch);
      }
    } finally {
      this.flushing = false;
    }
  }

  private async commit(batch: PendingAppend[]): Promise<void> {
    const payload = JSON.stringify(
      batch.map((a) => ({
        stream: a.streamName,
        expected: String(a.expected),
        events: a.events.map((e) => ({ id: e.id, type: e.type, data: e.data ?? null, metadata: e.metadata ?? {} })),
      })),
    );
    let rows: { ord: number; outcome: string; next_revision: number; last_position: string | null }[];
    try {
      rows = await this.query(`SELECT ord, outcome, next_revision, last_position FROM ${this.schema}.herald_append($1::json)`, [payload]);
    } catch (error) {
      if (!(error instanceof EventStoreUnavailableError) && batch.length > 1) {
        // One bad append (say, text PostgreSQL refuses) must not fail the others: one at a time.
        for (const item of batch) await this.commit([item]);
        return;
      }
      for (const item of batch) item.reject(error);
      return;
    }
    const answered = new Set<number>();
    for (const row of rows) {
      const item = batch[row.ord]!;
      answered.add(row.ord);
      if (row.outcome === 'ok') item.resolve({ nextRevision: row.next_revision, position: BigInt(row.last_position ?? 0) });
      else item.reject(new WrongExpectedRevisionError(item.streamName, item.expected, row.next_revision < 0 ? 'no_stream' : row.next_revision));
    }
    // Never leave a caller waiting, even if the function's answer were short.
    batch.forEach((item, i) => answered.has(i) || item.reject(new Error(`no answer for the append to ${item.streamName}`)));
    for (const listener of this.listeners) listener();
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const limit = options.maxCount ?? null;
    const rows =
      options.direction === 'backwards'
        ? await this.query<EventRow>(
            `SELECT ${COLUMNS} FROM ${this.schema}.events WHERE stream = $1 AND revision <= $2 ORDER BY revision DESC LIMIT $3`,
            [streamName, options.fromRevision ?? 2_147_483_647, limit],
          )
        : await this.query<EventRow>(
            `SELECT ${COLUMNS} FROM ${this.schema}.events WHERE stream = $1 AND revision >= $2 ORDER BY revision ASC LIMIT $3`,
            [streamName, options.fromRevision ?? 0, limit],
          );
    return rows.map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const limit = options.maxCount ?? 1000;
    const rows =
      options.direction === 'backwards'
        ? options.after === undefined
          ? await this.query<EventRow>(`SELECT ${COLUMNS} FROM ${this.schema}.events ORDER BY position DESC LIMIT $1`, [limit])
          : await this.query<EventRow>(`SELECT ${COLUMNS} FROM ${this.schema}.events WHERE position < $1 ORDER BY position DESC LIMIT $2`, [options.after.toString(), limit])
        : await this.query<EventRow>(`SELECT ${COLUMNS} FROM ${this.schema}.events WHERE position > $1 ORDER BY position ASC LIMIT $2`, [(options.after ?? 0n).toString(), limit]);
    return rows.map(toRecorded);
  }

  /** One LISTEN connection per store wakes every subscription; polling covers its absence. */
  private listen(): void {
    if (this.listening || this.closed) return;
    this.listening = (async () => {
      const client = new pg.Client({ connectionString: this.url });
      client.on('error', () => this.dropListener(client));
      client.on('end', () => this.dropListener(client));
      client.on('notification', (message) => {
        if (message.payload === this.schema) for (const wake of this.listeners) wake();
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
    let after = options.after ?? 0n;
    let stopped = false;
    let dirty = false;
    let wake: (() => void) | null = null;
    const onAppend = (): void => {
      dirty = true;
      wake?.();
    };
    this.listeners.add(onAppend);
    const events = async function* (this: PostgresEventStore): AsyncGenerator<RecordedEvent> {
      try {
        while (!stopped && !this.closed) {
          this.listen();
          dirty = false;
          const batch = await this.readAll({ after, maxCount: 512 });
          if (batch.length === 0) {
            if (dirty) continue;
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, this.pollIntervalMs);
              wake = () => {
                clearTimeout(timer);
                resolve();
              };
            });
            wake = null;
            continue;
          }
          for (const event of batch) {
            after = event.position;
            if (matchesFilter(event, options.filter)) yield event;
            if (stopped) return;
          }
        }
      } finally {
        this.listeners.delete(onAppend);
      }
    };
    const iterator = events.call(this);
    return {
      [Symbol.asyncIterator]: () => iterator,
      close: async () => {
        stopped = true;
        wake?.();
        await iterator.return(undefined);
      },
    };
  }

  async headPosition(): Promise<bigint> {
    const [row] = await this.query<{ position: string | null }>(`SELECT MAX(position) AS position FROM ${this.schema}.events`);
    return BigInt(row?.position ?? 0);
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Appends already accepted into a batch are committed first.
    while (this.flushing || this.pending.length > 0) {
      if (!this.flushing) void this.flush();
      await new Promise((r) => setTimeout(r, 5));
    }
    this.closed = true;
    for (const wake of this.listeners) wake();
    await this.listening;
    await this.listener?.end().catch(() => undefined);
    await this.pool.end();
  }
}
