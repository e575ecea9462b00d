import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import { exhausted, nextRetryDelay } from '../../domain/notification/retry-policy.js';
import type { WebhookJob } from '../../projections/webhook.projection.js';
import { ClientDirectory } from '../auth/client-directory.js';
import { AlertService } from '../delivery/alerts.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { QUEUE_BACKEND, WEBHOOK_QUEUE, type Job, type QueueBackend, type QueueWorker } from '../queues/queue.port.js';
import { sendWebhook } from './webhook-sender.js';

/**
 * Sends webhook jobs on worker nodes: the client's current URL and signing secret, one POST
 * bounded by WEBHOOK_TIMEOUT. A retry is a new job (`<webhook id>-attempt-<n>`, delayed by the
 * backoff) carrying the attempt count, so both queue backends retry the same way; the webhook
 * id in the payload and header stays the same on every attempt.
 */
@Injectable()
export class WebhookWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('WebhookWorker');
  private worker: QueueWorker | null = null;

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    @Inject(QUEUE_BACKEND) private readonly queues: QueueBackend,
    private readonly clients: ClientDirectory,
    private readonly metrics: MetricsService,
    private readonly alerts: AlertService,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.roles.has('worker')) return;
    this.worker = this.queues.work<WebhookJob>(WEBHOOK_QUEUE, (job) => this.handle(job), { concurrency: this.config.webhooks.concurrency });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
  }

  async handle({ data: job }: Job<WebhookJob>): Promise<void> {
    const context = {
      webhookId: job.webhookId,
      appKey: job.appKey,
      event: job.event,
      attempt: job.attempt,
      correlationId: job.correlationId,
      notificationId: job.data.notificationId,
      deliveryId: job.data.deliveryId,
    };
    await this.clients.refresh();
    const webhook = this.clients.get(job.appKey)?.webhook;
    if (!webhook) {
      this.metrics.webhooks.inc({ outcome: 'dropped' });
      this.logger.log({ msg: 'webhook dropped: the client no longer has a webhook', ...context });
      return;
    }
    const settings = this.config.webhooks;
    const stopTimer = this.metrics.webhookLatency.startTimer();
    const result = await sendWebhook(webhook.url, webhook.signingSecret, job, settings.timeoutMs, Date.now());
    stopTimer({ result: result.outcome });
    const line = { ...context, url: webhook.url, status: result.status };
    if (result.outcome === 'delivered') {
      this.metrics.webhooks.inc({ outcome: 'delivered' });
      this.logger.log({ msg: 'webhook delivered', ...line });
      return;
    }
    if (result.outcome === 'permanent') {
      this.metrics.webhooks.inc({ outcome: 'failed' });
      this.logger.warn({ msg: 'webhook refused by the receiver; not retried', ...line, error: result.error });
      return;
    }
    const policy = { maxAttempts: settings.maxAttempts, baseDelayMs: settings.baseDelayMs, maxDelayMs: settings.maxDelayMs };
    if (exhausted(policy, job.attempt)) {
      this.metrics.webhooks.inc({ outcome: 'exhausted' });
      this.logger.warn({ msg: 'webhook given up after the last attempt', ...line, error: result.error });
      this.alerts.raise(`webhook:${job.appKey}:exhausted`, {
        kind: 'webhook_exhausted',
        summary: `webhooks to client ${job.appKey} fail: gave up after ${job.attempt} attempts`,
        details: { appKey: job.appKey, url: webhook.url, webhookId: job.webhookId, lastError: result.error },
      });
      return;
    }
    const delayMs = nextRetryDelay(policy, job.attempt, Math.random(), result.retryAfterMs);
    const next = job.attempt + 1;
    await this.queues.enqueue([{ queue: WEBHOOK_QUEUE, jobs: [{ jobId: `${job.webhookId}-attempt-${next}`, data: { ...job, attempt: next }, delayMs }] }]);
    this.metrics.webhooks.inc({ outcome: 'retried' });
    this.logger.log({ msg: 'webhook failed; retry scheduled', ...line, error: result.error, delayMs });
  }
}
