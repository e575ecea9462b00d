import { OUTCOME_EVENT_TYPES, type DeliveryLifecycleEvent } from '../domain/notification/delivery-lifecycle.js';
import { DIGEST_EVENT_TYPES, NOTIFICATION_DECISION_TYPES, type Delivery, type DigestEvent, type NotificationDecision, type RecipientEvent } from '../domain/recipient/events.js';
import { deliveryDueAt } from '../domain/recipient/deferral.js';
import type { RecordedEvent } from '../modules/event-store/event-store.port.js';
import type { SqlExecutor } from '../modules/read-models/read-model-db.port.js';
import type { Projection } from './sql-sink.js';

type Decision = Extract<RecipientEvent, { type: 'NotificationRequested' | 'NotificationSuppressed' }>;

const OPEN = `status NOT IN ('sent', 'failed', 'canceled')`;

/** One row per notification and one per delivery; inserts are keyed, so a replay adds nothing. */
export class NotificationStatusProjection implements Projection {
  readonly name = 'notification_status';
  readonly filter = { eventTypes: [...NOTIFICATION_DECISION_TYPES, ...OUTCOME_EVENT_TYPES, ...DIGEST_EVENT_TYPES] };

  async handle(events: RecordedEvent[], tx: SqlExecutor): Promise<void> {
    for (const event of events) {
      if ((OUTCOME_EVENT_TYPES as readonly string[]).includes(event.type)) {
        await this.applyOutcome({ type: event.type, data: event.data } as DeliveryLifecycleEvent, tx);
        continue;
      }
      if ((DIGEST_EVENT_TYPES as readonly string[]).includes(event.type)) {
        await this.applyDigest({ type: event.type, data: event.data } as DigestEvent, tx);
        continue;
      }
      const decision = { type: event.type, data: event.data } as Decision;
      const d = decision.data;
      const requested = decision.type === 'NotificationRequested';
      await this.insertNotification(d, !requested ? 'suppressed' : d.digested && decision.data.deliveries.length === 0 ? 'digested' : 'accepted', event, tx);
      if (!requested) continue;
      for (const delivery of decision.data.deliveries) await this.insertDelivery(d.notificationId, d.userId, delivery, deliveryDueAt(d, delivery), d.requestedAt, tx);
    }
  }

  private async insertDelivery(notificationId: string, userId: string, delivery: Delivery, dueAt: string | null, requestedAt: string, tx: SqlExecutor): Promise<void> {
    await tx.execute(
      `INSERT INTO deliveries (delivery_id, notification_id, user_id, channel, queue, target, status, attempts, requested_at, updated_at, due_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $8, $9) ON CONFLICT (delivery_id) DO NOTHING`,
      [delivery.deliveryId, notificationId, userId, delivery.channel, delivery.queue, JSON.stringify(delivery.target), dueAt ? 'scheduled' : 'queued', requestedAt, dueAt],
    );
  }

  /** A digest's row, and its deliveries under the digest id (the id of their lifecycle); a canceled item is canceled. */
  private async applyDigest(event: DigestEvent, tx: SqlExecutor): Promise<void> {
    switch (event.type) {
      case 'DigestOpened': {
        const d = event.data;
        await tx.execute(
          `INSERT INTO digests (digest_id, user_id, category, template_id, channels, status, opened_at, window_ends_at) VALUES ($1, $2, $3, $4, $5, 'open', $6, $7) ON CONFLICT (digest_id) DO NOTHING`,
          [d.digestId, d.userId, d.category, d.templateId, JSON.stringify(d.channels), d.openedAt, d.windowEndsAt],
        );
        return;
      }
      case 'DigestItemRemoved':
        await tx.execute(`UPDATE notifications SET status = 'canceled' WHERE notification_id = $1 AND status = 'digested'`, [event.data.notificationId]);
        return;
      case 'DigestFlushed': {
        const d = event.data;
        await tx.execute(`UPDATE digests SET status = $2, item_count = $3, flush_reason = $4, flushed_at = $5 WHERE digest_id = $1`, [
          d.digestId,
          d.deliveries.length > 0 ? 'flushed' : 'empty',
          d.count,
          d.reason,
          d.flushedAt,
        ]);
        for (const delivery of d.deliveries) await this.insertDelivery(d.digestId, d.userId, delivery, delivery.deferred?.until ?? null, d.flushedAt, tx);
        return;
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
      `INSERT INTO notifications (notification_id, user_id, category, status, app_key, template_id, priority, idempotency_key, send_at, requested_at, suppressed, position, stream_revision, digest_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (notification_id) DO NOTHING`,
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
        d.digested?.digestId ?? null,
      ],
    );
  }
}
