import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import { TERMINAL, deliveryOf, type DeliveryLifecycleCommand } from '../../domain/notification/delivery-lifecycle.js';
import { chooseProvider, decideOutcome, type AttemptInfo, type FailedCallOutcome } from '../../domain/notification/delivery-outcome.js';
import { DomainError } from '../../domain/shared/decider.js';
import { currentTarget, sendTimeBlock } from '../../domain/recipient/send-time.js';
import type { DeliveryJob } from '../../projections/delivery-job.js';
import { CHANNEL_PROVIDERS, ProviderError, providerTimeout, type ChannelProviders } from '../channels/provider.port.js';
import { QUEUE_BACKEND, CHANNEL_QUEUES, broadcastLane, type Job, type QueueBackend, type QueueWorker, type StartRate } from '../queues/queue.port.js';
import { RECIPIENT_ACTORS, type RecipientActors } from '../recipients/recipient-actors.js';
import { TemplateRenderError } from '../templates/template-renderer.js';
import { inboxItemOf } from '../inbox/inbox-item.js';
import { TemplateStore } from '../templates/template-store.js';
import { EmailTracking } from '../tracking/email-tracking.js';
import { PreferenceLinks } from '../tracking/preference-links.js';
import { UnsubscribeLinks } from '../tracking/unsubscribe-links.js';
import { AlertService } from './alerts.service.js';
import { BroadcastCancellations } from './broadcast-cancellations.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { CLOCK, RANDOM, type Clock, type Random } from './clock.js';
import { outbound, renderFor } from './message-builder.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { BulkPacer } from '../pacing/bulk-pacer.js';
import { BULK_PACER } from '../pacing/pacing.module.js';
import { DELIVERY_LIFECYCLE_ACTORS, type DeliveryLifecycleActors } from './delivery-lifecycle-actors.js';

type Outcome = void | { retryInMs: number };
/** A delivery command before the worker stamps the time on it. */
type Unstamped = DeliveryLifecycleCommand extends infer C ? (C extends unknown ? Omit<C, 'now'> : never) : never;

/**
 * One worker per channel queue. For each job: skip it if the delivery is already terminal,
 * re-check the user's preferences and devices as they are now, render, and call the provider
 * through its circuit breaker; then record the outcome in the notification's delivery lifecycle
 * (its `notification-{id}` stream) and tell the queue whether to run the job again.
 */
/** Circuits are per provider and queue: the sandbox stands in for several channels, each with its own health. */
const breakerKey = (queue: string, provider: string) => `${queue}:${provider}`;

