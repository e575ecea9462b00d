import { INBOX_EVENT_TYPES, type InboxEvent, type InboxState } from '../domain/notification/inbox.js';
import type { RecordedEvent } from '../modules/event-store/event-store.port.js';
import type { SqlExecutor } from '../modules/read-models/read-model-db.port.js';
import type { Projection } from './sql-sink.js';
import { positionKey } from '../modules/read-models/log-position.js';

/** An item's state as a number, in SQL: a mark only ever moves it up. */
const RANK_SQL = `CASE state WHEN 'unseen' THEN 0 WHEN 'seen' THEN 1 WHEN 'read' THEN 2 ELSE 3 END`;
const RANK: Record<InboxState, number> = { unseen: 0, seen: 1, read: 2, archived: 3 };

/** The column each state's time goes in; reading an item also sees it. */
const STAMPS: Record<Exclude<InboxState, 'unseen'>, string> = {
  seen: 'seen_at = COALESCE(seen_at, $3)',
  read: 'seen_at = COALESCE(seen_at, $3), read_at = COALESCE(read_at, $3)',
  archived: 'archived_at = COALESCE(archived_at, $3)',
};
const STATE_OF = { InboxItemSeen: 'seen', InboxItemRead: 'read', InboxItemArchived: 'archived' } as const;

/**
 * Each user's in-app feed: one row per item (its id is the delivery id), with the item's state.
 * A row's `position` is the log position of the last event that changed it, which makes the
 * table its own change feed: the live stream of every API process polls `position > last`.
 * Replay-safe: an item is inserted once, and a mark moves the state forward only and the
 * position up only, so replaying any part of the log changes no row.
 */
export class InboxProjection implements Projection {
  readonly name = 'inbox';
  readonly filter = { eventTypes: [...INBOX_EVENT_TYPES] };

  async handle(events: RecordedEvent[], tx: SqlExecutor): Promise<void> {
    for (const event of events) {
      const e = { type: event.type, data: event.data } as InboxEvent;
      if (e.type === 'InboxItemAdded') {
        const d = e.data;
        await tx.execute(
          `INSERT INTO inbox_items (item_id, notification_id, user_id, category, title, body, action_url, data, state, added_at, added_position, position)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'unseen', $9, $10, $10) ON CONFLICT (item_id) DO NOTHING`,
          [d.deliveryId, d.notificationId, d.userId, d.category, d.title ?? null, d.body ?? null, d.actionUrl ?? null, d.data ? JSON.stringify(d.data) : null, d.addedAt, positionKey(event.position)],
        );
        continue;
      }
      const state = STATE_OF[e.type];
      await tx.execute(
        `UPDATE inbox_items SET state = $2, ${STAMPS[state]}, position = $4
         WHERE item_id = $1 AND position < $4 AND ${RANK_SQL} < $5`,
        [e.data.deliveryId, state, e.data.at, positionKey(event.position), RANK[state]],
      );
    }
  }
}
