import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import { DigestScheduleProjection } from '../../projections/digest-schedule.projection.js';
import { DispatcherRoleFeeder } from '../../projections/dispatcher-role-feeder.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { QUEUE_BACKEND, type QueueBackend } from '../queues/queue.port.js';
import { READ_MODEL_DB, type ReadModelDb } from '../read-models/read-model-db.port.js';

/** Runs the digest schedule projection (open digests into delayed flush jobs) on dispatcher nodes, one node at a time. */
@Injectable()
export class DigestScheduler extends DispatcherRoleFeeder {
  constructor(
    @Inject(HERALD_CONFIG) config: HeraldConfig,
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(QUEUE_BACKEND) queues: QueueBackend,
    metrics: MetricsService,
    @Inject(READ_MODEL_DB) db: ReadModelDb,
  ) {
    const schedule = new DigestScheduleProjection(queues, (d) => metrics.digestsFlushed.inc({ reason: d.reason, outcome: d.deliveries.length > 0 ? 'sent' : 'empty' }));
    super(config, store, db, queues, metrics, schedule);
  }
}
