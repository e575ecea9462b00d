import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { QUEUE_BACKEND, type QueueBackend } from '../queues/queue.port.js';
import { READ_MODEL_DB, type ReadModelDb } from '../read-models/read-model-db.port.js';

/** A dependency that hangs is as down as one that refuses; under the Dockerfile healthcheck's 3 s. */
const PROBE_TIMEOUT_MS = 2000;

/** Terminus indicators for Herald's own ports, whichever adapter is configured behind each. */
@Injectable()
export class DependencyIndicators {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_DB) private readonly db: ReadModelDb,
    @Inject(QUEUE_BACKEND) private readonly queues: QueueBackend,
  ) {}

  eventStore() {
    return this.indicators.check('eventStore').attempt(() => this.store.ping()).withTimeout(PROBE_TIMEOUT_MS);
  }

  readModels() {
    return this.indicators.check('readModels').attempt(async () => void (await this.db.query('SELECT 1 AS one'))).withTimeout(PROBE_TIMEOUT_MS);
  }

  queueBackend() {
    return this.indicators.check('queues').attempt(async () => {
        await this.queues.ping();
        return { backend: this.queues.kind };
      }).withTimeout(PROBE_TIMEOUT_MS);
  }
}
