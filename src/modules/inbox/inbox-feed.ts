import { Inject, Injectable } from '@nestjs/common';
import type { InboxState } from '../../domain/notification/inbox.js';
import { READ_MODEL_DB, type ReadModelDb, type SqlValue } from '../read-models/read-model-db.port.js';
import { POSITION_TEXT, positionKey } from '../read-models/log-position.js';

/** One item of a user's feed, as the subscriber API shows it. */
export interface InboxItemView {
  id: string;
  notificationId: string;
  category: string;
  title: string | null;
  body: string | null;
  actionUrl: string | null;
  data: Record<string, string> | null;
  state: InboxState;
  createdAt: string;
  seenAt: string | null;
  readAt: string | null;
  archivedAt: string | null;
}

export interface InboxCounts {
  /** Items in the feed not read yet (unseen or seen; archived ones are out of the feed). */
  unread: number;
  /** Items in the feed never shown. */
  unseen: number;
}

/** A change to one item, for the live stream: the item as it is now, at the log position that last changed it. */
export interface InboxChange {
  userId: string;
  position: bigint;
  item: InboxItemView;
}

/** Which items a page lists: one state, `unread` (unseen or seen), `all`, or by default every one not archived. */
export const STATE_FILTERS = ['unseen', 'seen', 'read', 'archived', 'unread', 'all'] as const;
export type StateFilter = (typeof STATE_FILTERS)[number];

export interface FeedQuery {
  state?: StateFilter;
  category?: string;
  /** The `next` of the page before: items older than it. */
  cursor?: string;
  limit: number;
}

export interface FeedPage {
  items: InboxItemView[];
  counts: InboxCounts;
  /** The cursor of the next (older) page; null on the last. */
  next: string | null;
}

interface Row {
  item_id: string;
  notification_id: string;
  user_id: string;
  category: string;
  title: string | null;
  body: string | null;
  action_url: string | null;
  data: string | null;
  state: InboxState;
  added_at: string;
  seen_at: string | null;
  read_at: string | null;
  archived_at: string | null;
  added_position: string | number | bigint;
  position: string | number | bigint;
}

const COLUMNS = 'item_id, notification_id, user_id, category, title, body, action_url, data, state, added_at, seen_at, read_at, archived_at, added_position, position';
const STATE_WHERE: Record<StateFilter | 'default', string> = {
  default: `state <> 'archived'`,
  all: '1 = 1',
  unread: `state IN ('unseen', 'seen')`,
  unseen: `state = 'unseen'`,
  seen: `state = 'seen'`,
  read: `state = 'read'`,
  archived: `state = 'archived'`,
};
/** A cursor is an item's place in the log: digits only, so it is never SQL or anything else. */
export const CURSOR = POSITION_TEXT;
const CHUNK = 500;

export const viewOf = (r: Row): InboxItemView => ({
  id: r.item_id,
  notificationId: r.notification_id,
  category: r.category,
  title: r.title,
  body: r.body,
  actionUrl: r.action_url,
  data: r.data === null ? null : (JSON.parse(r.data) as Record<string, string>),
  state: r.state,
  createdAt: r.added_at,
  seenAt: r.seen_at,
  readAt: r.read_at,
  archivedAt: r.archived_at,
});

/** Reads the feed read model (inbox_items), for the subscriber API and the live stream. Every query names the user. */
@Injectable()
export class InboxFeed {
  constructor(@Inject(READ_MODEL_DB) private readonly db: ReadModelDb) {}

  /** Newest first, a page at a time. */
  async page(userId: string, query: FeedQuery): Promise<FeedPage> {
    const params: SqlValue[] = [userId];
    let where = `user_id = $1 AND ${STATE_WHERE[query.state ?? 'default']}`;
    if (query.category) {
      params.push(query.category);
      where += ` AND category = $${params.length}`;
    }
    if (query.cursor) {
      params.push(positionKey(BigInt(query.cursor)));
      where += ` AND added_position < $${params.length}`;
    }
    params.push(query.limit + 1);
    const rows = await this.db.query<Row>(`SELECT ${COLUMNS} FROM inbox_items WHERE ${where} ORDER BY added_position DESC LIMIT $${params.length}`, params);
    const items = rows.slice(0, query.limit);
    const next = rows.length > query.limit ? BigInt(items[items.length - 1]!.added_position).toString() : null;
    return { items: items.map(viewOf), counts: await this.counts(userId), next };
  }

