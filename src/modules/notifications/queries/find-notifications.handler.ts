import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { READ_MODEL_DB, type ReadModelDb } from '../../read-models/read-model-db.port.js';
import { FindNotificationsQuery, type NotificationSummary } from './find-notifications.query.js';
import { overallStatus } from './get-notification.handler.js';

interface SummaryRow {
  notification_id: string;
  user_id: string;
  category: string;
  status: string;
  template_id: string | null;
  idempotency_key: string | null;
  requested_at: string;
  app_key: string | null;
}

/** Served from the notification_status read model, with each one's status worked out as for a single notification. */
@QueryHandler(FindNotificationsQuery)
export class FindNotificationsHandler implements IQueryHandler<FindNotificationsQuery> {
  constructor(@Inject(READ_MODEL_DB) private readonly db: ReadModelDb) {}

  async execute({ by, limit }: FindNotificationsQuery): Promise<NotificationSummary[]> {
    const [column, value] = 'userId' in by ? ['user_id', by.userId] : ['idempotency_key', by.idempotencyKey];
    const rows = await this.db.query<SummaryRow>(
      `SELECT notification_id, user_id, category, status, template_id, idempotency_key, requested_at, app_key FROM notifications WHERE ${column} = $1 ORDER BY requested_at DESC, notification_id LIMIT $2`,
      [value, limit],
    );
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.notification_id);
    const deliveries = await this.db.query<{ notification_id: string; status: string }>(
      `SELECT notification_id, status FROM deliveries WHERE notification_id IN (${ids.map((_, i) => `$${i + 1}`).join(', ')})`,
      ids,
    );
    return rows.map((r) => ({
      notificationId: r.notification_id,
      userId: r.user_id,
      category: r.category,
      status: overallStatus(r.status, deliveries.filter((d) => d.notification_id === r.notification_id).map((d) => d.status)),
      templateId: r.template_id,
      idempotencyKey: r.idempotency_key,
      requestedAt: r.requested_at,
      requestedBy: r.app_key,
    }));
  }
}
