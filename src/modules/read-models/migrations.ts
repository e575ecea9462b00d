import type { ReadModelDb } from './read-model-db.port.js';

/**
 * One set of migrations for SQLite and PostgreSQL: plain SQL both accept, or, where the two
 * cannot share a statement (an auto-numbered key), one list per dialect. Applied in order,
 * each once, recorded in schema_migrations.
 */
export interface Migration {
  id: number;
  name: string;
  sql: string[] | Record<ReadModelDb['dialect'], string[]>;
}

export const statementsOf = (migration: Migration, dialect: ReadModelDb['dialect']): string[] => (Array.isArray(migration.sql) ? migration.sql : migration.sql[dialect]);

const SANDBOX_OUTBOX_COLUMNS = `id TEXT NOT NULL,
         queue TEXT NOT NULL,
         delivery_id TEXT NOT NULL,
         notification_id TEXT NOT NULL,
         user_id TEXT NOT NULL,
         target TEXT NOT NULL,
         message TEXT NOT NULL,
         recorded_at TEXT NOT NULL`;
const SANDBOX_OUTBOX_INDEXES = [
  `CREATE INDEX IF NOT EXISTS sandbox_outbox_user ON sandbox_outbox (user_id, seq)`,
  `CREATE INDEX IF NOT EXISTS sandbox_outbox_notification ON sandbox_outbox (notification_id, seq)`,
];

/** The tables whose log positions migration 15 turns from BIGINT into text: their columns with either. */
const inboxItemsColumns = (position: 'BIGINT' | 'TEXT') => `item_id TEXT PRIMARY KEY,
         notification_id TEXT NOT NULL,
         user_id TEXT NOT NULL,
         category TEXT NOT NULL,
         title TEXT,
         body TEXT,
         action_url TEXT,
         data TEXT,
         state TEXT NOT NULL,
         added_at TEXT NOT NULL,
         seen_at TEXT,
         read_at TEXT,
         archived_at TEXT,
         added_position ${position} NOT NULL,
         position ${position} NOT NULL`;
const topicSubscribersColumns = (position: 'BIGINT' | 'TEXT') => `topic_key TEXT NOT NULL,
         user_id TEXT NOT NULL,
         subscribed INTEGER NOT NULL,
         subscribed_at TEXT NOT NULL,
         position ${position} NOT NULL,
         PRIMARY KEY (topic_key, user_id)`;
/** Where a broadcast member's delivery stands, as `broadcast_deliveries.status` and the counts on its broadcast's row. */
export const BROADCAST_DELIVERY_STATUSES = ['pending', 'sent', 'failed', 'canceled'] as const;

const broadcastsColumns = (position: 'BIGINT' | 'TEXT') => `broadcast_id TEXT PRIMARY KEY,
         app_key TEXT,
         category TEXT NOT NULL,
         audience_kind TEXT NOT NULL,
         topic_key TEXT,
         status TEXT NOT NULL,
         audience_size INTEGER,
         pages INTEGER NOT NULL DEFAULT 0,
         decided INTEGER NOT NULL DEFAULT 0,
         accepted INTEGER NOT NULL DEFAULT 0,
         unknown_user INTEGER NOT NULL DEFAULT 0,
         suppressed TEXT NOT NULL,
         requested_at TEXT NOT NULL,
         started_at TEXT,
         canceled_at TEXT,
         finished_at TEXT,
         position ${position} NOT NULL`;

