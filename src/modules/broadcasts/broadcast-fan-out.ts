import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import { addOutcomes, broadcastStream, memberIdempotencyKey, needsFanOut, noOutcomes, type BroadcastRequest, type BroadcastState, type PageOutcomes } from '../../domain/broadcast/broadcast.js';
import { findIdempotentReplay } from '../../domain/recipient/decide.js';
import { DomainError } from '../../domain/shared/decider.js';
import { ActiveStandby, ProjectionLease, leaseHolderId } from '../../projections/projection-lease.js';
import type { ProjectionRunner } from '../../projections/projection-runner.js';
import { AlertService } from '../delivery/alerts.service.js';
import { DELIVERY_LIFECYCLE_ACTORS, type DeliveryLifecycleActors } from '../delivery/delivery-lifecycle-actors.js';
import { EVENT_STORE, type EventMetadata, type EventStore } from '../event-store/event-store.port.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { BulkPacer } from '../pacing/bulk-pacer.js';
import { BULK_PACER } from '../pacing/pacing.module.js';
import { READ_MODEL_DB, type ReadModelDb } from '../read-models/read-model-db.port.js';
import { BROADCASTS_RUNNER } from '../read-models/read-models.module.js';
import { RECIPIENT_ACTORS, type RecipientActors } from '../recipients/recipient-actors.js';
import { BROADCAST_ACTORS, type BroadcastActors } from './broadcast-actors.js';
import { BroadcastAudienceReader } from './broadcast-audience.js';
import { derivedUuid } from './derived-id.js';

/** The lease that makes one process at a time the fan-out (in projection_leases, beside the projections'). */
export const FAN_OUT_LEASE = 'broadcast_fanout';
/** How often an idle fan-out looks for new broadcasts. */
const IDLE_POLL_MS = 200;

/** What the fan-out keeps of an open broadcast between pages. */
interface Open {
  /** The log position of its BroadcastRequested: the audience is read as of it. */
  asOf: bigint;
  metadata: EventMetadata;
  /** When it last made progress (a page, a start), for the stall alert. */
  progressedAt: number;
}

async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

/**
 * Fans each broadcast out to its members, one page at a time, under a lease (one process at a
 * time, another taking over when it dies). A page is: read the next members as of the
 * broadcast's acceptance, send each one's request through the member's own recipient actor (so
 * opt-outs, rate limits, dedup and no-target apply as to a single request) with the idempotency
 * key `broadcast:{id}:{userId}` and a notification id derived from it, then record the page on
 * the broadcast's stream. Killed between the two, the next holder decides that page again and
 * the keys answer with the first decisions: each member is decided once. A canceled broadcast
 * stops at its next page; then its members' unsent deliveries are canceled.
 */
