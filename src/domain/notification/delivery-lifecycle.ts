import { DomainError, type Decider } from '../shared/decider.js';
import { keysOf } from '../shared/keys-of.js';
import { INBOX_EVENT_TYPES, MARKED, movesForward, type InboxEvent, type InboxItemContent, type InboxMark, type InboxState } from './inbox.js';

/**
 * The delivery lifecycle: what happened to each delivery of one notification after the
 * decision (sent, retried, failed, canceled), then what the recipient did with it (opened,
 * clicked, converted). One per notification, on its `notification-{id}` stream, written through
 * one actor per notification, so a delivery reaches exactly one terminal outcome and each
 * engagement is recorded at most once.
 */
export type DeliveryStatus = 'pending' | 'retrying' | 'sent' | 'failed' | 'canceled';

export const TERMINAL: ReadonlySet<DeliveryStatus> = new Set(['sent', 'failed', 'canceled']);

export type FailureReason = 'permanent' | 'exhausted' | 'opted_out' | 'token_invalidated' | 'device_removed' | 'render_failed';

/** Outcomes: how a delivery ended, or that it will be tried again. */
export type OutcomeEvent =
  | {
      type: 'NotificationSent';
      data: { notificationId: string; deliveryId: string; channel: string; provider: string; providerMessageId: string | null; attempt: number; sentAt: string };
    }
  | {
      type: 'NotificationRetried';
      /** failoverTo: the provider the next attempt goes to, when this one handed the delivery over. */
      data: { notificationId: string; deliveryId: string; channel: string; provider: string; attempt: number; error: string; nextAttemptAt: string; retriedAt: string; failoverTo?: string };
    }
  | {
      type: 'NotificationFailed';
      data: { notificationId: string; deliveryId: string; channel: string; provider: string; attempt: number; reason: FailureReason; error: string; failedAt: string };
    }
  | { type: 'NotificationCanceled'; data: { notificationId: string; deliveryIds: string[]; canceledAt: string } };

/** What the recipient did with a sent delivery. */
export type EngagementEvent =
  | { type: 'NotificationOpened'; data: EngagementData }
  | { type: 'NotificationClicked'; data: EngagementData & { url: string } }
  | { type: 'NotificationConverted'; data: EngagementData };

/** Everything in a delivery lifecycle (its `notification-{id}` stream). */
export type DeliveryLifecycleEvent = OutcomeEvent | EngagementEvent | InboxEvent;

/** Where an engagement was observed: the email's open pixel, a rewritten link, the app reporting it, or the user reading the item in their in-app feed. */
export type EngagementSource = 'pixel' | 'link' | 'app' | 'inbox';
export type EngagementKind = 'opened' | 'clicked' | 'converted';

export interface EngagementData {
  notificationId: string;
  deliveryId: string;
  channel: string;
  source: EngagementSource;
  at: string;
}

export type DeliveryLifecycleCommand =
  | { type: 'RecordSent'; notificationId: string; deliveryId: string; channel: string; provider: string; providerMessageId: string | null; now: number }
  | { type: 'RecordRetry'; notificationId: string; deliveryId: string; channel: string; provider: string; error: string; retryAt: number; failoverTo?: string; now: number }
  | { type: 'RecordFailure'; notificationId: string; deliveryId: string; channel: string; provider: string; reason: FailureReason; error: string; now: number }
  | { type: 'Cancel'; notificationId: string; deliveryIds: string[]; now: number }
  | { type: 'RecordEngagement'; kind: EngagementKind; notificationId: string; deliveryId: string; source: EngagementSource; url?: string; now: number }
  /** An inapp delivery is made by putting its item in the user's feed: that is its send. */
  | { type: 'RecordInboxItem'; notificationId: string; deliveryId: string; channel: string; provider: string; userId: string; category: string; item: InboxItemContent; now: number }
  /** The user (through their subscriber token) marks their item seen, read or archived. */
  | { type: 'MarkInboxItem'; mark: InboxMark; notificationId: string; deliveryId: string; userId: string; now: number };

export interface DeliveryProgress {
  status: DeliveryStatus;
  attempts: number;
  /** Known once the delivery was sent: engagement events repeat it. */
  channel?: string;
  /** Engagements already recorded: each counts once per delivery. */
  engaged?: Partial<Record<EngagementKind, true>>;
  /** The provider the next attempt goes to, named by the last attempt's failover. */
  nextProvider?: string;
  /** An inapp delivery's item: whose feed it is in, and where it stands. */
  inbox?: { userId: string; state: InboxState };
}

export interface DeliveryLifecycleState {
  deliveries: Record<string, DeliveryProgress>;
}