export const MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: 'notifications and deliveries',
    sql: [
      `CREATE TABLE IF NOT EXISTS projection_checkpoints (
         name TEXT PRIMARY KEY,
         position TEXT NOT NULL,
         updated_at TEXT NOT NULL
       )`,
      `CREATE TABLE IF NOT EXISTS notifications (
         notification_id TEXT PRIMARY KEY,
         user_id TEXT NOT NULL,
         category TEXT NOT NULL,
         status TEXT NOT NULL,
         app_key TEXT,
         template_id TEXT,
         priority TEXT NOT NULL,
         idempotency_key TEXT,
         send_at TEXT,
         requested_at TEXT NOT NULL,
         suppressed TEXT NOT NULL,
         position TEXT NOT NULL
       )`,
      `CREATE INDEX IF NOT EXISTS notifications_user ON notifications (user_id, requested_at)`,
      `CREATE TABLE IF NOT EXISTS deliveries (
         delivery_id TEXT PRIMARY KEY,
         notification_id TEXT NOT NULL,
         user_id TEXT NOT NULL,
         channel TEXT NOT NULL,
         queue TEXT NOT NULL,
         target TEXT NOT NULL,
         status TEXT NOT NULL,
         attempts INTEGER NOT NULL,
         provider_message_id TEXT,
         last_error TEXT,
         requested_at TEXT NOT NULL,
         updated_at TEXT NOT NULL,
         sent_at TEXT
       )`,
      `CREATE INDEX IF NOT EXISTS deliveries_notification ON deliveries (notification_id)`,
    ],
  },
  {
    id: 2,
    name: 'delivery outcomes',
    sql: [
      `ALTER TABLE deliveries ADD COLUMN provider TEXT`,
      `ALTER TABLE deliveries ADD COLUMN failure_reason TEXT`,
      `ALTER TABLE deliveries ADD COLUMN next_attempt_at TEXT`,
    ],
  },
  {
    id: 3,
    name: 'decision stream revision',
    sql: [`ALTER TABLE notifications ADD COLUMN stream_revision INTEGER`],
  },
  {
    id: 4,
    name: 'projection leases',
    sql: [
      `CREATE TABLE IF NOT EXISTS projection_leases (
         name TEXT PRIMARY KEY,
         holder TEXT NOT NULL,
         expires_at BIGINT NOT NULL
       )`,
    ],
  },
  {
    id: 5,
    name: 'notification stats',
    sql: [
      // One row per day (of the request, UTC), channel, category, template ('' = inline
      // content) and client (app_key, '' = unknown). Counters count deliveries; suppressions
      // count suppressed channels of a notification.
      `CREATE TABLE IF NOT EXISTS notification_stats (
         day TEXT NOT NULL,
         channel TEXT NOT NULL,
         category TEXT NOT NULL,
         template_id TEXT NOT NULL,
         app_key TEXT NOT NULL,
         requested INTEGER NOT NULL DEFAULT 0,
         suppressed_opted_out INTEGER NOT NULL DEFAULT 0,
         suppressed_rate_limited INTEGER NOT NULL DEFAULT 0,
         suppressed_duplicate INTEGER NOT NULL DEFAULT 0,
         suppressed_no_target INTEGER NOT NULL DEFAULT 0,
         sent INTEGER NOT NULL DEFAULT 0,
         failed INTEGER NOT NULL DEFAULT 0,
         retried INTEGER NOT NULL DEFAULT 0,
         canceled INTEGER NOT NULL DEFAULT 0,
         opened INTEGER NOT NULL DEFAULT 0,
         clicked INTEGER NOT NULL DEFAULT 0,
         converted INTEGER NOT NULL DEFAULT 0,
         PRIMARY KEY (day, channel, category, template_id, app_key)
       )`,
      // Request-to-sent latency as a log-bucket histogram per stats row: mergeable by summing.
      `CREATE TABLE IF NOT EXISTS notification_stats_latency (
         day TEXT NOT NULL,
         channel TEXT NOT NULL,
         category TEXT NOT NULL,
         template_id TEXT NOT NULL,
         app_key TEXT NOT NULL,
         bucket INTEGER NOT NULL,
         count INTEGER NOT NULL,
         PRIMARY KEY (day, channel, category, template_id, app_key, bucket)
       )`,
      // What each delivery has already been counted for, so a replay counts nothing twice.
      `CREATE TABLE IF NOT EXISTS notification_stats_deliveries (
         delivery_id TEXT PRIMARY KEY,
         notification_id TEXT NOT NULL,
         day TEXT NOT NULL,
         channel TEXT NOT NULL,
         category TEXT NOT NULL,
         template_id TEXT NOT NULL,
         app_key TEXT NOT NULL,
         due_at TEXT NOT NULL,
         outcome TEXT,
         retries INTEGER NOT NULL DEFAULT 0,
         opened INTEGER NOT NULL DEFAULT 0,
         clicked INTEGER NOT NULL DEFAULT 0,
         converted INTEGER NOT NULL DEFAULT 0
       )`,
      `CREATE TABLE IF NOT EXISTS notification_stats_decisions (
         notification_id TEXT PRIMARY KEY
       )`,
    ],
  },
  {
    id: 6,
    name: 'failovers in the stats',
    sql: [`ALTER TABLE notification_stats ADD COLUMN failed_over INTEGER NOT NULL DEFAULT 0`],
  },
  {
    id: 7,
    name: 'sandbox outbox',
    // What the sandbox provider of every worker recorded, where every API process reads it.
    // Not a projection: nothing rebuilds it. seq only grows (AUTOINCREMENT never reuses one).
    sql: {
      sqlite: [`CREATE TABLE IF NOT EXISTS sandbox_outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, ${SANDBOX_OUTBOX_COLUMNS})`, ...SANDBOX_OUTBOX_INDEXES],
      postgres: [`CREATE TABLE IF NOT EXISTS sandbox_outbox (seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, ${SANDBOX_OUTBOX_COLUMNS})`, ...SANDBOX_OUTBOX_INDEXES],
    },
  },
  {
    id: 8,
    name: 'recipients',
    sql: [
      `CREATE TABLE IF NOT EXISTS recipients (
         user_id TEXT PRIMARY KEY,
         email TEXT,
         phone TEXT,
         locale TEXT,
         timezone TEXT,
         updated_at TEXT NOT NULL,
         stream_revision INTEGER NOT NULL
       )`,
      `CREATE INDEX IF NOT EXISTS recipients_phone ON recipients (phone)`,
    ],
  },
  {
    id: 9,
    name: 'delivery due time',
    // Rows projected before it keep NULL until `projections rebuild notification_status`.
    sql: [`ALTER TABLE deliveries ADD COLUMN due_at TEXT`],
  },
  {
    id: 10,
    name: 'digests',
    // Rows projected before it have no digests: there were none.
    sql: [
      `ALTER TABLE notifications ADD COLUMN digest_id TEXT`,
      `CREATE INDEX IF NOT EXISTS notifications_digest ON notifications (digest_id)`,
      `CREATE TABLE IF NOT EXISTS digests (
         digest_id TEXT PRIMARY KEY,
         user_id TEXT NOT NULL,
         category TEXT NOT NULL,
         template_id TEXT NOT NULL,
         channels TEXT NOT NULL,
         status TEXT NOT NULL,
         opened_at TEXT NOT NULL,
         window_ends_at TEXT NOT NULL,
         item_count INTEGER,
         flush_reason TEXT,
         flushed_at TEXT
       )`,
      `ALTER TABLE notification_stats ADD COLUMN digested INTEGER NOT NULL DEFAULT 0`,
      `ALTER TABLE notification_stats ADD COLUMN digests INTEGER NOT NULL DEFAULT 0`,
    ],
  },
  {
    id: 11,
    name: 'inbox items',
    // Each user's in-app feed. `position` is the log position of the last event that changed the
    // row: the live stream's change feed (every API process polls it) and its SSE event ids.
    sql: [
      `CREATE TABLE IF NOT EXISTS inbox_items (${inboxItemsColumns('BIGINT')})`,
      `CREATE INDEX IF NOT EXISTS inbox_items_feed ON inbox_items (user_id, added_position)`,
      `CREATE INDEX IF NOT EXISTS inbox_items_state ON inbox_items (user_id, state)`,
      `CREATE INDEX IF NOT EXISTS inbox_items_changes ON inbox_items (position)`,
      `CREATE INDEX IF NOT EXISTS inbox_items_user_changes ON inbox_items (user_id, position)`,
    ],
  },
  {
    id: 12,
    name: 'console sessions and lookups',
    // Not a projection: sessions of the operator console, kept by every API process alike. Only
    // the SHA-256 of a session id is stored, so a copy of the table signs no one in.
    sql: [
      `CREATE TABLE IF NOT EXISTS console_sessions (
         id_hash TEXT PRIMARY KEY,
         app_key TEXT NOT NULL,
         created_at TEXT NOT NULL,
         expires_at BIGINT NOT NULL
       )`,
      `CREATE INDEX IF NOT EXISTS console_sessions_expiry ON console_sessions (expires_at)`,
      // The console finds a notification by the idempotency key its caller gave.
      `CREATE INDEX IF NOT EXISTS notifications_idempotency_key ON notifications (idempotency_key)`,
    ],
  },
  {
    id: 13,
    name: 'topics and their subscribers',
    sql: [
      `CREATE TABLE IF NOT EXISTS topics (
         topic_key TEXT PRIMARY KEY,
         name TEXT NOT NULL,
         description TEXT,
         created_at TEXT NOT NULL,
         updated_at TEXT NOT NULL,
         stream_revision INTEGER NOT NULL
       )`,
      // One row per user and topic they ever joined; subscribed = 0 once they left. position is
      // the log position of the event that set the row, so a replay never moves it back, and a
      // broadcast reads the members who joined at or before its own position.
      `CREATE TABLE IF NOT EXISTS topic_subscribers (${topicSubscribersColumns('BIGINT')})`,
      `CREATE INDEX IF NOT EXISTS topic_subscribers_members ON topic_subscribers (topic_key, subscribed, user_id)`,
      `CREATE INDEX IF NOT EXISTS topic_subscribers_user ON topic_subscribers (user_id, subscribed)`,
    ],
  },
  {
    id: 14,
    name: 'broadcasts',
    sql: [
      `CREATE TABLE IF NOT EXISTS broadcasts (${broadcastsColumns('BIGINT')})`,
      `CREATE INDEX IF NOT EXISTS broadcasts_requested ON broadcasts (requested_at)`,
      // Each delivery of a broadcast member's notification and where it stands: sent and failed are counted here.
      `CREATE TABLE IF NOT EXISTS broadcast_deliveries (
         delivery_id TEXT PRIMARY KEY,
         broadcast_id TEXT NOT NULL,
         notification_id TEXT NOT NULL,
         status TEXT NOT NULL
       )`,
      `CREATE INDEX IF NOT EXISTS broadcast_deliveries_status ON broadcast_deliveries (broadcast_id, status)`,
      // When each user's row was first projected: a broadcast to all reads the users known at its position.
      `ALTER TABLE recipients ADD COLUMN first_position BIGINT`,
    ],
  },
  {
    id: 15,
    name: 'log positions as text',
    // EventStoreDB positions do not fit BIGINT: every column holding a log position becomes the
    // 40-digit text of log-position.ts. SQLite cannot change a column's type: its tables are rebuilt.
    sql: {
      postgres: [
        `ALTER TABLE inbox_items ALTER COLUMN added_position TYPE TEXT USING lpad(added_position::text, 40, '0'), ALTER COLUMN position TYPE TEXT USING lpad(position::text, 40, '0')`,
        `ALTER TABLE topic_subscribers ALTER COLUMN position TYPE TEXT USING lpad(position::text, 40, '0')`,
        `ALTER TABLE broadcasts ALTER COLUMN position TYPE TEXT USING lpad(position::text, 40, '0')`,
        `ALTER TABLE recipients ALTER COLUMN first_position TYPE TEXT USING lpad(first_position::text, 40, '0')`,
      ],
      sqlite: [
        ...rebuiltWithTextPositions('inbox_items', inboxItemsColumns('TEXT'), ['added_position', 'position'], [
          `CREATE INDEX inbox_items_feed ON inbox_items (user_id, added_position)`,
          `CREATE INDEX inbox_items_state ON inbox_items (user_id, state)`,
          `CREATE INDEX inbox_items_changes ON inbox_items (position)`,
          `CREATE INDEX inbox_items_user_changes ON inbox_items (user_id, position)`,
        ]),
        ...rebuiltWithTextPositions('topic_subscribers', topicSubscribersColumns('TEXT'), ['position'], [
          `CREATE INDEX topic_subscribers_members ON topic_subscribers (topic_key, subscribed, user_id)`,
          `CREATE INDEX topic_subscribers_user ON topic_subscribers (user_id, subscribed)`,
        ]),
        ...rebuiltWithTextPositions('broadcasts', broadcastsColumns('TEXT'), ['position'], [`CREATE INDEX broadcasts_requested ON broadcasts (requested_at)`]),
        // Nullable and not indexed: a column of its own, copied, in place of the old one.
        `ALTER TABLE recipients ADD COLUMN first_position_text TEXT`,
        `UPDATE recipients SET first_position_text = printf('%040d', first_position) WHERE first_position IS NOT NULL`,
        `ALTER TABLE recipients DROP COLUMN first_position`,
        `ALTER TABLE recipients RENAME COLUMN first_position_text TO first_position`,
      ],
    },
  },
  {
    id: 16,
    name: 'broadcast delivery and topic subscriber counts',
    // A broadcast's deliveries by status and a topic's subscribers, kept on their rows by the
    // projections: counted on every GET instead, a million-member audience held SQLite (and the
    // embedded profile's only thread) for 40-100 ms per look.
    sql: [
      ...BROADCAST_DELIVERY_STATUSES.map((status) => `ALTER TABLE broadcasts ADD COLUMN deliveries_${status} INTEGER NOT NULL DEFAULT 0`),
      `UPDATE broadcasts SET ${BROADCAST_DELIVERY_STATUSES.map((status) => `deliveries_${status} = (SELECT COUNT(*) FROM broadcast_deliveries d WHERE d.broadcast_id = broadcasts.broadcast_id AND d.status = '${status}')`).join(', ')}`,
      `ALTER TABLE topics ADD COLUMN subscriber_count INTEGER NOT NULL DEFAULT 0`,
      `UPDATE topics SET subscriber_count = (SELECT COUNT(*) FROM topic_subscribers s WHERE s.topic_key = topics.topic_key AND s.subscribed = 1)`,
    ],
  },
];

