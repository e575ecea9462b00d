import { Inject, NotFoundException } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { READ_MODEL_DB, type ReadModelDb } from '../../read-models/read-model-db.port.js';
import { NOTIFICATION_STATUS_RUNNER } from '../../read-models/read-models.module.js';
import type { ProjectionRunner } from '../../../projections/projection-runner.js';
import { GetNotificationQuery, type DeliveryView, type DigestView, type NotificationView } from './get-notification.query.js';

interface NotificationRow {
  notification_id: string;
  user_id: string;
  category: string;
  status: string;
  app_key: string | null;
  template_id: string | null;
  priority: string;
  idempotency_key: string | null;
  send_at: string | null;
  requested_at: string;
  suppressed: string;
  digest_id: string | null;
}

interface DigestRow {
  digest_id: string;
  user_id: string;
  category: string;
  template_id: string;
  status: string;
  channels: string;
  opened_at: string;
  window_ends_at: string;
  flushed_at: string | null;
  item_count: number | null;
}

interface DeliveryRow {
  delivery_id: string;
  channel: string;
  queue: string;
  status: string;
  attempts: number;
  provider: string | null;
  provider_message_id: string | null;
  last_error: string | null;
  failure_reason: string | null;
  next_attempt_at: string | null;
  due_at: string | null;
  updated_at: string;
  sent_at: string | null;
}

/** Once every delivery has ended, the notification's status says how. */
export function overallStatus(decided: string, deliveries: string[]): string {
  if (deliveries.length === 0 || deliveries.some((s) => !['sent', 'failed', 'canceled'].includes(s))) return decided;
  if (deliveries.every((s) => s === 'sent')) return 'sent';
  if (deliveries.some((s) => s === 'sent')) return 'partially_sent';
  return deliveries.every((s) => s === 'canceled') ? 'canceled' : 'failed';
}

/**
 * Served from the notification_status read model. A notification accepted a moment ago may
 * not be projected yet: on a miss, wait (briefly) for the projection to reach the log's head.
 */
@QueryHandler(GetNotificationQuery)
export class GetNotificationHandler implements IQueryHandler<GetNotificationQuery> {
  constructor(
    @Inject(READ_MODEL_DB) private readonly db: ReadModelDb,
    @Inject(NOTIFICATION_STATUS_RUNNER) private readonly projection: ProjectionRunner,
  ) {}

  async execute({ notificationId }: GetNotificationQuery): Promise<NotificationView> {
    let row = await this.find(notificationId);
    if (!row && (await this.projection.caughtUpWithLog())) row = await this.find(notificationId);
    if (!row) {
      const digest = await this.digest(notificationId);
      if (digest) return digest.asNotification;
      throw new NotFoundException({ statusCode: 404, error: 'Not Found', message: `no notification ${notificationId}` });
    }
    const deliveries = await this.deliveriesOf(notificationId);
    // An item canceled out of its digest was not carried by the digest's deliveries.
    const removed = row.status === 'canceled';
    const found = row.digest_id ? (await this.digest(row.digest_id))?.view : undefined;
    const digest = found && removed ? { ...found, deliveries: [] } : found;
    return {
      notificationId: row.notification_id,
      userId: row.user_id,
      category: row.category,
      status: overallStatus(row.status, [...deliveries, ...(digest?.deliveries ?? [])].map((d) => d.status)),
      templateId: row.template_id,
      priority: row.priority,
      idempotencyKey: row.idempotency_key,
      sendAt: row.send_at,
      requestedAt: row.requested_at,
      requestedBy: row.app_key,
      suppressed: JSON.parse(row.suppressed),
      deliveries,
      ...(digest ? { digest } : {}),
    };
  }

  private async deliveriesOf(notificationId: string): Promise<DeliveryView[]> {
    const rows = await this.db.query<DeliveryRow>(
      'SELECT delivery_id, channel, queue, status, attempts, provider, provider_message_id, last_error, failure_reason, next_attempt_at, due_at, updated_at, sent_at FROM deliveries WHERE notification_id = $1 ORDER BY length(delivery_id), delivery_id',
      [notificationId],
    );
    return rows.map((d) => ({
      deliveryId: d.delivery_id,
      channel: d.channel,
      queue: d.queue,
      status: d.status,
      attempts: Number(d.attempts),
      provider: d.provider,
      providerMessageId: d.provider_message_id,
      lastError: d.last_error,
      failureReason: d.failure_reason,
      nextAttemptAt: d.next_attempt_at,
      dueAt: d.due_at,
      updatedAt: d.updated_at,
      sentAt: d.sent_at,
    }));
  }

  /** A digest, as an item's view shows it, and as the view of its own id (its deliveries are known by it). */
  private async digest(digestId: string): Promise<{ view: DigestView; asNotification: NotificationView } | undefined> {
    const [row] = await this.db.query<DigestRow>('SELECT * FROM digests WHERE digest_id = $1', [digestId]);
    if (!row) return undefined;
    const view: DigestView = {
      digestId: row.digest_id,
      status: row.status,
      channels: JSON.parse(row.channels),
      openedAt: row.opened_at,
      windowEndsAt: row.window_ends_at,
      flushedAt: row.flushed_at,
      itemCount: row.item_count === null ? null : Number(row.item_count),
      deliveries: await this.deliveriesOf(digestId),
    };
    const decided = { open: 'digested', empty: 'canceled' }[row.status] ?? 'accepted';
    const asNotification: NotificationView = {
      notificationId: digestId,
      userId: row.user_id,
      category: row.category,
      status: overallStatus(decided, view.deliveries.map((d) => d.status)),
      templateId: row.template_id,
      priority: 'normal',
      idempotencyKey: null,
      sendAt: null,
      requestedAt: row.flushed_at ?? row.opened_at,
      requestedBy: null,
      suppressed: [],
      deliveries: view.deliveries,
      digest: view,
    };
    return { view, asNotification };
  }

  private async find(id: string): Promise<NotificationRow | undefined> {
    const [row] = await this.db.query<NotificationRow>('SELECT * FROM notifications WHERE notification_id = $1', [id]);
    return row;
  }
}