export const OUTCOME_EVENT_TYPES = keysOf({
  NotificationSent: true,
  NotificationRetried: true,
  NotificationFailed: true,
  NotificationCanceled: true,
} satisfies Record<OutcomeEvent['type'], true>);
export const ENGAGEMENT_EVENT_TYPES = keysOf({
  NotificationOpened: true,
  NotificationClicked: true,
  NotificationConverted: true,
} satisfies Record<EngagementEvent['type'], true>);
export const DELIVERY_LIFECYCLE_EVENT_TYPES: readonly DeliveryLifecycleEvent['type'][] = [...OUTCOME_EVENT_TYPES, ...ENGAGEMENT_EVENT_TYPES, ...INBOX_EVENT_TYPES];

export const notificationStream = (notificationId: string): string => `notification-${notificationId}`;

const iso = (ms: number): string => new Date(ms).toISOString();

export function deliveryOf(state: DeliveryLifecycleState, deliveryId: string): DeliveryProgress {
  return state.deliveries[deliveryId] ?? { status: 'pending', attempts: 0 };
}

/**
 * Engagement is recorded only for a sent delivery, and once per delivery and kind: a second
 * open (an email client reloading the pixel, a second tap) records nothing, so the stream stays
 * bounded and every counter downstream counts deliveries, not hits. A click on a delivery not
 * yet opened records the open too (images blocked in the mail client), so opened >= clicked.
 */
function decideEngagement(command: Extract<DeliveryLifecycleCommand, { type: 'RecordEngagement' }>, state: DeliveryLifecycleState): DeliveryLifecycleEvent[] {
  const delivery = deliveryOf(state, command.deliveryId);
  if (delivery.status !== 'sent') throw new DomainError('conflict', `delivery ${command.deliveryId} was not sent: nothing to engage with`, 'deliveryId');
  if (command.kind === 'clicked' && !command.url) throw new DomainError('invalid_argument', 'a click names the url clicked', 'url');
  const base: EngagementData = { notificationId: command.notificationId, deliveryId: command.deliveryId, channel: delivery.channel ?? 'unknown', source: command.source, at: iso(command.now) };
  const events: DeliveryLifecycleEvent[] = [];
  if (command.kind === 'clicked' && !delivery.engaged?.opened) events.push({ type: 'NotificationOpened', data: base });
  if (delivery.engaged?.[command.kind]) return events;
  switch (command.kind) {
    case 'opened':
      events.push({ type: 'NotificationOpened', data: base });
      break;
    case 'clicked':
      events.push({ type: 'NotificationClicked', data: { ...base, url: command.url! } });
      break;
    case 'converted':
      events.push({ type: 'NotificationConverted', data: base });
      break;
  }
  return events;
}

/**
 * Marks move an item forward only, and a repeat records nothing. Reading an item is its open
 * (source `inbox`), once, so analytics counts in-app reads with every other channel's opens.
 * An item is found only in its own user's feed: another user's id is told "not found".
 */
function decideInboxMark(command: Extract<DeliveryLifecycleCommand, { type: 'MarkInboxItem' }>, state: DeliveryLifecycleState): DeliveryLifecycleEvent[] {
  const delivery = deliveryOf(state, command.deliveryId);
  if (!delivery.inbox || delivery.inbox.userId !== command.userId) throw new DomainError('not_found', `no item ${command.deliveryId} in this user's feed`, 'id');
  if (!movesForward(delivery.inbox.state, command.mark)) return [];
  const { notificationId, deliveryId, userId } = command;
  const at = iso(command.now);
  const events: DeliveryLifecycleEvent[] = [{ type: MARKED[command.mark].event, data: { notificationId, deliveryId, userId, at } }];
  if (command.mark === 'read' && !delivery.engaged?.opened) events.push({ type: 'NotificationOpened', data: { notificationId, deliveryId, channel: 'inapp', source: 'inbox', at } });
  return events;
}

function decideInboxItem(command: Extract<DeliveryLifecycleCommand, { type: 'RecordInboxItem' }>, state: DeliveryLifecycleState): DeliveryLifecycleEvent[] {
  const current = deliveryOf(state, command.deliveryId);
  if (TERMINAL.has(current.status)) return [];
  const { notificationId, deliveryId, channel, provider, userId, category, item } = command;
  const at = iso(command.now);
  return [
    { type: 'InboxItemAdded', data: { notificationId, deliveryId, userId, category, ...item, addedAt: at } },
    { type: 'NotificationSent', data: { notificationId, deliveryId, channel, provider, providerMessageId: deliveryId, attempt: current.attempts + 1, sentAt: at } },
  ];
}

const inboxMoved = (state: DeliveryLifecycleState, deliveryId: string, to: InboxState): DeliveryLifecycleState => {
  const current = deliveryOf(state, deliveryId);
  if (!current.inbox) return state;
  return { deliveries: { ...state.deliveries, [deliveryId]: { ...current, inbox: { ...current.inbox, state: to } } } };
};

