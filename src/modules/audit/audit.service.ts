import { broadcastStream, type BroadcastRequest } from '../../domain/broadcast/broadcast.js';
import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ENGAGEMENT_EVENT_TYPES, OUTCOME_EVENT_TYPES, notificationStream, type DeliveryLifecycleEvent, type EngagementEvent, type OutcomeEvent } from '../../domain/notification/delivery-lifecycle.js';
import {
  NOTIFICATION_DECISION_TYPES,
  recipientStream,
  type ChannelSuppression,
  type DigestFlushedData,
  type NotificationDecision,
  type NotificationDecisionEvent,
} from '../../domain/recipient/events.js';
import { INBOX_EVENT_TYPES, type InboxEvent } from '../../domain/notification/inbox.js';
import type { Deferral } from '../../domain/recipient/quiet-hours.js';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '../event-store/event-store.port.js';
import { GetNotificationQuery } from '../notifications/queries/get-notification.query.js';
import { READ_MODEL_DB, type ReadModelDb } from '../read-models/read-model-db.port.js';
import { changedByOf, eventView } from './event-view.js';

const DECISIONS: ReadonlySet<string> = new Set(NOTIFICATION_DECISION_TYPES);
/** How many of a user's events are read at a time looking for a digest's end. */
const DIGEST_SEARCH_PAGE = 1000;
const byPosition = (a: RecordedEvent, b: RecordedEvent): number => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0);
const OUTCOMES: ReadonlySet<string> = new Set(OUTCOME_EVENT_TYPES);
const ENGAGEMENTS: ReadonlySet<string> = new Set(ENGAGEMENT_EVENT_TYPES);
const INBOX: ReadonlySet<string> = new Set(INBOX_EVENT_TYPES);

