import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import { DISPATCH_CHECKPOINT, DispatchProjection } from '../../projections/dispatch.projection.js';
import { ActiveStandby, ProjectionLease, leaseHolderId } from '../../projections/projection-lease.js';
import { ProjectionRunner } from '../../projections/projection-runner.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { QUEUE_BACKEND, type QueueBackend } from '../queues/queue.port.js';
import { READ_MODEL_DB, type ReadModelDb } from '../read-models/read-model-db.port.js';

/**
 * Runs the dispatch projection on nodes with the dispatcher role. The queues are derived
 * state: if their store is wiped (Redis flushed or restarted without persistence), the
 * checkpoint goes with them, and the dispatcher refills the queues from the log.
 */
@Injectable()
export class Dispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Dispatcher');
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
    this.runner = new ProjectionRunner(store, new DispatchProjection(queues, (queue, channel, count) => metrics.enqueued.inc({ queue, channel }, count)));
    metrics.watchProjection(this.runner);
    const lease = new ProjectionLease(db, DISPATCH_CHECKPOINT, leaseHolderId(), config.projectionLeaseMs);
    this.active = new ActiveStandby(lease, { activate: () => this.runner.start(), deactivate: () => this.runner.stop() });
  }

  onApplicationBootstrap(): void {
    if (!this.config.roles.has('dispatcher')) return;
    this.active.start();
    this.watch = setInterval(() => void this.checkQueuesKept().catch(() => undefined), 2000);
    this.watch.unref();
  }

  async checkQueuesKept(): Promise<void> {
    if (!this.active.isActive || this.runner.position === 0n || (await this.queues.checkpoint(DISPATCH_CHECKPOINT)) !== null) return;
    this.logger.warn({ msg: 'the queue backend lost its state (checkpoint gone): refilling the queues from the event log' });
    await this.runner.restart();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.watch) clearInterval(this.watch);
    await this.active.stop();
    await this.runner.stop();
  }
}