@Injectable()
export class BroadcastFanOut implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('BroadcastFanOut');
  private readonly standby: ActiveStandby;
  private readonly open = new Map<string, Open>();
  private loop: Promise<void> | null = null;
  private running = false;
  private wake: (() => void) | null = null;

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_DB) private readonly db: ReadModelDb,
    @Inject(BROADCAST_ACTORS) private readonly broadcasts: BroadcastActors,
    @Inject(RECIPIENT_ACTORS) private readonly recipients: RecipientActors,
    @Inject(DELIVERY_LIFECYCLE_ACTORS) private readonly lifecycles: DeliveryLifecycleActors,
    @Inject(BROADCASTS_RUNNER) private readonly broadcastsProjection: ProjectionRunner,
    private readonly audience: BroadcastAudienceReader,
    private readonly metrics: MetricsService,
    private readonly alerts: AlertService,
    @Inject(BULK_PACER) private readonly pacer: BulkPacer,
  ) {
    const lease = new ProjectionLease(db, FAN_OUT_LEASE, leaseHolderId(), config.projectionLeaseMs);
    this.standby = new ActiveStandby(lease, { activate: async () => this.start(), deactivate: () => this.stop() });
  }

  get isActive(): boolean {
    return this.standby.isActive;
  }

  onApplicationBootstrap(): void {
    if (this.config.roles.has('dispatcher')) this.standby.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.standby.stop();
  }

  private start(): void {
    this.running = true;
    this.loop = this.run();
  }

  private async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = null;
    this.open.clear();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let worked = false;
      try {
        worked = await this.round();
      } catch (error) {
        this.logger.error({ msg: 'fan-out round failed; trying again', err: error instanceof Error ? error.stack : String(error) });
      }
      if (!worked && this.running) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, IDLE_POLL_MS);
          this.wake = () => (clearTimeout(timer), resolve());
        });
      }
    }
  }

  /** One page of every open broadcast, oldest first, so a large one does not hold the others back. */
  private async round(): Promise<boolean> {
    const rows = await this.db.query<{ broadcast_id: string }>(`SELECT broadcast_id FROM broadcasts WHERE status IN ('requested', 'fanning_out', 'canceling') ORDER BY requested_at, broadcast_id`);
    let worked = false;
    let backlog = 0;
    let stalled = 0;
    const now = Date.now();
    for (const { broadcast_id: id } of rows) {
      if (!this.running) break;
      const { worked: progressed, state } = await this.advance(id);
      worked ||= progressed;
      if (state && needsFanOut(state) && state.audienceSize !== null) backlog += Math.max(0, state.audienceSize - state.totals.decided);
      const open = this.open.get(id);
      if (open && state && needsFanOut(state) && now - open.progressedAt > this.config.broadcasts.stallAfterMs) {
        stalled += 1;
        this.alerts.raise(`broadcast:${id}:stalled`, {
          kind: 'broadcast_stalled',
          summary: `broadcast ${id} has recorded no page for ${Math.round((now - open.progressedAt) / 1000)} s`,
          details: { broadcastId: id, status: state.status, decided: state.totals.decided, audienceSize: state.audienceSize },
        });
      }
    }
    this.metrics.broadcastBacklog.set(backlog);
    this.metrics.broadcastsStalled.set(stalled);
    return worked;
  }

  private async opened(id: string): Promise<Open> {
    let open = this.open.get(id);
    if (!open) {
      const [first] = await this.store.readStream(broadcastStream(id), { maxCount: 1 });
      open = { asOf: first!.position, metadata: first!.metadata, progressedAt: Date.now() };
      this.open.set(id, open);
    }
    return open;
  }

  /** Takes one step on a broadcast: start it, decide its next page, or finish it. */
  async advance(id: string): Promise<{ worked: boolean; state: BroadcastState | null }> {
    let { state } = await this.broadcasts.read(id, { fresh: true });
    if (state.request === null || !needsFanOut(state)) {
      this.open.delete(id);
      return { worked: false, state: state.request === null ? null : state };
    }
    const open = await this.opened(id);
    const request = state.request;
    const metadata = { appKey: open.metadata.appKey, correlationId: open.metadata.correlationId, causationId: id };
    if (state.status === 'canceling') {
      await this.cancelUnsent(id);
      await this.broadcasts.execute(id, { type: 'FinishBroadcast', broadcastId: id, now: Date.now() }, metadata);
      this.open.delete(id);
      return { worked: true, state };
    }
    if (!(await this.audience.ready(request.audience, open.asOf))) return { worked: false, state };
    if (state.status === 'requested') {
      const audienceSize = await this.audience.count(request.audience, open.asOf);
      ({ state } = await this.broadcasts.execute(id, { type: 'StartFanOut', broadcastId: id, audienceSize, now: Date.now() }, metadata));
      open.progressedAt = Date.now();
      // Canceled since it was read: the next step carries the cancel out, deciding no one.
      if (state.status !== 'fanning_out') return { worked: true, state };
    }
    const page = await this.audience.page(request.audience, open.asOf, state.cursor, this.config.broadcasts.pageSize);
    if (page.userIds.length === 0) {
      ({ state } = await this.broadcasts.execute(id, { type: 'FinishBroadcast', broadcastId: id, now: Date.now() }, metadata));
      this.open.delete(id);
      return { worked: true, state };
    }
    if (!this.running) return { worked: false, state };
    const outcomes = await this.decidePage(id, request, page.userIds, metadata);
    ({ state } = await this.broadcasts.execute(id, { type: 'RecordPage', broadcastId: id, page: state.pages, cursor: page.cursor, ...outcomes, now: Date.now() }, metadata));
    this.metrics.broadcastPages.inc();
    open.progressedAt = Date.now();
    return { worked: true, state };
  }

  /** Each member's request, through their own actor; a member decided before answers with that decision. */
  private async decidePage(broadcastId: string, request: BroadcastRequest, userIds: string[], metadata: EventMetadata): Promise<PageOutcomes> {
    let outcomes = noOutcomes();
    const one = (o: Partial<PageOutcomes>) => (outcomes = addOutcomes(outcomes, { ...noOutcomes(), decided: 1, ...o }));
    await eachLimited(userIds, this.config.broadcasts.parallel, (userId) => this.pacer.run(async () => {
      const now = Date.now();
      const idempotencyKey = memberIdempotencyKey(broadcastId, userId);
      const sendAt = request.sendAt === null ? null : Date.parse(request.sendAt) > now ? Date.parse(request.sendAt) : null;
      try {
        const { events, state } = await this.recipients.execute(
          userId,
          {
            type: 'RequestNotification',
            userId,
            notificationId: derivedUuid(idempotencyKey),
            category: request.category,
            channels: request.channels,
            content: request.content,
            contentHash: request.contentHash,
            priority: request.priority,
            sendAt,
            ...(request.localSendAt ? { localSendAt: request.localSendAt } : {}),
            idempotencyKey,
            broadcastId,
            now,
          },
          metadata,
          // Every member once: a million of them must not push the everyday users out of the cache.
          { scan: true },
        );
        const decision = events[0];
        const replay = decision ? undefined : findIdempotentReplay(this.config.policy, state, idempotencyKey, now);
        const accepted = decision ? decision.type === 'NotificationRequested' : replay?.status === 'accepted';
        const suppressed = decision && 'suppressed' in decision.data ? decision.data.suppressed : (replay?.suppressed ?? []);
        if (accepted) {
          one({ accepted: 1 });
          this.metrics.broadcastMembers.inc({ outcome: 'accepted' });
        } else {
          one({ suppressed: Object.fromEntries([...new Set(suppressed.map((s) => s.reason))].map((r) => [r, 1])) });
          this.metrics.broadcastMembers.inc({ outcome: 'suppressed' });
        }
      } catch (error) {
        if (!(error instanceof DomainError && error.code === 'not_found')) throw error;
        one({ unknownUser: 1 });
        this.metrics.broadcastMembers.inc({ outcome: 'unknown_user' });
      }
    }));
    return outcomes;
  }

  /** Every member delivery not yet ended is canceled, once the broadcasts read model has every decision made before the cancel. */
  private async cancelUnsent(broadcastId: string): Promise<void> {
    await this.broadcastsProjection.caughtUpWithLog(30_000);
    for (let after = ''; ; ) {
      const rows = await this.db.query<{ notification_id: string; delivery_id: string }>(
        `SELECT notification_id, delivery_id FROM broadcast_deliveries WHERE broadcast_id = $1 AND status = 'pending' AND notification_id > $2 ORDER BY notification_id LIMIT 1000`,
        [broadcastId, after],
      );
      if (rows.length === 0) return;
      const byNotification = new Map<string, string[]>();
      for (const r of rows) byNotification.set(r.notification_id, [...(byNotification.get(r.notification_id) ?? []), r.delivery_id]);
      // The last notification of a full page may have more deliveries on the next: it is taken whole next time.
      if (rows.length === 1000 && byNotification.size > 1) byNotification.delete(rows[rows.length - 1]!.notification_id);
      await eachLimited([...byNotification], this.config.broadcasts.parallel, async ([notificationId, deliveryIds]) => {
        try {
          await this.lifecycles.execute(notificationId, { type: 'Cancel', notificationId, deliveryIds, now: Date.now() }, { causationId: broadcastId }, { scan: true });
        } catch (error) {
          // Sent, failed or canceled meanwhile: nothing left to cancel.
          if (!(error instanceof DomainError && error.code === 'conflict')) throw error;
        }
      });
      after = [...byNotification.keys()].pop()!;
    }
  }
}