/** Reads the log for auditors: raw streams, timelines, and why each channel did or did not deliver. */
@Injectable()
export class AuditService {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_DB) private readonly db: ReadModelDb,
    private readonly queries: QueryBus,
  ) {}

  async stream(streamName: string, from: number | undefined, limit: number, direction: 'forwards' | 'backwards') {
    const events = await this.store.readStream(streamName, { direction, maxCount: limit + 1, ...(from !== undefined ? { fromRevision: from } : {}) });
    const page = events.slice(0, limit);
    const next = events.length > limit ? events[limit]!.revision : null;
    return { streamName, direction, events: page.map(eventView), next };
  }

  /** The user's own stream merged, in log order, with the delivery lifecycles (`notification-{id}` streams) of the notifications in it. */
  async userTimeline(userId: string, from: number, limit: number) {
    const own = await this.store.readStream(recipientStream(userId), { fromRevision: from, maxCount: limit + 1 });
    if (own.length === 0 && from === 0) throw new NotFoundException({ statusCode: 404, error: 'Not Found', message: `no user ${userId}` });
    const page = own.slice(0, limit);
    // A digest's deliveries have their own lifecycle, named by the digest id.
    const lifecycleIds = page.flatMap((e) =>
      e.type === 'NotificationRequested' ? [(e.data as NotificationDecision).notificationId] : e.type === 'DigestFlushed' ? [(e.data as DigestFlushedData).digestId] : [],
    );
    const lifecycles = await Promise.all(lifecycleIds.map((id) => this.store.readStream(notificationStream(id))));
    const merged = [...page, ...lifecycles.flat()].sort(byPosition);
    return { userId, events: merged.map(eventView), next: own.length > limit ? own[limit]!.revision : null };
  }

  /** The decision and the notification's lifecycle; for a digested one also how its digest ended (sent, or it was taken out) and the digest's lifecycle. */
  async notificationTimeline(notificationId: string): Promise<{ notificationId: string; events: ReturnType<typeof eventView>[] }> {
    const decision = await this.decision(notificationId);
    const lifecycle = await this.store.readStream(notificationStream(notificationId));
    const digest = await this.digestOf(decision);
    const carried = digest?.end?.type === 'DigestFlushed' ? await this.store.readStream(notificationStream(digest.digestId)) : [];
    const events = [decision, ...lifecycle, ...(digest?.end ? [digest.end] : []), ...carried].sort(byPosition);
    return { notificationId, events: events.map(eventView) };
  }

  /**
   * The digest a decision collected channels into, and the event that ended the notification's
   * part in it: the digest's DigestFlushed, or the DigestItemRemoved that took it out (none yet:
   * still open). Read forward from the decision, where both must be.
   */
  private async digestOf(decision: RecordedEvent): Promise<{ digestId: string; windowEndsAt: string; end: RecordedEvent | undefined } | undefined> {
    const digested = (decision.data as NotificationDecision).digested;
    if (!digested) return undefined;
    const { notificationId } = decision.data as NotificationDecision;
    const ends = (e: RecordedEvent) =>
      (e.type === 'DigestFlushed' && (e.data as DigestFlushedData).digestId === digested.digestId) ||
      (e.type === 'DigestItemRemoved' && (e.data as { notificationId: string }).notificationId === notificationId);
    for (let from = decision.revision + 1; ; ) {
      const page = await this.store.readStream(decision.streamName, { fromRevision: from, maxCount: DIGEST_SEARCH_PAGE });
      const end = page.find(ends);
      if (end || page.length < DIGEST_SEARCH_PAGE) return { ...digested, end };
      from = page[page.length - 1]!.revision + 1;
    }
  }

  /** The broadcast a member's notification came from: which, to whom, who asked, and whether it was canceled. */
  private async broadcastLine(broadcastId: string) {
    const events = await this.store.readStream(broadcastStream(broadcastId), { maxCount: 1 });
    const requested = events[0]?.data as BroadcastRequest | undefined;
    const last = await this.store.readStream(broadcastStream(broadcastId), { direction: 'backwards', maxCount: 2 });
    const canceled = last.find((e) => e.type === 'BroadcastCanceled');
    const audience = requested?.audience;
    return {
      broadcastId,
      audience: audience?.kind === 'topic' ? `the subscribers of topic ${audience.topicKey}` : audience?.kind === 'users' ? `${audience.userIds.length} users named` : 'every user',
      requestedBy: events[0]?.metadata.appKey ?? null,
      requestedAt: requested?.requestedAt ?? null,
      canceledAt: canceled ? (canceled.data as { canceledAt: string }).canceledAt : null,
      explanation: `one member's share of broadcast ${broadcastId}, decided as a single request would be`,
    };
  }

  /** For each channel asked for: delivered or not, and exactly why. */
  async explain(notificationId: string) {
    const decisionEvent = await this.decision(notificationId);
    const decision = { type: decisionEvent.type, data: decisionEvent.data } as NotificationDecisionEvent;
    const stream = (await this.store.readStream(notificationStream(notificationId))).map((e) => ({ type: e.type, data: e.data }) as DeliveryLifecycleEvent);
    const outcomes = stream.filter((e): e is OutcomeEvent => OUTCOMES.has(e.type));
    const engagements = stream.filter((e): e is EngagementEvent => ENGAGEMENTS.has(e.type));
    const inboxEvents = stream.filter((e): e is InboxEvent => INBOX.has(e.type));
    const deliveries = decision.type === 'NotificationRequested' ? decision.data.deliveries : [];
    const digested = decision.data.digested;
    const channels = [...new Set([...deliveries.map((d) => d.channel), ...(digested?.channels ?? []), ...decision.data.suppressed.map((s) => s.channel)])];
    const digest = digested ? await this.digestExplanation(decisionEvent) : undefined;
    const optOut = decision.data.suppressed.some((s) => s.reason === 'opted_out') ? await this.preferencesBefore(decisionEvent) : undefined;
    return {
      notificationId,
      userId: decision.data.userId,
      category: decision.data.category,
      requestedAt: decision.data.requestedAt,
      requestedBy: decisionEvent.metadata.appKey ?? null,
      sendAt: decision.data.sendAt,
      ...(decision.data.localSendAt ? { localSendAt: decision.data.localSendAt } : {}),
      ...(decision.data.broadcastId ? { broadcast: await this.broadcastLine(decision.data.broadcastId) } : {}),
      channels: channels.map((channel) => {
        const suppression = decision.data.suppressed.find((s) => s.channel === channel);
        if (suppression) {
          const changed = suppression.reason === 'opted_out' && optOut ? { preferencesChangedBy: changedByOf(optOut.metadata), preferencesChangedAt: optOut.createdAt.toISOString() } : {};
          return { channel, delivered: false, decision: 'suppressed', reason: suppression.reason, explanation: explainSuppression(suppression), detail: suppression.detail, ...changed };
        }
        if (digest && digested?.channels.includes(channel)) {
          const carriers = digest.deliveries.filter((d) => d.channel === channel);
          return { channel, decision: 'digested', delivered: carriers.some((d) => d.outcome === 'NotificationSent'), explanation: digest.explanation, digest: { ...digest.summary, deliveries: carriers } };
        }
        return {
          channel,
          decision: 'accepted',
          delivered: deliveries.filter((d) => d.channel === channel).some((d) => outcomes.some((o) => o.type === 'NotificationSent' && o.data.deliveryId === d.deliveryId)),
          deliveries: deliveries.filter((d) => d.channel === channel).map((d) => deliveryExplanation(d, outcomes, engagements, inboxEvents)),
        };
      }),
    };
  }

  /** Which digest carried a digested notification, and by which deliveries, as far as it has got. */
  private async digestExplanation(decisionEvent: RecordedEvent) {
    const found = (await this.digestOf(decisionEvent))!;
    const summary = { digestId: found.digestId, windowEndsAt: found.windowEndsAt };
    const end = found.end;
    if (!end) return { summary: { ...summary, status: 'open' }, deliveries: [], explanation: `collected into digest ${found.digestId}, sent when its window ends at ${found.windowEndsAt}` };
    if (end.type === 'DigestItemRemoved') {
      return { summary: { ...summary, status: 'removed', removedAt: (end.data as { removedAt: string }).removedAt }, deliveries: [], explanation: `collected into digest ${found.digestId}, then canceled out of it before it was sent` };
    }
    const flushed = end.data as DigestFlushedData;
    const stream = (await this.store.readStream(notificationStream(found.digestId))).map((e) => ({ type: e.type, data: e.data }) as DeliveryLifecycleEvent);
    const outcomes = stream.filter((e): e is OutcomeEvent => OUTCOMES.has(e.type));
    const engagements = stream.filter((e): e is EngagementEvent => ENGAGEMENTS.has(e.type));
    const position = flushed.items.findIndex((i) => i.notificationId === (decisionEvent.data as NotificationDecision).notificationId) + 1;
    return {
      summary: { ...summary, status: 'flushed', flushedAt: flushed.flushedAt, reason: flushed.reason, itemCount: flushed.count, position, suppressed: flushed.suppressed },
      deliveries: flushed.deliveries.map((d) => ({ channel: d.channel, ...deliveryExplanation(d, outcomes, engagements) })),
      explanation: `sent in digest ${found.digestId} (item ${position} of ${flushed.count}, ${flushed.reason === 'max_items' ? 'sent when it was full' : 'sent when its window ended'} at ${flushed.flushedAt})`,
    };
  }

  /** The preferences change in force when a decision was made: the last one before it in the user's stream. */
  private async preferencesBefore(decision: RecordedEvent): Promise<RecordedEvent | undefined> {
    const earlier = await this.store.readStream(decision.streamName, { direction: 'backwards', fromRevision: decision.revision });
    return earlier.find((e) => e.type === 'PreferencesUpdated');
  }

  private async decision(notificationId: string): Promise<RecordedEvent> {
    await this.queries.execute(new GetNotificationQuery(notificationId)); // 404 when unknown; waits for the projection
    const [row] = await this.db.query<{ user_id: string; stream_revision: number }>('SELECT user_id, stream_revision FROM notifications WHERE notification_id = $1', [notificationId]);
    const [event] = await this.store.readStream(recipientStream(row!.user_id), { fromRevision: Number(row!.stream_revision), maxCount: 1 });
    if (!event || !DECISIONS.has(event.type) || (event.data as { notificationId: string }).notificationId !== notificationId) {
      throw new NotFoundException({ statusCode: 404, error: 'Not Found', message: `decision for ${notificationId} not found in the log` });
    }
    return event;
  }
}

