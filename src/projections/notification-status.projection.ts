import type { NotificationDecision, RecipientEvent } from '../domain/recipient/events.js';
import type { RecordedEvent } from '../modules/event-store/event-store.port.js';
import type { SqlExecutor } from '../modules/read-models/read-model-db.port.js';
import type { Projection } from './projection-runner.js';

type Decision = Extract<RecipientEvent, { type: 'NotificationRequested' | 'NotificationSuppressed' }>;

/** One row per notification and one per delivery; inserts are keyed, so a replay adds nothing. */
export class NotificationStatusProjection implements Projection {
  readonly name = 'notification_status';
  readonly filter = { eventTypes: ['NotificationRequested', 'NotificationSuppressed'] };

  async handle(events: RecordedEvent[], tx: SqlExecutor): Promise<void> {
    for (const event of events) {
      const decision = { type: event.type, data: event.data } as Decision;
      await this.insertNotification(decision.data, decision.type === 'NotificationRequested' ? 'accepted' : 'suppressed', event, tx);
      if (decision.type !== 'NotificationRequested') continue;
      const d = decision.data;
      for (const delivery of d.deliveries) {
        await tx.execute(
          `INSERT INTO deliveries (delivery_id, notification_id, user_id, channel, queue, target, status, attempts, requested_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $8) ON CONFLICT (delivery_id) DO NOTHING`,
          [delivery.deliveryId, d.notificationId, d.userId, delivery.channel, delivery.queue, JSON.stringify(delivery.target), d.sendAt ? 'scheduled' : 'queued', d.requestedAt],
        );
      }
    }
  }

  private async insertNotification(d: NotificationDecision, status: string, event: RecordedEvent, tx: SqlExecutor): Promise<void> {
    await tx.execute(
      `INSERT INTO notifications (notification_id, user_id, category, status, app_key, template_id, priority, idempotency_key, send_at, requested_at, suppressed, position)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (notification_id) DO NOTHING`,
      [
        d.notificationId,
        d.userId,
        d.category,
        status,
        typeof event.metadata.appKey === 'string' ? event.metadata.appKey : null,
        d.content.kind === 'template' ? d.content.templateId : null,
        d.priority,
        d.idempotencyKey,
        d.sendAt,
        d.requestedAt,
        JSON.stringify(d.suppressed),
        event.position.toString(),
      ],
    );
  }
}
