import { keysOf } from '../shared/keys-of.js';

/**
 * The in-app feed's side of a delivery lifecycle: the item an `inapp` delivery put in the
 * user's feed, and what the user did with it. An item only moves forward (unseen -> seen ->
 * read), and may be archived from any state; archived is where it stays.
 */
export const INBOX_STATES = ['unseen', 'seen', 'read', 'archived'] as const;
export type InboxState = (typeof INBOX_STATES)[number];

/** What the user can do to an item: see it (the list was shown), read it (opened), archive it. */
export const INBOX_MARKS = ['seen', 'read', 'archived'] as const;
export type InboxMark = (typeof INBOX_MARKS)[number];

/** The caller's `data` is shown to a browser as it was given: kept small, as a feed is listed often. */
export const MAX_INBOX_DATA_BYTES = 4096;

/** What the feed shows of an item, rendered for the user's locale. */
export interface InboxItemContent {
  title?: string;
  body?: string;
  /** Where the item leads when opened (http or https). */
  actionUrl?: string;
  data?: Record<string, string>;
}

export interface InboxItemAddedData extends InboxItemContent {
  notificationId: string;
  deliveryId: string;
  userId: string;
  category: string;
  addedAt: string;
}

export interface InboxMarkData {
  notificationId: string;
  deliveryId: string;
  userId: string;
  at: string;
}

export type InboxEvent =
  | { type: 'InboxItemAdded'; data: InboxItemAddedData }
  | { type: 'InboxItemSeen'; data: InboxMarkData }
  | { type: 'InboxItemRead'; data: InboxMarkData }
  | { type: 'InboxItemArchived'; data: InboxMarkData };

export const INBOX_EVENT_TYPES = keysOf({
  InboxItemAdded: true,
  InboxItemSeen: true,
  InboxItemRead: true,
  InboxItemArchived: true,
} satisfies Record<InboxEvent['type'], true>);

/** The state each mark leads to, and the event that records it. */
export const MARKED: Record<InboxMark, { state: InboxState; event: Exclude<InboxEvent['type'], 'InboxItemAdded'> }> = {
  seen: { state: 'seen', event: 'InboxItemSeen' },
  read: { state: 'read', event: 'InboxItemRead' },
  archived: { state: 'archived', event: 'InboxItemArchived' },
};

const RANK: Record<InboxState, number> = { unseen: 0, seen: 1, read: 2, archived: 3 };

/** Whether `mark` moves an item in `state` forward (anything else is a repeat, recorded as nothing). */
export const movesForward = (state: InboxState, mark: InboxMark): boolean => RANK[MARKED[mark].state] > RANK[state];

/** Unread: in the feed and not read (archived items are out of the feed). */
export const isUnread = (state: InboxState): boolean => state === 'unseen' || state === 'seen';