@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('DeliveryWorker');
  private readonly workers: QueueWorker[] = [];
  readonly breakers = new Map<string, CircuitBreaker>();

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    @Inject(QUEUE_BACKEND) private readonly queues: QueueBackend,
    @Inject(CHANNEL_PROVIDERS) private readonly providers: ChannelProviders,
    @Inject(DELIVERY_LIFECYCLE_ACTORS) private readonly lifecycles: DeliveryLifecycleActors,
    @Inject(RECIPIENT_ACTORS) private readonly recipients: RecipientActors,
    private readonly templates: TemplateStore,
    private readonly alerts: AlertService,
    private readonly metrics: MetricsService,
    private readonly tracking: EmailTracking,
    private readonly unsubscribeLinks: UnsubscribeLinks,
    private readonly preferenceLinks: PreferenceLinks,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(RANDOM) private readonly random: Random,
    private readonly broadcastCancellations: BroadcastCancellations,
    @Inject(BULK_PACER) private readonly pacer: BulkPacer,
  ) {
    for (const queue of CHANNEL_QUEUES) {
      for (const provider of providers[queue]) {
        // Closed until told otherwise, so every provider's circuit shows on /metrics from the start.
        this.metrics.circuitState.set({ provider: provider.name }, 0);
        this.breakers.set(
          breakerKey(queue, provider.name),
          new CircuitBreaker(provider.name, config.breaker, (state, rate) => {
            this.metrics.circuitState.set({ provider: provider.name }, state === 'closed' ? 0 : state === 'half_open' ? 1 : 2);
            const healthy = state === 'closed';
            this.alerts.raise(`provider:${provider.name}:${healthy ? 'recovered' : 'unhealthy'}`, {
              kind: healthy ? 'provider_recovered' : 'provider_unhealthy',
              summary: `${provider.name} circuit ${state} (failure rate ${Math.round(rate * 100)}%)`,
              details: { provider: provider.name, queue, state, failureRate: rate },
            });
          }),
        );
      }
    }
  }

  onApplicationBootstrap(): void {
    if (!this.config.roles.has('worker')) return;
    for (const queue of CHANNEL_QUEUES) {
      const settings = this.config.channels[queue];
      // One provider limit for the channel: its one-to-one queue first, the broadcast lane on what that leaves.
      const startRate = (priority: StartRate['priority']): StartRate | undefined => (settings.ratePerSecond > 0 ? { name: queue, perSecond: settings.ratePerSecond, priority } : undefined);
      this.workers.push(this.queues.work<DeliveryJob>(queue, (job) => this.handle(job), { concurrency: settings.concurrency, startRate: startRate('first') }));
      // Broadcast members' deliveries: the same handling, their own workers, so they never hold up the channel queue's,
      // paced with the fan-out so that together they leave the process prompt for one-to-one work.
      this.workers.push(this.queues.work<DeliveryJob>(broadcastLane(queue), (job) => this.pacer.run(() => this.handle(job)), { concurrency: this.config.broadcasts.laneConcurrency, startRate: startRate('spare') }));
    }
  }

  async onApplicationShutdown(): Promise<void> {
    // In-flight provider calls finish and record their outcome before the queues close.
    await Promise.all(this.workers.map((w) => w.close()));
    await this.alerts.flush();
  }

  async handle(job: Job<DeliveryJob>): Promise<Outcome> {
    const d = job.data;
    const queue = d.queue as keyof ChannelProviders;
    const chain = this.providers[queue];
    // A broadcast's deliveries each touch a user and a notification once: their actors stay out of the main caches.
    const scan = { scan: Boolean(d.broadcastId) };
    const lifecycle = await this.lifecycles.read(d.notificationId, { fresh: true, ...scan });
    const current = deliveryOf(lifecycle.state, d.deliveryId);
    if (TERMINAL.has(current.status)) return;
    if (d.broadcastId && (await this.broadcastCancellations.isCanceled(d.broadcastId))) {
      await this.lifecycles
        .execute(d.notificationId, { type: 'Cancel', notificationId: d.notificationId, deliveryIds: [d.deliveryId], now: this.clock() }, { causationId: d.broadcastId }, scan)
        .catch((error: unknown) => {
          // Ended meanwhile (the fan-out's cancel got there first): nothing to do.
          if (!(error instanceof DomainError && error.code === 'conflict')) throw error;
        });
      return;
    }
    const breakerOf = (name: string) => this.breakers.get(breakerKey(queue, name))!;
    const names = chain.map((p) => p.name);
    const choice = chooseProvider(names, current.nextProvider, (name) => breakerOf(name).waitMs(this.clock()));
    const provider = chain.find((p) => 'provider' in choice && p.name === choice.provider) ?? chain[0]!;
    const base = { notificationId: d.notificationId, deliveryId: d.deliveryId, channel: d.channel, provider: provider.name };
    const record = (command: Unstamped) =>
      this.lifecycles.execute(d.notificationId, { ...command, now: this.clock() } as DeliveryLifecycleCommand, {
        correlationId: d.correlationId ?? undefined,
        causationId: d.deliveryId,
        // The requesting client, so its webhook (and an auditor) finds it on the outcome too.
        ...(d.appKey ? { appKey: d.appKey } : {}),
      }, scan);

    const recipient = (await this.recipients.read(d.userId, { fresh: true, ...scan })).state;
    const blocked = sendTimeBlock(recipient, d.category, d.channel, d.target);
    if (blocked) {
      await record({ type: 'RecordFailure', ...base, reason: blocked, error: `not sent: ${blocked.replace('_', ' ')} before the send` });
      return;
    }

    let message;
    try {
      // A digest's template (version null) is the one published when it is sent; it may not exist yet.
      const template = d.content.kind === 'template' ? await this.templates.get(d.content.templateId, d.content.version ?? undefined) : null;
      if (d.content.kind === 'template' && !template) throw new TemplateRenderError(`no template ${d.content.templateId}`);
      // Issued at the request, not the attempt, so a retried send carries the same link; signed only for a template that reads it.
      const builtIns = template?.variables.includes('preferencesUrl') ? { preferencesUrl: this.preferenceLinks.linkFor(d.userId, Date.parse(d.requestedAt)).url } : {};
      message = this.tracking.apply(d, renderFor(d, recipient.profile.locale, template, this.templates.renderer, builtIns));
      if (d.target.channel === 'inapp') inboxItemOf(message);
    } catch (error) {
      if (!(error instanceof TemplateRenderError)) throw error;
      await record({ type: 'RecordFailure', ...base, reason: 'render_failed', error: error.message });
      return;
    }

    const breaker = breakerOf(provider.name);
    const attempt = current.attempts + 1;
    const policy = { ...this.config.retry, maxAttempts: this.config.channels[queue].maxAttempts };
    const attemptNow = (): AttemptInfo => ({
      channel: d.channel,
      attempt,
      policy,
      circuitOpenMs: this.config.breaker.openMs,
      now: this.clock(),
      random: this.random(),
      provider: provider.name,
      chain: names,
      failoverAfterTimeout: this.config.providers.failoverAfterTimeout,
    });
    if ('waitMs' in choice) return { retryInMs: decideOutcome({ kind: 'circuit_open', waitMs: choice.waitMs }, attemptNow()).retryInMs };

    let providerMessageId: string | null;
    const stopTimer = this.metrics.providerLatency.startTimer({ provider: provider.name });
    // One line per provider call, carrying the API request's correlation id: grep a request's id to follow it here.
    // A sent call's line is at debug (one per delivery is too many at info); a failed call's at warn.
    const callLine = { ...base, correlationId: d.correlationId, appKey: d.appKey, attempt };
    try {
      ({ providerMessageId } = await providerTimeout(provider.send(outbound({ ...d, target: currentTarget(recipient, d.target) }, message, this.unsubscribeLinks.headersFor(d))), this.config.providers.timeoutMs, provider.name));
    } catch (raw) {
      const error = raw instanceof ProviderError ? raw : new ProviderError('retryable', 'error', raw instanceof Error ? raw.message : String(raw));
      const seconds = stopTimer({ result: error.kind });
      const description = `${error.code}: ${error.message}`.slice(0, 500);
      this.logger.warn({ msg: 'provider call failed', ...callLine, result: error.kind, error: description, durationMs: Math.round(seconds * 1000) });
      breaker.record(error.kind !== 'retryable', this.clock());
      const outcome = decideOutcome({ kind: 'failed', error: error.kind, answered: error.answered, retryAfterMs: error.retryAfterMs, circuitBlockedMs: breaker.blockedMs(this.clock()) }, attemptNow());
      this.metrics.deliveries.inc({ channel: d.channel, provider: provider.name, outcome: outcome.type === 'retry' || outcome.type === 'failover' ? 'retried' : 'failed' });
      return this.apply(outcome, { error: description, code: error.code, attempt }, d, base, record);
    }
    const seconds = stopTimer({ result: 'sent' });
    this.logger.debug({ msg: 'provider call sent', ...callLine, result: 'sent', providerMessageId, durationMs: Math.round(seconds * 1000) });
    breaker.record(true, this.clock());
    // An in-app delivery is made by recording its item: the send and the item are one append.
    if (d.target.channel === 'inapp') await record({ type: 'RecordInboxItem', ...base, userId: d.userId, category: d.category, item: inboxItemOf(message) });
    else await record({ type: 'RecordSent', ...base, providerMessageId });
    this.metrics.deliveries.inc({ channel: d.channel, provider: provider.name, outcome: 'sent' });
  }

  /** Records a failed call's outcome (and its side effects: a dropped token, an alert) and tells the queue what to do with the job. */
  private async apply(
    outcome: FailedCallOutcome,
    { error, code, attempt }: { error: string; code: string; attempt: number },
    d: DeliveryJob,
    base: { notificationId: string; deliveryId: string; channel: string; provider: string },
    record: (c: Unstamped) => Promise<unknown>,
  ): Promise<Outcome> {
    switch (outcome.type) {
      case 'invalidate_token':
        if (d.target.channel === 'push') {
          await this.recipients.execute(d.userId, { type: 'InvalidateDeviceToken', userId: d.userId, token: d.target.token, reason: code, now: this.clock() }, { causationId: d.deliveryId });
        }
        await record({ type: 'RecordFailure', ...base, reason: 'token_invalidated', error });
        return;
      case 'fail':
        await record({ type: 'RecordFailure', ...base, reason: outcome.reason, error });
        if (outcome.reason === 'exhausted') {
          const alert = {
            kind: 'delivery_exhausted',
            summary: `${base.provider}: a delivery failed after ${attempt} attempts`,
            details: { provider: base.provider, deliveryId: d.deliveryId, notificationId: d.notificationId, lastError: error },
          } as const;
          this.alerts.raise(`exhausted:${base.provider}`, alert, this.clock());
        }
        return;
      case 'failover':
        await record({ type: 'RecordRetry', ...base, error, retryAt: outcome.retryAt, failoverTo: outcome.provider });
        this.metrics.failovers.inc({ channel: d.channel, from: base.provider, to: outcome.provider });
        this.logger.log({ msg: 'failover', notificationId: d.notificationId, deliveryId: d.deliveryId, correlationId: d.correlationId, attempt, from: base.provider, to: outcome.provider, error });
        return { retryInMs: 0 };
      case 'retry':
        await record({ type: 'RecordRetry', ...base, error, retryAt: outcome.retryAt });
        this.logger.debug({ msg: 'retry scheduled', notificationId: d.notificationId, deliveryId: d.deliveryId, correlationId: d.correlationId, attempt, delayMs: outcome.retryInMs, error });
        return { retryInMs: outcome.retryInMs };
    }
  }
}
