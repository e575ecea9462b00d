import { ENGAGEMENT_EVENT_TYPES, OUTCOME_EVENT_TYPES, type DeliveryLifecycleEvent } from '../domain/notification/delivery-lifecycle.js';
import { NOTIFICATION_DECISION_TYPES, type DigestFlushedData, type NotificationDecision, type RecipientEvent } from '../domain/recipient/events.js';
import { deliveryDueAt } from '../domain/recipient/deferral.js';
import type { RecordedEvent } from '../modules/event-store/event-store.port.js';
import type { SqlExecutor, SqlValue } from '../modules/read-models/read-model-db.port.js';
import { latencyBucket } from './latency-histogram.js';
import type { Projection } from './sql-sink.js';

type Decision = Extract<RecipientEvent, { type: 'NotificationRequested' | 'NotificationSuppressed' }>;
type Counter =
  | 'requested'
  | 'suppressed_opted_out'
  | 'suppressed_rate_limited'
  | 'suppressed_duplicate'
  | 'suppressed_no_target'
  | 'sent'
  | 'failed'
  | 'retried'
  | 'failed_over'
  | 'canceled'
  | 'opened'
  | 'clicked'
  | 'converted'
  | 'digested'
  | 'digests';

/** The dimensions of one notification_stats row. */
interface Group {
  day: string;
  channel: string;
  category: string;
  template_id: string;
  app_key: string;
}

const GROUP_COLUMNS = 'day, channel, category, template_id, app_key';
const ENGAGED = { NotificationOpened: 'opened', NotificationClicked: 'clicked', NotificationConverted: 'converted' } as const;

/**
 * Volumes, suppressions, outcomes, engagement and request-to-sent latency per day, channel,
 * category, template and client. Everything is attributed to the day the notification was
 * requested, so a day's funnel (sent -> opened -> clicked) is one cohort.
 *
 * Replay-safe by guard tables, not by positions: a decision is counted once
 * (notification_stats_decisions), and each delivery's outcome, retries (by attempt number)
 * and each engagement kind are counted once (notification_stats_deliveries), so replaying
 * any part of the log changes no row. Deterministic (no clock), so a rebuild gives the same rows.
 */
export class NotificationStatsProjection implements Projection {
  readonly name = 'notification_stats';
  readonly filter = { eventTypes: [...NOTIFICATION_DECISION_TYPES, 'DigestFlushed', ...OUTCOME_EVENT_TYPES, ...ENGAGEMENT_EVENT_TYPES] };

  async handle(events: RecordedEvent[], tx: SqlExecutor): Promise<void> {
    const tally = new Tally();
    for (const event of events) {
      if (event.type === 'NotificationRequested' || event.type === 'NotificationSuppressed') await this.decision({ type: event.type, data: event.data } as Decision, event, tx, tally);
      else if (event.type === 'DigestFlushed') await this.digest(event.data as DigestFlushedData, tx, tally);
      else await this.outcome({ type: event.type, data: event.data } as DeliveryLifecycleEvent, tx, tally);
    }
    await tally.write(tx);
  }

  private async decision(decision: Decision, event: RecordedEvent, tx: SqlExecutor, tally: Tally): Promise<void> {
    const d: NotificationDecision = decision.data;
    const first = await tx.execute('INSERT INTO notification_stats_decisions (notification_id) VALUES ($1) ON CONFLICT (notification_id) DO NOTHING', [d.notificationId]);
    if (first.changes === 0) return;
    const group = (channel: string): Group => ({
      day: d.requestedAt.slice(0, 10),
      channel,
      category: d.category,
      template_id: d.content.kind === 'template' ? d.content.templateId : '',
      app_key: typeof event.metadata.appKey === 'string' ? event.metadata.appKey : '',
    });
    for (const s of d.suppressed) tally.bump(group(s.channel), `suppressed_${s.reason}`);
    for (const channel of d.digested?.channels ?? []) tally.bump(group(channel), 'digested');
    if (decision.type !== 'NotificationRequested') return;
    // Latency counts from when the delivery was due: a scheduled or deferred send is not slow for waiting.
    for (const delivery of decision.data.deliveries) {
      const due = deliveryDueAt(d, delivery);
      const dueAt = due && due > d.requestedAt ? due : d.requestedAt;
      const g = group(delivery.channel);
      await tx.execute(
        `INSERT INTO notification_stats_deliveries (delivery_id, notification_id, ${GROUP_COLUMNS}, due_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (delivery_id) DO NOTHING`,
        [delivery.deliveryId, d.notificationId, g.day, g.channel, g.category, g.template_id, g.app_key, dueAt],
      );
      tally.bump(g, 'requested');
    }
  }

