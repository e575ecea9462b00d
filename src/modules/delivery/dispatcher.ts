import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import { DispatchProjection } from '../../projections/dispatch.projection.js';
import { LeasedProjection } from '../../projections/leased-projection.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { QUEUE_BACKEND, type QueueBackend } from '../queues/queue.port.js';
import { READ_MODEL_DB, type ReadModelDb } from '../read-models/read-model-db.port.js';

/** Runs the dispatch projection on nodes with the dispatcher role, one node at a time. */
@Injectable()
export class Dispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly projection: LeasedProjection;

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(QUEUE_BACKEND) queues: QueueBackend,
    metrics: MetricsService,
    @Inject(READ_MODEL_DB) db: ReadModelDb,
  ) {
    const dispatch = new DispatchProjection(queues, (queue, channel, count) => metrics.enqueued.inc({ queue, channel }, count));
    this.projection = LeasedProjection.ofQueueFeeder(store, db, queues, dispatch, { leaseMs: config.projectionLeaseMs });
    metrics.watchProjection(this.projection.runner);
  }

  onApplicationBootstrap(): void {
    if (this.config.roles.has('dispatcher')) this.projection.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.projection.stop();
  }
}