type Decided = Extract<NotificationDecisionEvent, { type: 'NotificationRequested' }>['data']['deliveries'][number];

/** One delivery's story: its target, deferral, outcome, attempts, errors, failovers and what the recipient did with it. */
function deliveryExplanation(d: Decided, outcomes: OutcomeEvent[], engagements: EngagementEvent[], inboxEvents: InboxEvent[] = []) {
  const own = outcomes.filter((o) => (o.type === 'NotificationCanceled' ? o.data.deliveryIds.includes(d.deliveryId) : o.data.deliveryId === d.deliveryId));
  const last = own[own.length - 1];
  const target = d.target.channel === 'push' ? { deviceId: d.target.deviceId, provider: d.target.provider, tokenSuffix: d.target.token.slice(-6) } : d.target;
  return {
    deliveryId: d.deliveryId,
    target,
    ...(d.deferred ? { deferred: { ...d.deferred, explanation: explainDeferral(d.deferred) } } : {}),
    outcome: last?.type ?? 'pending',
    attempts: own.filter((o) => o.type !== 'NotificationCanceled').length,
    errors: own.flatMap((o) => (o.type === 'NotificationRetried' || o.type === 'NotificationFailed' ? [o.data.error] : [])),
    ...(last?.type === 'NotificationFailed' ? { failureReason: last.data.reason } : {}),
    ...(last?.type === 'NotificationSent' ? { providerMessageId: last.data.providerMessageId, sentBy: last.data.provider } : {}),
    failovers: own.flatMap((o) =>
      o.type === 'NotificationRetried' && o.data.failoverTo ? [{ from: o.data.provider, to: o.data.failoverTo, error: o.data.error, at: o.data.retriedAt }] : [],
    ),
    engagement: engagementOf(engagements.filter((e) => e.data.deliveryId === d.deliveryId)),
    ...(d.channel === 'inapp' ? { inbox: inboxOf(inboxEvents.filter((e) => e.data.deliveryId === d.deliveryId)) } : {}),
  };
}