  /**
   * A digest's deliveries are deliveries (requested, then sent or failed, opened...), counted on
   * the day it was sent under the digest's template, and counted as digests; its items were
   * counted as digested when they were decided.
   */
  private async digest(d: DigestFlushedData, tx: SqlExecutor, tally: Tally): Promise<void> {
    const first = await tx.execute('INSERT INTO notification_stats_decisions (notification_id) VALUES ($1) ON CONFLICT (notification_id) DO NOTHING', [d.digestId]);
    if (first.changes === 0) return;
    for (const delivery of d.deliveries) {
      const g: Group = { day: d.flushedAt.slice(0, 10), channel: delivery.channel, category: d.category, template_id: d.templateId, app_key: '' };
      await tx.execute(
        `INSERT INTO notification_stats_deliveries (delivery_id, notification_id, ${GROUP_COLUMNS}, due_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (delivery_id) DO NOTHING`,
        [delivery.deliveryId, d.digestId, g.day, g.channel, g.category, g.template_id, g.app_key, delivery.deferred?.until ?? d.flushedAt],
      );
      tally.bump(g, 'requested');
      tally.bump(g, 'digests');
    }
  }

  private async outcome(event: DeliveryLifecycleEvent, tx: SqlExecutor, tally: Tally): Promise<void> {
    switch (event.type) {
      case 'NotificationSent': {
        const [row] = await this.mark(`outcome = 'sent'`, 'outcome IS NULL', event.data.deliveryId, tx, ', due_at');
        if (!row) return;
        tally.bump(row, 'sent');
        tally.observeLatency(row, Date.parse(event.data.sentAt) - Date.parse(row.due_at!));
        return;
      }
      case 'NotificationFailed':
        for (const row of await this.mark(`outcome = 'failed'`, 'outcome IS NULL', event.data.deliveryId, tx)) tally.bump(row, 'failed');
        return;
      case 'NotificationCanceled':
        for (const id of event.data.deliveryIds) {
          for (const row of await this.mark(`outcome = 'canceled'`, 'outcome IS NULL', id, tx)) tally.bump(row, 'canceled');
        }
        return;
      case 'NotificationRetried': {
        // Attempt numbers only grow: a retry is counted when its attempt is new.
        for (const row of await this.mark('retries = $2', 'outcome IS NULL AND retries < $2', event.data.deliveryId, tx, '', [event.data.attempt])) {
          tally.bump(row, 'retried');
          if (event.data.failoverTo) tally.bump(row, 'failed_over');
        }
        return;
      }
      case 'NotificationOpened':
      case 'NotificationClicked':
      case 'NotificationConverted': {
        const kind = ENGAGED[event.type];
        for (const row of await this.mark(`${kind} = 1`, `${kind} = 0`, event.data.deliveryId, tx)) tally.bump(row, kind);
        return;
      }
    }
  }

  /** Flips a delivery's guard; returns its group only when this call flipped it (not on replay). */
  private mark(set: string, unless: string, deliveryId: string, tx: SqlExecutor, extra = '', params: SqlValue[] = []): Promise<(Group & { due_at?: string })[]> {
    return tx.query<Group & { due_at?: string }>(`UPDATE notification_stats_deliveries SET ${set} WHERE delivery_id = $1 AND ${unless} RETURNING ${GROUP_COLUMNS}${extra}`, [deliveryId, ...params]);
  }
}

/**
 * A batch's counts, written once per row at the end of the batch (same transaction, same
 * result): one upsert per group and counter instead of one per event.
 */
class Tally {
  private readonly counters = new Map<string, { g: Group; counter: Counter; n: number }>();
  private readonly latencies = new Map<string, { g: Group; bucket: number; n: number }>();

  bump(g: Group, counter: Counter): void {
    const key = `${groupKey(g)}\u0000${counter}`;
    const entry = this.counters.get(key);
    if (entry) entry.n += 1;
    else this.counters.set(key, { g: pick(g), counter, n: 1 });
  }

  observeLatency(g: Group, ms: number): void {
    const bucket = latencyBucket(Math.max(0, ms));
    const key = `${groupKey(g)}\u0000${bucket}`;
    const entry = this.latencies.get(key);
    if (entry) entry.n += 1;
    else this.latencies.set(key, { g: pick(g), bucket, n: 1 });
  }

  async write(tx: SqlExecutor): Promise<void> {
    for (const { g, counter, n } of this.counters.values()) {
      await tx.execute(
        `INSERT INTO notification_stats (${GROUP_COLUMNS}, ${counter}) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (${GROUP_COLUMNS}) DO UPDATE SET ${counter} = notification_stats.${counter} + excluded.${counter}`,
        [g.day, g.channel, g.category, g.template_id, g.app_key, n],
      );
    }
    for (const { g, bucket, n } of this.latencies.values()) {
      await tx.execute(
        `INSERT INTO notification_stats_latency (${GROUP_COLUMNS}, bucket, count) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (${GROUP_COLUMNS}, bucket) DO UPDATE SET count = notification_stats_latency.count + excluded.count`,
        [g.day, g.channel, g.category, g.template_id, g.app_key, bucket, n],
      );
    }
  }
}

const groupKey = (g: Group): string => `${g.day}\u0000${g.channel}\u0000${g.category}\u0000${g.template_id}\u0000${g.app_key}`;
const pick = (g: Group): Group => ({ day: g.day, channel: g.channel, category: g.category, template_id: g.template_id, app_key: g.app_key });