/**
 * SQLite statements that rebuild `table` (columns as in `columns`, a CREATE TABLE body whose
 * position columns are already TEXT) with each of `positions` copied as 40-digit text, then its indexes.
 */
function rebuiltWithTextPositions(table: string, columns: string, positions: string[], indexes: string[]): string[] {
  const names = columns.split('\n').map((line) => line.trim().split(/\s+/)[0]!).filter((n) => n && n !== 'PRIMARY');
  const copied = names.map((n) => (positions.includes(n) ? `printf('%040d', ${n})` : n));
  return [
    `CREATE TABLE ${table}_rebuilt (${columns})`,
    `INSERT INTO ${table}_rebuilt (${names.join(', ')}) SELECT ${copied.join(', ')} FROM ${table}`,
    `DROP TABLE ${table}`,
    `ALTER TABLE ${table}_rebuilt RENAME TO ${table}`,
    ...indexes,
  ];
}

/**
 * The migrations not yet applied, by ascending id: the list may have gaps, and its order in
 * this file need not be the order of the ids.
 */
export function pendingMigrations(applied: ReadonlySet<number>): Migration[] {
  const ids = MIGRATIONS.map((m) => m.id);
  const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (repeated.length > 0) throw new Error(`read-model migration ids used twice: ${[...new Set(repeated)].join(', ')}`);
  return MIGRATIONS.filter((m) => !applied.has(m.id)).sort((a, b) => a.id - b.id);
}
