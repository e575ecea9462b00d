import { InboxProjection } from './inbox.projection.js';
import { NotificationStatsProjection } from './notification-stats.projection.js';
import { NotificationStatusProjection } from './notification-status.projection.js';
import { BroadcastsProjection } from './broadcasts.projection.js';
import { RecipientsProjection } from './recipients.projection.js';
import { TopicsProjection } from './topics.projection.js';
import type { Projection } from './sql-sink.js';

/**
 * The SQL read models, by name: how to build each projection and which tables it owns (emptied,
 * children first, by `projections rebuild`).
 */
export const SQL_PROJECTIONS = {
  notification_status: { create: (): Projection => new NotificationStatusProjection(), tables: ['deliveries', 'notifications', 'digests'] },
  notification_stats: {
    create: (): Projection => new NotificationStatsProjection(),
    tables: ['notification_stats_latency', 'notification_stats', 'notification_stats_deliveries', 'notification_stats_decisions'],
  },
  recipients: { create: (): Projection => new RecipientsProjection(), tables: ['recipients'] },
  inbox: { create: (): Projection => new InboxProjection(), tables: ['inbox_items'] },
  topics: { create: (): Projection => new TopicsProjection(), tables: ['topic_subscribers', 'topics'] },
  broadcasts: { create: (): Projection => new BroadcastsProjection(), tables: ['broadcast_deliveries', 'broadcasts'] },
} as const;

export type SqlProjectionName = keyof typeof SQL_PROJECTIONS;
export const SQL_PROJECTION_NAMES = Object.keys(SQL_PROJECTIONS) as SqlProjectionName[];
