import { CLIENT_EVENT_TYPES, CLIENTS_STREAM, clientsDecider, type ClientEvent, type ClientsState, type WebhookEvent } from '../domain/client/client.js';
import type { EventType } from '../domain/events.js';
import { notificationStream } from '../domain/notification/delivery-lifecycle.js';
import type { EventStore, RecordedEvent } from '../modules/event-store/event-store.port.js';
import { WEBHOOK_QUEUE, type QueueBackend } from '../modules/queues/queue.port.js';
import type { CheckpointedSink } from './projection-runner.js';

/**
 * Log event types a client can get a webhook for, subscribed to by name: `NotificationOpened`
 * and `NotificationClicked` are written by the tracking module, and nothing here needs its code.
 */
export const WEBHOOK_SOURCES: Readonly<Record<string, WebhookEvent>> = {
  NotificationSent: 'notification.sent',
  NotificationFailed: 'notification.failed',
  NotificationOpened: 'notification.opened',
  NotificationClicked: 'notification.clicked',
} satisfies Partial<Record<EventType, WebhookEvent>>;

export interface WebhookJob {
  /** Stable across attempts and replays (derived from the source event id): receivers dedupe on it. */
  webhookId: string;
  appKey: string;
  event: WebhookEvent;
  /** When the outcome was recorded in the log. */
  occurredAt: string;
  /** The outcome event's data as recorded: notificationId, deliveryId, channel, ... */
  data: Record<string, unknown>;
  correlationId: string | null;
  attempt: number;
}

const APP_KEY_CACHE = 100_000;
/**
 * Most outcomes become no webhook: their batches move the checkpoint at most this often, rather
 * than adding a queue write to every batch. Replaying them after a crash enqueues nothing.
 */
const IDLE_CHECKPOINT_MS = 5000;

export const webhookIdOf = (sourceEventId: string): string => `whd_${sourceEventId}`;

/**
 * Turns outcomes of a client's notifications into webhook jobs on the `webhooks` queue (job id
 * = webhook id), then checkpoints in the queue backend, as the dispatch projection does: a
 * crash or a lost queue replays from the checkpoint, and job ids make the overlap harmless.
 *
 * Whether a client gets a webhook is decided by its webhook settings at that point of the log
 * (the `clients-registry` events are folded in log order), so a replay decides the same.
 * Where it goes and the signing key are read by the worker when it sends, so a changed URL or
 * a rotated secret applies to retries too.
 */
export class WebhookProjection implements CheckpointedSink {
  readonly name = 'webhooks';
  readonly filter = { eventTypes: [...CLIENT_EVENT_TYPES, ...Object.keys(WEBHOOK_SOURCES)] };
  private clients: ClientsState = clientsDecider.initialState();
  /** notificationId -> the appKey that requested it, for outcomes that do not carry it. */
  private readonly requestedBy = new Map<string, string>();
  private checkpointedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly store: EventStore,
    private readonly queues: QueueBackend,
    private readonly maxEventAgeMs: number,
    private readonly onEnqueued: (count: number) => void = () => undefined,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Also rebuilds the clients' webhook settings as they were at the checkpoint. */
  async checkpoint(): Promise<bigint> {
    const position = (await this.queues.projectionCheckpoint(this.name)) ?? 0n;
    this.clients = clientsDecider.initialState();
    for (const e of await this.store.readStream(CLIENTS_STREAM)) {
      if (e.position > position) break;
      this.clients = clientsDecider.evolve(this.clients, { type: e.type, data: e.data } as ClientEvent);
    }
    return position;
  }

  async commit(events: RecordedEvent[], last: bigint): Promise<void> {
    const jobs: { jobId: string; data: WebhookJob }[] = [];
    for (const event of events) {
      if (event.streamName === CLIENTS_STREAM) {
        this.clients = clientsDecider.evolve(this.clients, { type: event.type, data: event.data } as ClientEvent);
        continue;
      }
      const job = await this.jobFor(event);
      if (job) jobs.push({ jobId: job.webhookId, data: job });
    }
    const now = this.clock();
    if (jobs.length === 0 && now - this.checkpointedAt < IDLE_CHECKPOINT_MS) return;
    await this.queues.enqueue(jobs.length > 0 ? [{ queue: WEBHOOK_QUEUE, jobs }] : [], { projection: this.name, position: last });
    this.checkpointedAt = now;
    if (jobs.length > 0) this.onEnqueued(jobs.length);
  }

  private async jobFor(event: RecordedEvent): Promise<WebhookJob | null> {
    const kind = WEBHOOK_SOURCES[event.type];
    const data = event.data as Record<string, unknown> | null;
    const notificationId = typeof data?.notificationId === 'string' ? data.notificationId : null;
    if (!kind || !data || !notificationId) return null;
    const fromMetadata = typeof event.metadata.appKey === 'string' ? event.metadata.appKey : null;
    if (fromMetadata) this.remember(notificationId, fromMetadata);
    // Most deployments have no webhooks: then no outcome costs a read.
    if (![...this.clients.clients.values()].some((c) => c.webhook)) return null;
    if (this.clock() - event.createdAt.getTime() > this.maxEventAgeMs) return null;
    const appKey = fromMetadata ?? (await this.requester(notificationId));
    const webhook = appKey ? this.clients.clients.get(appKey)?.webhook : undefined;
    if (!appKey || !webhook || !webhook.events.includes(kind)) return null;
    return {
      webhookId: webhookIdOf(event.id),
      appKey,
      event: kind,
      occurredAt: event.createdAt.toISOString(),
      data,
      correlationId: typeof event.metadata.correlationId === 'string' ? event.metadata.correlationId : null,
      attempt: 1,
    };
  }

  /**
   * Opens and clicks are recorded without the requesting client; the delivery outcomes on the
   * same `notification-{id}` stream carry it (the worker copies it from the request's metadata).
   */
  private async requester(notificationId: string): Promise<string | null> {
    const cached = this.requestedBy.get(notificationId);
    if (cached) return cached;
    const stream = await this.store.readStream(notificationStream(notificationId));
    const found = stream.map((e) => e.metadata.appKey).find((k): k is string => typeof k === 'string') ?? null;
    if (found) this.remember(notificationId, found);
    return found;
  }

  private remember(notificationId: string, appKey: string): void {
    this.requestedBy.delete(notificationId);
    this.requestedBy.set(notificationId, appKey);
    if (this.requestedBy.size > APP_KEY_CACHE) this.requestedBy.delete(this.requestedBy.keys().next().value!);
  }
}
