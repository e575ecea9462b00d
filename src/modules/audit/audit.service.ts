import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { OUTCOME_EVENT_TYPES, notificationStream, type DeliveryLifecycleEvent, type EngagementEvent, type OutcomeEvent } from '../../domain/notification/delivery-lifecycle.js';
import { NOTIFICATION_DECISION_TYPES, recipientStream, type ChannelSuppression, type NotificationDecisionEvent } from '../../domain/recipient/events.js';
import type { Deferral } from '../../domain/recipient/quiet-hours.js';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '../event-store/event-store.port.js';
import { GetNotificationQuery } from '../notifications/queries/get-notification.query.js';
import { READ_MODEL_DB, type ReadModelDb } from '../read-models/read-model-db.port.js';
import { changedByOf, eventView } from './event-view.js';

const DECISIONS: ReadonlySet<string> = new Set(NOTIFICATION_DECISION_TYPES);
const OUTCOMES: ReadonlySet<string> = new Set(OUTCOME_EVENT_TYPES);

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
    const lifecycles = await Promise.all(
      page.filter((e) => e.type === 'NotificationRequested').map((e) => this.store.readStream(notificationStream((e.data as { notificationId: string }).notificationId))),
    );
    const merged = [...page, ...lifecycles.flat()].sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
    return { userId, events: merged.map(eventView), next: own.length > limit ? own[limit]!.revision : null };
  }

  async notificationTimeline(notificationId: string): Promise<{ notificationId: string; events: ReturnType<typeof eventView>[] }> {
    const decision = await this.decision(notificationId);
    const lifecycle = await this.store.readStream(notificationStream(notificationId));
    return { notificationId, events: [decision, ...lifecycle].map(eventView) };
  }

  /** For each channel asked for: delivered or not, and exactly why. */
  async explain(notificationId: string) {
    const decisionEvent = await this.decision(notificationId);
    const decision = { type: decisionEvent.type, data: decisionEvent.data } as NotificationDecisionEvent;
    const stream = (await this.store.readStream(notificationStream(notificationId))).map((e) => ({ type: e.type, data: e.data }) as DeliveryLifecycleEvent);
    const outcomes = stream.filter((e): e is OutcomeEvent => OUTCOMES.has(e.type));
    const engagements = stream.filter((e): e is EngagementEvent => !OUTCOMES.has(e.type));
    const deliveries = decision.type === 'NotificationRequested' ? decision.data.deliveries : [];
    const channels = [...new Set([...deliveries.map((d) => d.channel), ...decision.data.suppressed.map((s) => s.channel)])];
    const optOut = decision.data.suppressed.some((s) => s.reason === 'opted_out') ? await this.preferencesBefore(decisionEvent) : undefined;
    return {
      notificationId,
      userId: decision.data.userId,
      category: decision.data.category,
      requestedAt: decision.data.requestedAt,
      requestedBy: decisionEvent.metadata.appKey ?? null,
      sendAt: decision.data.sendAt,
      ...(decision.data.localSendAt ? { localSendAt: decision.data.localSendAt } : {}),
      channels: channels.map((channel) => {
        const suppression = decision.data.suppressed.find((s) => s.channel === channel);
        if (suppression) {
          const changed = suppression.reason === 'opted_out' && optOut ? { preferencesChangedBy: changedByOf(optOut.metadata), preferencesChangedAt: optOut.createdAt.toISOString() } : {};
          return { channel, delivered: false, decision: 'suppressed', reason: suppression.reason, explanation: explainSuppression(suppression), detail: suppression.detail, ...changed };
        }
        return {
          channel,
          decision: 'accepted',
          delivered: deliveries.filter((d) => d.channel === channel).some((d) => outcomes.some((o) => o.type === 'NotificationSent' && o.data.deliveryId === d.deliveryId)),
          deliveries: deliveries
            .filter((d) => d.channel === channel)
            .map((d) => {
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
              };
            }),
        };
      }),
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
      return s.channel === 'push' ? 'the user has no active push device' : `the user has no ${s.channel === 'sms' ? 'phone number' : 'email address'}`;
  }
}
