import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import { ActiveStandby, ProjectionLease, leaseHolderId } from '../../projections/projection-lease.js';
import { ProjectionRunner } from '../../projections/projection-runner.js';
import { WEBHOOK_CHECKPOINT, WebhookProjection } from '../../projections/webhook.projection.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { QUEUE_BACKEND, WEBHOOK_QUEUE, type QueueBackend } from '../queues/queue.port.js';
import { READ_MODEL_DB, type ReadModelDb } from '../read-models/read-model-db.port.js';

/**
 * Runs the webhook projection on dispatcher nodes. Like the delivery dispatcher, it notices a
 * queue backend that lost its state (checkpoint gone) and refills from the log; outcomes older
 * than WEBHOOK_MAX_EVENT_AGE are not sent again. One dispatcher node at a time runs it (a
 * lease, as for deliveries).
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('WebhookDispatcher');
  readonly runner: ProjectionRunner;
  private watch: NodeJS.Timeout | null = null;
  private readonly active: ActiveStandby;

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(QUEUE_BACKEND) private readonly queues: QueueBackend,
    metrics: MetricsService,
    @Inject(READ_MODEL_DB) db: ReadModelDb,
  ) {
    const projection = new WebhookProjection(store, queues, config.webhooks.maxEventAgeMs, (count) => metrics.enqueued.inc({ queue: WEBHOOK_QUEUE, channel: 'webhook' }, count));
    this.runner = new ProjectionRunner(store, projection);
    metrics.watchProjection(this.runner);
    const lease = new ProjectionLease(db, WEBHOOK_CHECKPOINT, leaseHolderId(), config.projectionLeaseMs);
    this.active = new ActiveStandby(lease, { activate: () => this.runner.start(), deactivate: () => this.runner.stop() });
  }

  onApplicationBootstrap(): void {
    if (!this.config.roles.has('dispatcher')) return;
    this.active.start();
    this.watch = setInterval(() => void this.checkQueuesKept().catch(() => undefined), 2000);
    this.watch.unref();
  }

  private async checkQueuesKept(): Promise<void> {
    if (!this.active.isActive || this.runner.position === 0n || (await this.queues.checkpoint(WEBHOOK_CHECKPOINT)) !== null) return;
    this.logger.warn({ msg: 'the queue backend lost its state (checkpoint gone): refilling the webhook queue from the event log' });
    await this.runner.restart();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.watch) clearInterval(this.watch);
    await this.active.stop();
    await this.runner.stop();
  }
}
