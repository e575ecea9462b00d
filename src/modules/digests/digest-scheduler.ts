import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import { DigestScheduleProjection } from '../../projections/digest-schedule.projection.js';
import { LeasedProjection } from '../../projections/leased-projection.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { QUEUE_BACKEND, type QueueBackend } from '../queues/queue.port.js';
import { READ_MODEL_DB, type ReadModelDb } from '../read-models/read-model-db.port.js';

/** Runs the digest schedule projection on dispatcher nodes, one node at a time, as the dispatcher runs dispatch. */
@Injectable()
export class DigestScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly projection: LeasedProjection;

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(QUEUE_BACKEND) queues: QueueBackend,
    metrics: MetricsService,
    @Inject(READ_MODEL_DB) db: ReadModelDb,
  ) {
    const schedule = new DigestScheduleProjection(queues, (d) => metrics.digestsFlushed.inc({ reason: d.reason, outcome: d.deliveries.length > 0 ? 'sent' : 'empty' }));
    this.projection = LeasedProjection.ofQueueFeeder(store, db, queues, schedule, { leaseMs: config.projectionLeaseMs });
    metrics.watchProjection(this.projection.runner);
  }

  onApplicationBootstrap(): void {
    if (this.config.roles.has('dispatcher')) this.projection.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.projection.stop();
  }
}