  async counts(userId: string): Promise<InboxCounts> {
    return (await this.countsOf([userId])).get(userId)!;
  }

  /** Counts for many users in few queries (a live broadcast reaches thousands at once). */
  async countsOf(userIds: readonly string[]): Promise<Map<string, InboxCounts>> {
    const counts = new Map<string, InboxCounts>(userIds.map((u) => [u, { unread: 0, unseen: 0 }]));
    for (let i = 0; i < userIds.length; i += CHUNK) {
      const chunk = userIds.slice(i, i + CHUNK);
      const rows = await this.db.query<{ user_id: string; unread: string | number; unseen: string | number }>(
        `SELECT user_id, COUNT(*) AS unread, SUM(CASE WHEN state = 'unseen' THEN 1 ELSE 0 END) AS unseen
         FROM inbox_items WHERE user_id IN (${chunk.map((_, n) => `$${n + 1}`).join(', ')}) AND state IN ('unseen', 'seen') GROUP BY user_id`,
        chunk,
      );
      for (const r of rows) counts.set(r.user_id, { unread: Number(r.unread), unseen: Number(r.unseen) });
    }
    return counts;
  }

  /** The item, only if it is in this user's feed. */
  async item(userId: string, itemId: string): Promise<InboxItemView | null> {
    const [row] = await this.db.query<Row>(`SELECT ${COLUMNS} FROM inbox_items WHERE item_id = $1 AND user_id = $2`, [itemId, userId]);
    return row ? viewOf(row) : null;
  }

  /** Ids of the user's unread items, oldest first, at most `limit`. */
  async unreadIds(userId: string, limit: number): Promise<{ id: string; notificationId: string }[]> {
    const rows = await this.db.query<{ item_id: string; notification_id: string }>(
      `SELECT item_id, notification_id FROM inbox_items WHERE user_id = $1 AND state IN ('unseen', 'seen') ORDER BY added_position LIMIT $2`,
      [userId, limit],
    );
    return rows.map((r) => ({ id: r.item_id, notificationId: r.notification_id }));
  }

  /** Every change after `after`, in log order, across all users: what the live stream polls. */
  changes(after: bigint, limit: number): Promise<InboxChange[]> {
    return this.changesWhere('position > $1', [positionKey(after)], limit);
  }

  /** One user's changes after `after` (a reconnecting browser's Last-Event-ID), in log order. */
  changesFor(userId: string, after: bigint, limit: number): Promise<InboxChange[]> {
    return this.changesWhere('user_id = $1 AND position > $2', [userId, positionKey(after)], limit);
  }

  private async changesWhere(where: string, params: SqlValue[], limit: number): Promise<InboxChange[]> {
    const rows = await this.db.query<Row>(`SELECT ${COLUMNS} FROM inbox_items WHERE ${where} ORDER BY position LIMIT $${params.length + 1}`, [...params, limit]);
    return rows.map((r) => ({ userId: r.user_id, position: BigInt(r.position), item: viewOf(r) }));
  }

  /** The last change's position (0n: none yet): where a new stream starts watching. */
  head(): Promise<bigint> {
    return this.lastPosition('SELECT MAX(position) AS head FROM inbox_items', []);
  }

  /** The last change to this user's feed (0n: none). */
  headFor(userId: string): Promise<bigint> {
    return this.lastPosition('SELECT MAX(position) AS head FROM inbox_items WHERE user_id = $1', [userId]);
  }

  private async lastPosition(sql: string, params: SqlValue[]): Promise<bigint> {
    const [row] = await this.db.query<{ head: string | number | bigint | null }>(sql, params);
    return row?.head === null || row?.head === undefined ? 0n : BigInt(row.head);
  }
}
