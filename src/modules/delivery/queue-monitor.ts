import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import { ALL_QUEUES, QUEUE_BACKEND, type QueueBackend } from '../queues/queue.port.js';
import { AlertService } from './alerts.service.js';

/**
 * Watches each queue's depth and oldest due job: past the configured thresholds the workers
 * are not keeping up, which is the signal to add workers (or look at the provider).
 */
@Injectable()
export class QueueMonitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    @Inject(QUEUE_BACKEND) private readonly queues: QueueBackend,
    private readonly alerts: AlertService,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.roles.has('dispatcher')) return;
    this.timer = setInterval(() => void this.check().catch(() => undefined), this.config.queueAlerts.intervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async check(): Promise<void> {
    const { maxDepth, maxAgeMs } = this.config.queueAlerts;
    for (const queue of ALL_QUEUES) {
      const stats = await this.queues.stats(queue);
      if (stats.waiting > maxDepth || stats.oldestWaitingAgeMs > maxAgeMs) {
        this.alerts.raise(`queue:${queue}:backlog`, {
          kind: 'queue_backlog',
          summary: `queue ${queue}: ${stats.waiting} jobs due, oldest waiting ${Math.round(stats.oldestWaitingAgeMs / 1000)} s: add workers or check the provider`,
          details: { queue, ...stats, maxDepth, maxAgeSeconds: maxAgeMs / 1000 },
        });
      }
    }
  }
}
