import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { HeraldConfig } from '../config/herald-config.js';
import type { EventStore } from '../modules/event-store/event-store.port.js';
import type { MetricsService } from '../modules/metrics/metrics.service.js';
import type { QueueBackend } from '../modules/queues/queue.port.js';
import type { ReadModelDb } from '../modules/read-models/read-model-db.port.js';
import { LeasedProjection } from './leased-projection.js';
import type { CheckpointedSink } from './projection-runner.js';

/**
 * A projection that feeds the queues (dispatch, the digest schedule, webhooks): it runs on nodes
 * with the dispatcher role, one node at a time under its lease, from the checkpoint it keeps in
 * the queue backend. Each subclass only says which sink.
 */
export abstract class DispatcherRoleFeeder implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly projection: LeasedProjection;

  protected constructor(
    private readonly config: HeraldConfig,
    store: EventStore,
    leases: ReadModelDb,
    queues: QueueBackend,
    metrics: MetricsService,
    sink: CheckpointedSink,
  ) {
    this.projection = LeasedProjection.ofQueueFeeder(store, leases, queues, sink, { leaseMs: config.projectionLeaseMs });
    metrics.watchProjection(this.projection.runner);
  }

  onApplicationBootstrap(): void {
    if (this.config.roles.has('dispatcher')) this.projection.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.projection.stop();
  }
}
