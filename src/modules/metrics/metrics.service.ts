import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { ALL_QUEUES, QUEUE_BACKEND, type QueueBackend } from '../queues/queue.port.js';
import { LiveHeapWatch } from './live-heap.js';

/** What the metrics read of a projection runner. */
export interface ProjectionProbe {
  readonly sink: { readonly name: string };
  readonly running: boolean;
  readonly seenPosition: bigint;
  lagSeconds(now: number): number;
}

/** Prometheus metrics; gauges that need I/O (queue depth, lag) are read when scraped. */
@Injectable()
export class MetricsService implements OnModuleDestroy {
  readonly registry = new Registry();
  readonly deliveries: Counter<'channel' | 'provider' | 'outcome'>;
  readonly enqueued: Counter<'queue' | 'channel'>;
  readonly providerLatency: Histogram<'provider' | 'result'>;
  readonly circuitState: Gauge<'provider'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly decisions: Counter<'outcome'>;
  readonly failovers: Counter<'channel' | 'from' | 'to'>;
  readonly webhooks: Counter<'outcome'>;
  readonly digestsFlushed: Counter<'reason' | 'outcome'>;
  readonly webhookLatency: Histogram<'result'>;
  readonly childRestarts: Counter<'process'>;
  readonly inboxStreams: Gauge;
  readonly broadcastMembers: Counter<'outcome'>;
  readonly broadcastPages: Counter;
  readonly broadcastBacklog: Gauge;
  readonly broadcastsStalled: Gauge;
  readonly broadcastConcurrency: Gauge;
  private readonly projections: ProjectionProbe[] = [];
  private readonly liveHeap = new LiveHeapWatch();

