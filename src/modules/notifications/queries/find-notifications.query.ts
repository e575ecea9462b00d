import { Query } from '@nestjs/cqrs';

/** A line of a list of notifications: enough to pick one and open its story. */
export interface NotificationSummary {
  notificationId: string;
  userId: string;
  category: string;
  /** As GET /v1/notifications/:id says it. */
  status: string;
  templateId: string | null;
  idempotencyKey: string | null;
  requestedAt: string;
  requestedBy: string | null;
}

/** The latest notifications of a user, or those asked with an idempotency key (the key is the caller's, per user), newest first. */
export class FindNotificationsQuery extends Query<NotificationSummary[]> {
  constructor(
    readonly by: { userId: string } | { idempotencyKey: string },
    readonly limit = 50,
  ) {
    super();
  }
}
