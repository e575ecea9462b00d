import { randomUUID } from 'node:crypto';
import type { ReadModelDb, SqlValue } from '../read-models/read-model-db.port.js';
import type { ChannelQueue } from '../queues/queue.port.js';
import type { OutboundMessage } from './provider.port.js';
import type { OutboxEntry, OutboxFilter, SandboxOutbox } from './sandbox-outbox.port.js';

interface OutboxRow {
  seq: number | string;
  id: string;
  queue: string;
  delivery_id: string;
  notification_id: string;
  user_id: string;
  target: string;
  message: string;
  recorded_at: string;
}

/**
 * The sandbox outbox in the read-model database (SQLite file or PostgreSQL schema), which every
 * process of a deployment shares. It keeps the newest `keep` entries.
 *
 * On PostgreSQL a seq is taken when its insert starts, so an entry may become visible after one
 * with a greater seq: a reader paging with `after` while workers are recording can pass over it.
 */
export class SqlSandboxOutbox implements SandboxOutbox {
  constructor(
    private readonly db: ReadModelDb,
    private readonly keep: number,
  ) {}

  async record(queue: ChannelQueue, message: OutboundMessage): Promise<string> {
    const id = `sandbox-${randomUUID()}`;
    // A transaction of its own: on SQLite a lone statement would join whatever transaction a
    // projection has open on the same connection, and be rolled back with it.
    await this.db.transaction(async (tx) => {
      const [row] = await tx.query<{ seq: number | string }>(
        'INSERT INTO sandbox_outbox (id, queue, delivery_id, notification_id, user_id, target, message, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq',
        [id, queue, message.deliveryId, message.notificationId, message.userId, JSON.stringify(message.target), JSON.stringify(message.message), new Date().toISOString()],
      );
      // The entry that this one pushes out of the newest `keep`, if any: the table stays bounded.
      await tx.execute('DELETE FROM sandbox_outbox WHERE seq <= $1', [Number(row!.seq) - this.keep]);
    });
    return id;
  }

  async list(filter: OutboxFilter): Promise<OutboxEntry[]> {
    const conditions: [string, SqlValue | undefined][] = [
      ['seq >', filter.after ?? 0],
      ['queue =', filter.queue],
      ['user_id =', filter.userId],
      ['notification_id =', filter.notificationId],
    ];
    const used = conditions.filter((c): c is [string, SqlValue] => c[1] !== undefined);
    const where = used.map(([test], i) => `${test} $${i + 1}`).join(' AND ');
    const rows = await this.db.query<OutboxRow>(
      `SELECT seq, id, queue, delivery_id, notification_id, user_id, target, message, recorded_at FROM sandbox_outbox WHERE ${where} ORDER BY seq LIMIT $${used.length + 1}`,
      [...used.map(([, value]) => value), filter.limit],
    );
    return rows.map((r) => ({
      seq: Number(r.seq),
      id: r.id,
      queue: r.queue,
      deliveryId: r.delivery_id,
      notificationId: r.notification_id,
      userId: r.user_id,
      target: JSON.parse(r.target),
      message: JSON.parse(r.message),
      recordedAt: r.recorded_at,
    }));
  }
}
