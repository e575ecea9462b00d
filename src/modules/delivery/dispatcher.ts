import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import { DispatchProjection } from '../../projections/dispatch.projection.js';
import { DispatcherRoleFeeder } from '../../projections/dispatcher-role-feeder.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { QUEUE_BACKEND, type QueueBackend } from '../queues/queue.port.js';
import { READ_MODEL_DB, type ReadModelDb } from '../read-models/read-model-db.port.js';

/** Runs the dispatch projection (decisions into delivery jobs) on nodes with the dispatcher role, one node at a time. */
@Injectable()
export class Dispatcher extends DispatcherRoleFeeder {
  constructor(
    @Inject(HERALD_CONFIG) config: HeraldConfig,
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(QUEUE_BACKEND) queues: QueueBackend,
    metrics: MetricsService,
    @Inject(READ_MODEL_DB) db: ReadModelDb,
  ) {
    super(config, store, db, queues, metrics, new DispatchProjection(queues, (queue, channel, count) => metrics.enqueued.inc({ queue, channel }, count)));
  }
}
