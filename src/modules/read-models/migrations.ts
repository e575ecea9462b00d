/**
 * One set of migrations for SQLite and PostgreSQL: plain SQL both accept. Applied in order,
 * each once, recorded in schema_migrations.
 */
export const MIGRATIONS: { id: number; name: string; sql: string[] }[] = [
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
];
