import { randomUUID } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import { ownerOnlyDatabaseFile } from '../data-dir/owner-only.js';
import type { ChannelQueue } from '../queues/queue.port.js';
import type { ChannelProvider, OutboundMessage, SendResult } from './provider.port.js';

export interface OutboxEntry {
  id: string;
  queue: string;
  deliveryId: string;
  notificationId: string;
  userId: string;
  target: unknown;
  message: unknown;
  recordedAt: string;
}

/**
 * Where messages go when a channel has no provider credentials: an outbox table that records
 * exactly what would have been sent, so the embedded profile works end to end.
 */
export class SandboxOutbox {
  private readonly db: DatabaseSync;

  constructor(file: string) {
    if (file !== ':memory:') ownerOnlyDatabaseFile(file);
    this.db = new DatabaseSync(file, { timeout: 5000 });
    this.db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
      CREATE TABLE IF NOT EXISTS outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, queue TEXT NOT NULL, delivery_id TEXT NOT NULL,
        notification_id TEXT NOT NULL, user_id TEXT NOT NULL, target TEXT NOT NULL, message TEXT NOT NULL, recorded_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX IF NOT EXISTS outbox_user ON outbox (user_id, seq);`);
  }

  record(queue: string, message: OutboundMessage): string {
    const id = `sandbox-${randomUUID()}`;
    this.db
      .prepare('INSERT INTO outbox (id, queue, delivery_id, notification_id, user_id, target, message, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, queue, message.deliveryId, message.notificationId, message.userId, JSON.stringify(message.target), JSON.stringify(message.message), new Date().toISOString());
    return id;
  }

  list(filter: { queue?: string; userId?: string; notificationId?: string; limit: number; after?: number }): (OutboxEntry & { seq: number })[] {
    const conditions: [string, string | number | undefined][] = [
      ['seq > ?', filter.after ?? 0],
      ['queue = ?', filter.queue],
      ['user_id = ?', filter.userId],
      ['notification_id = ?', filter.notificationId],
    ];
    const used = conditions.filter(([, value]) => value !== undefined) as [string, string | number][];
    const where = used.map(([sql]) => sql);
    const params = used.map(([, value]) => value);
    const rows = this.db.prepare(`SELECT * FROM outbox WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`).all(...params, filter.limit) as Record<string, string | number>[];
    return rows.map((r) => ({
      seq: Number(r.seq),
      id: String(r.id),
      queue: String(r.queue),
      deliveryId: String(r.delivery_id),
      notificationId: String(r.notification_id),
      userId: String(r.user_id),
      target: JSON.parse(String(r.target)),
      message: JSON.parse(String(r.message)),
      recordedAt: String(r.recorded_at),
    }));
  }

  close(): void {
    this.db.close();
  }
}

export class SandboxProvider implements ChannelProvider {
  readonly name = 'sandbox';

  constructor(
    readonly queue: ChannelQueue,
    private readonly outbox: SandboxOutbox,
  ) {}

  async send(message: OutboundMessage): Promise<SendResult> {
    return { providerMessageId: this.outbox.record(this.queue, message) };
  }

  async close(): Promise<void> {}
}