  constructor(
    @Inject(QUEUE_BACKEND) queues: QueueBackend,
    @Inject(EVENT_STORE) store: EventStore,
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'herald_process_' });
    this.deliveries = new Counter({ name: 'herald_deliveries_total', help: 'Delivery outcomes recorded, by channel, provider and outcome (sent, retried, failed)', labelNames: ['channel', 'provider', 'outcome'], registers });
    this.enqueued = new Counter({ name: 'herald_enqueued_total', help: 'Jobs enqueued by the dispatchers: deliveries per provider queue and channel, and webhooks', labelNames: ['queue', 'channel'], registers });
    this.decisions = new Counter({ name: 'herald_notification_decisions_total', help: 'Notification requests decided by this process (accepted, suppressed, duplicate)', labelNames: ['outcome'], registers });
    this.inboxStreams = new Gauge({ name: 'herald_inbox_streams', help: 'Live in-app feed streams (Server-Sent Events) this process holds open', registers });
    this.failovers = new Counter({ name: 'herald_provider_failovers_total', help: 'Deliveries handed from a provider to the next in its channel chain after a failed call', labelNames: ['channel', 'from', 'to'], registers });
    this.providerLatency = new Histogram({
      name: 'herald_provider_request_seconds',
      help: 'Provider call latency',
      labelNames: ['provider', 'result'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.digestsFlushed = new Counter({
      name: 'herald_digests_flushed_total',
      help: 'Digest windows closed, seen by the dispatcher as it schedules: by reason (window_ended, max_items) and outcome (sent = with deliveries, empty = every item canceled or no channel left)',
      labelNames: ['reason', 'outcome'],
      registers,
    });
    this.webhooks = new Counter({
      name: 'herald_webhooks_total',
      help: 'Client webhook attempts by outcome (delivered, retried, failed = refused by the receiver, exhausted, dropped = client removed its webhook)',
      labelNames: ['outcome'],
      registers,
    });
    this.webhookLatency = new Histogram({
      name: 'herald_webhook_request_seconds',
      help: 'Client webhook call latency',
      labelNames: ['result'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.childRestarts = new Counter({ name: 'herald_child_process_restarts_total', help: 'Child processes (HERALD_PROCESSES=split) that exited and were restarted, by process', labelNames: ['process'], registers });
    this.broadcastMembers = new Counter({
      name: 'herald_broadcast_members_decided_total',
      help: 'Broadcast members decided by the fan-out running here, by outcome (accepted, suppressed, unknown_user); its rate is members decided per second',
      labelNames: ['outcome'],
      registers,
    });
    this.broadcastPages = new Counter({ name: 'herald_broadcast_pages_total', help: 'Fan-out pages recorded on broadcast streams by the fan-out running here', registers });
    this.broadcastBacklog = new Gauge({ name: 'herald_broadcast_backlog_members', help: 'Members counted in open broadcasts and not yet decided, as the fan-out running here last saw them', registers });
    this.broadcastConcurrency = new Gauge({
      name: 'herald_broadcast_concurrency',
      help: 'Broadcast members and broadcast deliveries this process lets run at once, the limit that keeps its event-loop delay under BROADCAST_MAX_LOOP_DELAY',
      registers,
    });
    this.broadcastsStalled = new Gauge({ name: 'herald_broadcast_stalled', help: 'Open broadcasts whose fan-out recorded no page for longer than BROADCAST_STALL_AFTER', registers });
    this.circuitState = new Gauge({ name: 'herald_circuit_state', help: 'Circuit breaker per provider: 0 closed, 1 half-open, 2 open', labelNames: ['provider'], registers });
    this.httpDuration = new Histogram({
      name: 'herald_http_request_seconds',
      help: 'API request latency',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    new Gauge({
      name: 'herald_queue_depth',
      help: 'Jobs per queue and state (waiting = due and not started; delayed = scheduled or backing off; active)',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        for (const queue of ALL_QUEUES) {
          const s = await queues.stats(queue);
          this.set({ queue, state: 'waiting' }, s.waiting);
          this.set({ queue, state: 'delayed' }, s.delayed);
          this.set({ queue, state: 'active' }, s.active);
        }
      },
    });
    new Gauge({
      name: 'herald_queue_oldest_job_age_seconds',
      help: 'Age of the oldest due job not yet started: the signal to add workers',
      labelNames: ['queue'],
      registers,
      async collect() {
        for (const queue of ALL_QUEUES) this.set({ queue }, (await queues.stats(queue)).oldestWaitingAgeMs / 1000);
      },
    });
    const liveHeap = this.liveHeap;
    new Gauge({
      name: 'herald_heap_live_bytes',
      help: 'JavaScript heap in use just after the last full garbage collection (0 before the first): a leak shows as this climbing, while resident memory also grows when the collector merely waits longer',
      registers,
      collect() {
        const bytes = liveHeap.liveBytes();
        if (bytes !== undefined) this.set(bytes);
      },
    });
    const probes = this.projections;
    new Gauge({
      name: 'herald_projection_lag',
      help: 'How far each projection running here is behind the head of the log, in log positions (events on SQLite; a log offset on EventStoreDB)',
      labelNames: ['projection'],
      registers,
      async collect() {
        const head = await store.headPosition();
        for (const p of probes) if (p.running) this.set({ projection: p.sink.name }, Math.max(0, Number(head - p.seenPosition)));
      },
    });
    new Gauge({
      name: 'herald_projection_lag_seconds',
      help: 'Age of the oldest event each projection running here has received but not yet applied (0 when caught up)',
      labelNames: ['projection'],
      registers,
      collect() {
        for (const p of probes) if (p.running) this.set({ projection: p.sink.name }, p.lagSeconds(Date.now()));
      },
    });
  }

  onModuleDestroy(): void {
    this.liveHeap.stop();
  }

  /** The projections running in this process, as herald_projection_lag reads them. */
  runningProjections(): readonly ProjectionProbe[] {
    return this.projections.filter((p) => p.running);
  }

  watchProjection(probe: ProjectionProbe): void {
    this.projections.push(probe);
  }
}