const engage = (state: DeliveryLifecycleState, data: EngagementData, kind: EngagementKind): DeliveryLifecycleState => {
  const current = deliveryOf(state, data.deliveryId);
  return { deliveries: { ...state.deliveries, [data.deliveryId]: { ...current, engaged: { ...current.engaged, [kind]: true } } } };
};

export const deliveryLifecycleDecider: Decider<DeliveryLifecycleCommand, DeliveryLifecycleState, DeliveryLifecycleEvent> = {
  initialState: () => ({ deliveries: {} }),

  decide(command, state) {
    if (command.type === 'Cancel') {
      const open = command.deliveryIds.filter((id) => !TERMINAL.has(deliveryOf(state, id).status));
      if (open.length === 0) throw new DomainError('conflict', 'every delivery of this notification is already sent, failed or canceled');
      return [{ type: 'NotificationCanceled', data: { notificationId: command.notificationId, deliveryIds: open, canceledAt: iso(command.now) } }];
    }
    if (command.type === 'RecordEngagement') return decideEngagement(command, state);
    if (command.type === 'MarkInboxItem') return decideInboxMark(command, state);
    if (command.type === 'RecordInboxItem') return decideInboxItem(command, state);
    const current = deliveryOf(state, command.deliveryId);
    // A terminal delivery stays terminal: a late or repeated outcome is ignored.
    if (TERMINAL.has(current.status)) return [];
    const attempt = current.attempts + 1;
    const { notificationId, deliveryId, channel, provider } = command;
    switch (command.type) {
      case 'RecordSent':
        return [{ type: 'NotificationSent', data: { notificationId, deliveryId, channel, provider, providerMessageId: command.providerMessageId, attempt, sentAt: iso(command.now) } }];
      case 'RecordRetry':
        return [
          {
            type: 'NotificationRetried',
            data: {
              notificationId,
              deliveryId,
              channel,
              provider,
              attempt,
              error: command.error,
              nextAttemptAt: iso(command.retryAt),
              retriedAt: iso(command.now),
              ...(command.failoverTo ? { failoverTo: command.failoverTo } : {}),
            },
          },
        ];
      case 'RecordFailure':
        return [{ type: 'NotificationFailed', data: { notificationId, deliveryId, channel, provider, attempt, reason: command.reason, error: command.error, failedAt: iso(command.now) } }];
      default: {
        const never: never = command;
        return never;
      }
    }
  },

  evolve(state, event) {
    // The feed item stays with the delivery whatever its outcome does: it was added just before the send.
    const set = (id: string, status: DeliveryStatus, attempts: number, channel?: string): DeliveryLifecycleState => {
      const inbox = state.deliveries[id]?.inbox;
      return { deliveries: { ...state.deliveries, [id]: { status, attempts, ...(channel ? { channel } : {}), ...(inbox ? { inbox } : {}) } } };
    };
    switch (event.type) {
      case 'NotificationSent':
        return set(event.data.deliveryId, 'sent', event.data.attempt, event.data.channel);
      case 'NotificationRetried': {
        const retried = set(event.data.deliveryId, 'retrying', event.data.attempt);
        if (!event.data.failoverTo) return retried;
        return { deliveries: { ...retried.deliveries, [event.data.deliveryId]: { ...retried.deliveries[event.data.deliveryId]!, nextProvider: event.data.failoverTo } } };
      }
      case 'NotificationFailed':
        return set(event.data.deliveryId, 'failed', event.data.attempt);
      case 'NotificationCanceled':
        return event.data.deliveryIds.reduce<DeliveryLifecycleState>(
          (s, id) => ({ deliveries: { ...s.deliveries, [id]: { status: 'canceled', attempts: deliveryOf(s, id).attempts } } }),
          state,
        );
      case 'NotificationOpened':
        return engage(state, event.data, 'opened');
      case 'NotificationClicked':
        return engage(state, event.data, 'clicked');
      case 'NotificationConverted':
        return engage(state, event.data, 'converted');
      case 'InboxItemAdded': {
        const current = deliveryOf(state, event.data.deliveryId);
        return { deliveries: { ...state.deliveries, [event.data.deliveryId]: { ...current, inbox: { userId: event.data.userId, state: 'unseen' } } } };
      }
      case 'InboxItemSeen':
        return inboxMoved(state, event.data.deliveryId, 'seen');
      case 'InboxItemRead':
        return inboxMoved(state, event.data.deliveryId, 'read');
      case 'InboxItemArchived':
        return inboxMoved(state, event.data.deliveryId, 'archived');
      default: {
        const never: never = event;
        return never;
      }
    }
  },
};
