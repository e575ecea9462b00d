import { OUTCOME_EVENT_TYPES, type DeliveryLifecycleEvent } from '../domain/notification/delivery-lifecycle.js';
import { NOTIFICATION_DECISION_TYPES, type NotificationDecision, type RecipientEvent } from '../domain/recipient/events.js';
import { deliveryDueAt } from '../domain/recipient/deferral.js';
import type { RecordedEvent } from '../modules/event-store/event-store.port.js';
import type { SqlExecutor } from '../modules/read-models/read-model-db.port.js';
import type { Projection } from './sql-sink.js';

type Decision = Extract<RecipientEvent, { type: 'NotificationRequested' | 'NotificationSuppressed' }>;

const OPEN = `status NOT IN ('sent', 'failed', 'canceled')`;

/** One row per notification and one per delivery; inserts are keyed, so a replay adds nothing. */
export class NotificationStatusProjection implements Projection {
  readonly name = 'notification_status';
  readonly filter = { eventTypes: [...NOTIFICATION_DECISION_TYPES, ...OUTCOME_EVENT_TYPES] };

  async handle(events: RecordedEvent[], tx: SqlExecutor): Promise<void> {
    for (const event of events) {
      if ((OUTCOME_EVENT_TYPES as readonly string[]).includes(event.type)) {
        await this.applyOutcome({ type: event.type, data: event.data } as DeliveryLifecycleEvent, tx);
        continue;
      }
      const decision = { type: event.type, data: event.data } as Decision;
      await this.insertNotification(decision.data, decision.type === 'NotificationRequested' ? 'accepted' : 'suppressed', event, tx);
      if (decision.type !== 'NotificationRequested') continue;
      const d = decision.data;
      for (const delivery of d.deliveries) {
        const dueAt = deliveryDueAt(d, delivery);
        await tx.execute(
          `INSERT INTO deliveries (delivery_id, notification_id, user_id, channel, queue, target, status, attempts, requested_at, updated_at, due_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $8, $9) ON CONFLICT (delivery_id) DO NOTHING`,
          [delivery.deliveryId, d.notificationId, d.userId, delivery.channel, delivery.queue, JSON.stringify(delivery.target), dueAt ? 'scheduled' : 'queued', d.requestedAt, dueAt],
        );
      }
    }
  }

  /**
   * Outcomes move a delivery forward only: a terminal status is never overwritten and attempts
   * never go back, so replaying any suffix of the log leaves the rows as they were.
   */
  private async applyOutcome(event: DeliveryLifecycleEvent, tx: SqlExecutor): Promise<void> {
    switch (event.type) {
      case 'NotificationSent': {
        const d = event.data;
        await tx.execute(
          `UPDATE deliveries SET status = 'sent', attempts = $2, provider = $3, provider_message_id = $4, sent_at = $5, updated_at = $5 WHERE delivery_id = $1 AND ${OPEN}`,
          [d.deliveryId, d.attempt, d.provider, d.providerMessageId, d.sentAt],
        );
        return;
      }
      case 'NotificationRetried': {
        const d = event.data;
        await tx.execute(
          `UPDATE deliveries SET status = 'retrying', attempts = $2, provider = $3, last_error = $4, next_attempt_at = $5, updated_at = $6 WHERE delivery_id = $1 AND ${OPEN} AND attempts < $2`,
          [d.deliveryId, d.attempt, d.provider, d.error, d.nextAttemptAt, d.retriedAt],
        );
        return;
      }
      case 'NotificationFailed': {
        const d = event.data;
        await tx.execute(
          `UPDATE deliveries SET status = 'failed', attempts = $2, provider = $3, last_error = $4, failure_reason = $5, updated_at = $6 WHERE delivery_id = $1 AND ${OPEN}`,
          [d.deliveryId, d.attempt, d.provider, d.error, d.reason, d.failedAt],
        );
        return;
      }
      case 'NotificationCanceled':
        for (const id of event.data.deliveryIds) {
          await tx.execute(`UPDATE deliveries SET status = 'canceled', updated_at = $2 WHERE delivery_id = $1 AND ${OPEN}`, [id, event.data.canceledAt]);
        }
        return;
    }
  }

  private async insertNotification(d: NotificationDecision, status: string, event: RecordedEvent, tx: SqlExecutor): Promise<void> {
    await tx.execute(
      `INSERT INTO notifications (notification_id, user_id, category, status, app_key, template_id, priority, idempotency_key, send_at, requested_at, suppressed, position, stream_revision)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (notification_id) DO NOTHING`,
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
        event.revision,
      ],
    );
  }
}