/** What the recipient did with a delivery: when it was first opened, clicked (and where), converted. */
function engagementOf(events: EngagementEvent[]) {
  const at = (type: EngagementEvent['type']) => events.find((e) => e.type === type);
  const opened = at('NotificationOpened');
  const clicked = at('NotificationClicked') as Extract<EngagementEvent, { type: 'NotificationClicked' }> | undefined;
  const converted = at('NotificationConverted');
  return {
    opened: opened ? { at: opened.data.at, source: opened.data.source } : null,
    clicked: clicked ? { at: clicked.data.at, source: clicked.data.source, url: clicked.data.url } : null,
    converted: converted ? { at: converted.data.at, source: converted.data.source } : null,
  };
}

/** An in-app item's story: when it reached the feed, and when the user saw, read and archived it (null: not yet). */
function inboxOf(events: InboxEvent[]) {
  const at = (type: InboxEvent['type']): string | null => {
    const e = events.find((x) => x.type === type);
    return e ? (e.type === 'InboxItemAdded' ? e.data.addedAt : e.data.at) : null;
  };
  const archivedAt = at('InboxItemArchived');
  const readAt = at('InboxItemRead');
  const seenAt = at('InboxItemSeen');
  const addedAt = at('InboxItemAdded');
  const state = archivedAt ? 'archived' : readAt ? 'read' : seenAt ? 'seen' : addedAt ? 'unseen' : null;
  return { state, addedAt, seenAt, readAt, archivedAt };
}

function explainDeferral(d: Deferral): string {
  const whose = d.source === 'user' ? 'the user’s quiet hours' : 'the category’s default quiet hours';
  return `deferred by ${whose} (${d.window.start} to ${d.window.end}, ${d.timezone}) until ${d.until}`;
}

function explainSuppression(s: ChannelSuppression): string {
  const d = s.detail;
  switch (s.reason) {
    case 'opted_out':
      return {
        global: 'the user muted all notifications',
        channel: `the user opted out of ${s.channel}`,
        category: `the user opted out of category ${d.category}`,
        category_channel: `the user opted out of ${s.channel} for category ${d.category}`,
      }[d.level ?? 'channel'];
    case 'rate_limited':
      return `rate limit reached: ${d.count} of ${d.limit} ${s.channel} notifications${d.category ? ` in category ${d.category}` : ''} in the last ${d.windowSeconds} s`;
    case 'duplicate':
      return `same content sent on ${s.channel} within ${d.windowSeconds} s as notification ${d.duplicateOf}`;
    case 'no_target':
      return { push: 'the user has no active push device', sms: 'the user has no phone number', email: 'the user has no email address', inapp: 'the user is not registered' }[s.channel];
  }
}
