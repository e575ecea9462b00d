import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import { DispatcherRoleFeeder } from '../../projections/dispatcher-role-feeder.js';
import { WebhookProjection } from '../../projections/webhook.projection.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { QUEUE_BACKEND, WEBHOOK_QUEUE, type QueueBackend } from '../queues/queue.port.js';
import { READ_MODEL_DB, type ReadModelDb } from '../read-models/read-model-db.port.js';

/**
 * Runs the webhook projection on dispatcher nodes, one node at a time, as the dispatcher runs
 * the dispatch projection; after a refill of lost queues, outcomes older than
 * WEBHOOK_MAX_EVENT_AGE are not sent again.
 */
@Injectable()
export class WebhookDispatcher extends DispatcherRoleFeeder {
  constructor(
    @Inject(HERALD_CONFIG) config: HeraldConfig,
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(QUEUE_BACKEND) queues: QueueBackend,
    metrics: MetricsService,
    @Inject(READ_MODEL_DB) db: ReadModelDb,
  ) {
    const webhooks = new WebhookProjection(store, queues, config.webhooks.maxEventAgeMs, (count) => metrics.enqueued.inc({ queue: WEBHOOK_QUEUE, channel: 'webhook' }, count));
    super(config, store, db, queues, metrics, webhooks);
  }
}
