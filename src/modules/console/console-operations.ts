import { Inject, Injectable } from '@nestjs/common';
import { BroadcastQueries } from '../broadcasts/broadcast-queries.js';
import { AlertService } from '../delivery/alerts.service.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ALL_QUEUES, QUEUE_BACKEND, type QueueBackend } from '../queues/queue.port.js';
import { READ_MODEL_DB, type ReadModelDb } from '../read-models/read-model-db.port.js';

const CIRCUIT_STATES = ['closed', 'half_open', 'open'] as const;
/** Enough to see the broadcasts in progress and the last few that ended. */
const RECENT_BROADCASTS = 10;

/**
 * What the operations page shows, from the sources /metrics and the alerts already read: each
 * queue's depth and oldest due job (the queue backend, shared by every process), the circuit
 * breakers of the workers in this process (herald_circuit_state), each SQL projection's distance
 * from the head of the log (its checkpoint, shared), the latest broadcasts with their progress (as
 * GET /v1/broadcasts lists them), and the alerts this process raised.
 */
@Injectable()
export class ConsoleOperations {
  constructor(
    @Inject(QUEUE_BACKEND) private readonly queues: QueueBackend,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_DB) private readonly db: ReadModelDb,
    private readonly metrics: MetricsService,
    private readonly alerts: AlertService,
    private readonly broadcasts: BroadcastQueries,
  ) {}

  async snapshot(now = Date.now()) {
    const [queues, circuits, projections, broadcasts] = await Promise.all([this.queueStats(), this.circuits(), this.projections(), this.broadcasts.list({ limit: RECENT_BROADCASTS })]);
    return { at: new Date(now).toISOString(), queues, circuits, projections, broadcasts: broadcasts.broadcasts, alerts: this.alerts.recent() };
  }

  private queueStats() {
    return Promise.all(
      ALL_QUEUES.map(async (queue) => {
        const s = await this.queues.stats(queue);
        return { queue, waiting: s.waiting, delayed: s.delayed, active: s.active, oldestWaitingSeconds: Math.round(s.oldestWaitingAgeMs / 100) / 10 };
      }),
    );
  }

  private async circuits() {
    const { values } = await this.metrics.circuitState.get();
    return values.map((v) => ({ provider: String(v.labels.provider), state: CIRCUIT_STATES[v.value] ?? 'unknown' })).sort((a, b) => a.provider.localeCompare(b.provider));
  }

  /**
   * A projection running here is as far behind as herald_projection_lag says (what it has seen:
   * it checkpoints only when an event concerns it); one running elsewhere, as far as its checkpoint.
   */
  private async projections() {
    const head = await this.store.headPosition();
    const running = new Map(this.metrics.runningProjections().map((p) => [p.sink.name, p]));
    const rows = await this.db.query<{ name: string; position: string; updated_at: string }>('SELECT name, position, updated_at FROM projection_checkpoints ORDER BY name');
    return rows.map((r) => {
      const here = running.get(r.name);
      const seen = here ? here.seenPosition : BigInt(r.position);
      return { projection: r.name, position: seen.toString(), lag: Math.max(0, Number(head - seen)), runsHere: here !== undefined, checkpointedAt: r.updated_at };
    });
  }
}
