import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import { DispatchProjection } from '../../projections/dispatch.projection.js';
import { ProjectionRunner } from '../../projections/projection-runner.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { QUEUE_BACKEND, type QueueBackend } from '../queues/queue.port.js';

/** Runs the dispatch projection on nodes with the dispatcher role. */
@Injectable()
export class Dispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly runner: ProjectionRunner;

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(QUEUE_BACKEND) queues: QueueBackend,
    metrics: MetricsService,
  ) {
    this.runner = new ProjectionRunner(store, new DispatchProjection(queues, (queue, count) => metrics.enqueued.inc({ queue }, count)));
    metrics.watchProjection({ name: 'dispatch', position: () => this.runner.position, running: () => this.runner.running });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.roles.has('dispatcher')) await this.runner.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.runner.stop();
  }
}
