import type { BroadcastEvent } from '../domain/broadcast/broadcast.js';
import type { NotificationDecisionEvent } from '../domain/recipient/events.js';
import type { OutcomeEvent } from '../domain/notification/delivery-lifecycle.js';
import type { RecordedEvent } from '../modules/event-store/event-store.port.js';
import type { SqlExecutor } from '../modules/read-models/read-model-db.port.js';
import type { Projection } from './sql-sink.js';
import { positionKey } from '../modules/read-models/log-position.js';
import { BROADCAST_DELIVERY_STATUSES } from '../modules/read-models/migrations.js';

type Data<T extends { type: string; data: unknown }, K extends T['type']> = Extract<T, { type: K }>['data'];

/**
 * Each broadcast's progress: what was asked, the fan-out's pages (counted once each: a page is
 * added only when it is the next one), and where each member delivery stands, with the count of
 * each status kept on the broadcast's row as deliveries move. A replay of any part of the log
 * changes nothing.
 */
export class BroadcastsProjection implements Projection {
  readonly name = 'broadcasts';
  readonly filter = {
    eventTypes: ['BroadcastRequested', 'BroadcastStarted', 'BroadcastPageDecided', 'BroadcastCanceled', 'BroadcastFinished', 'NotificationRequested', 'NotificationSent', 'NotificationFailed', 'NotificationCanceled'],
  };

  async handle(events: RecordedEvent[], tx: SqlExecutor): Promise<void> {
    for (const event of events) await this.apply(event, tx);
  }

  private async apply(event: RecordedEvent, tx: SqlExecutor): Promise<void> {
    switch (event.type) {
      case 'BroadcastRequested': {
        const d = event.data as Data<BroadcastEvent, 'BroadcastRequested'>;
        const appKey = typeof event.metadata.appKey === 'string' ? event.metadata.appKey : null;
        await tx.execute(
          `INSERT INTO broadcasts (broadcast_id, app_key, category, audience_kind, topic_key, status, suppressed, requested_at, position)
           VALUES ($1, $2, $3, $4, $5, 'requested', '{}', $6, $7) ON CONFLICT (broadcast_id) DO NOTHING`,
          [d.broadcastId, appKey, d.category, d.audience.kind, d.audience.kind === 'topic' ? d.audience.topicKey : null, d.requestedAt, positionKey(event.position)],
        );
        return;
      }
      case 'BroadcastStarted': {
        const d = event.data as Data<BroadcastEvent, 'BroadcastStarted'>;
        await tx.execute(`UPDATE broadcasts SET audience_size = $2, started_at = $3, status = CASE WHEN status = 'requested' THEN 'fanning_out' ELSE status END WHERE broadcast_id = $1 AND started_at IS NULL`, [
          d.broadcastId,
          d.audienceSize,
          d.startedAt,
        ]);
        return;
      }
      case 'BroadcastPageDecided': {
        const d = event.data as Data<BroadcastEvent, 'BroadcastPageDecided'>;
        const [row] = await tx.query<{ pages: number; suppressed: string }>('SELECT pages, suppressed FROM broadcasts WHERE broadcast_id = $1', [d.broadcastId]);
        if (!row || Number(row.pages) !== d.page) return;
        const suppressed = JSON.parse(row.suppressed) as Record<string, number>;
        for (const [reason, n] of Object.entries(d.suppressed)) suppressed[reason] = (suppressed[reason] ?? 0) + n;
        await tx.execute(
          `UPDATE broadcasts SET pages = pages + 1, decided = decided + $2, accepted = accepted + $3, unknown_user = unknown_user + $4, suppressed = $5 WHERE broadcast_id = $1`,
          [d.broadcastId, d.decided, d.accepted, d.unknownUser, JSON.stringify(suppressed)],
        );
        return;
      }
      case 'BroadcastCanceled': {
        const d = event.data as Data<BroadcastEvent, 'BroadcastCanceled'>;
        await tx.execute(`UPDATE broadcasts SET status = 'canceling', canceled_at = $2 WHERE broadcast_id = $1 AND canceled_at IS NULL`, [d.broadcastId, d.canceledAt]);
        return;
      }
      case 'BroadcastFinished': {
        const d = event.data as Data<BroadcastEvent, 'BroadcastFinished'>;
        await tx.execute(`UPDATE broadcasts SET status = $2, finished_at = $3 WHERE broadcast_id = $1`, [d.broadcastId, d.outcome, d.finishedAt]);
        return;
      }
      case 'NotificationRequested': {
        const d = event.data as Data<NotificationDecisionEvent, 'NotificationRequested'>;
        if (!d.broadcastId) return;
        let added = 0;
        for (const delivery of d.deliveries) {
          const { changes } = await tx.execute(`INSERT INTO broadcast_deliveries (delivery_id, broadcast_id, notification_id, status) VALUES ($1, $2, $3, 'pending') ON CONFLICT (delivery_id) DO NOTHING`, [
            delivery.deliveryId,
            d.broadcastId,
            d.notificationId,
          ]);
          added += changes;
        }
        if (added > 0) await tx.execute(`UPDATE broadcasts SET deliveries_pending = deliveries_pending + $2 WHERE broadcast_id = $1`, [d.broadcastId, added]);
        return;
      }
      case 'NotificationSent':
      case 'NotificationFailed': {
        const d = event.data as Data<OutcomeEvent, 'NotificationSent'>;
        await this.settle(d.deliveryId, event.type === 'NotificationSent' ? 'sent' : 'failed', tx);
        return;
      }
      case 'NotificationCanceled': {
        const d = event.data as Data<OutcomeEvent, 'NotificationCanceled'>;
        for (const id of d.deliveryIds) await this.settle(id, 'canceled', tx);
        return;
      }
    }
  }

  /** A pending member delivery's outcome, moved from the pending count to its own; any other delivery is left alone. */
  private async settle(deliveryId: string, status: Exclude<(typeof BROADCAST_DELIVERY_STATUSES)[number], 'pending'>, tx: SqlExecutor): Promise<void> {
    const [moved] = await tx.query<{ broadcast_id: string }>(`UPDATE broadcast_deliveries SET status = $2 WHERE delivery_id = $1 AND status = 'pending' RETURNING broadcast_id`, [deliveryId, status]);
    if (moved) await tx.execute(`UPDATE broadcasts SET deliveries_pending = deliveries_pending - 1, deliveries_${status} = deliveries_${status} + 1 WHERE broadcast_id = $1`, [moved.broadcast_id]);
  }
}
