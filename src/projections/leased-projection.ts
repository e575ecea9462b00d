import { Logger } from '@nestjs/common';
import type { EventStore } from '../modules/event-store/event-store.port.js';
import type { QueueBackend } from '../modules/queues/queue.port.js';
import type { ReadModelDb } from '../modules/read-models/read-model-db.port.js';
import { ActiveStandby, ProjectionLease, leaseHolderId } from './projection-lease.js';
import { ProjectionRunner, type CheckpointedSink } from './projection-runner.js';
import { sqlSink, type Projection } from './sql-sink.js';

export interface LeasedProjectionOptions {
  /** How long the lease lasts unrenewed: a holder that died or stalled is replaced after at most this. */
  leaseMs: number;
  /** The runner's shortest time between commits under load (see ProjectionRunner). */
  minCommitIntervalMs?: number;
  /** Told once this process has started running the projection (true) or has stopped and stands by (false). */
  onActiveChange?: (active: boolean) => void;
}

/** How often a queue-fed projection looks for its checkpoint in the queue backend. */
const CHECKPOINT_WATCH_MS = 2000;

/**
 * A projection that one process at a time runs, however many have its role: the holder of its
 * lease (`projection_leases`, in the read-model database) runs it from its checkpoint; the
 * others stand by and take over once the holder dies or stalls past its lease.
 */
export class LeasedProjection {
  readonly runner: ProjectionRunner;
  private readonly standby: ActiveStandby;
  private readonly logger: Logger;
  private watch: NodeJS.Timeout | null = null;

  /**
   * A SQL read model. Its rows and checkpoint commit only while this process still holds the
   * lease (fenced in the same transaction), so a holder that stalled and was replaced cannot
   * write beside its successor.
   */
  static ofSqlReadModel(store: EventStore, db: ReadModelDb, projection: Projection, options: LeasedProjectionOptions): LeasedProjection {
    const lease = new ProjectionLease(db, projection.name, leaseHolderId(), options.leaseMs);
    return new LeasedProjection(store, lease, sqlSink(db, projection, lease), options, null);
  }

  /**
   * A projection that enqueues jobs and commits its checkpoint in the queue backend (under the
   * sink's name). Not fenced: a replaced holder's last batch may be enqueued twice, which job
   * ids make harmless. The queues are derived state: when the backend loses its checkpoint
   * (Redis flushed, or restarted without persistence), the projection starts over from the log
   * and refills them.
   */
  static ofQueueFeeder(store: EventStore, leases: ReadModelDb, queues: QueueBackend, sink: CheckpointedSink, options: LeasedProjectionOptions): LeasedProjection {
    const lease = new ProjectionLease(leases, sink.name, leaseHolderId(), options.leaseMs);
    return new LeasedProjection(store, lease, sink, options, async () => (await queues.projectionCheckpoint(sink.name)) === null);
  }

  private constructor(
    store: EventStore,
    lease: ProjectionLease,
    sink: CheckpointedSink,
    options: LeasedProjectionOptions,
    private readonly checkpointLost: (() => Promise<boolean>) | null,
  ) {
    this.logger = new Logger(`Projection:${sink.name}`);
    this.runner = new ProjectionRunner(store, sink, options.minCommitIntervalMs);
    const changed = options.onActiveChange ?? (() => undefined);
    this.standby = new ActiveStandby(lease, {
      activate: async () => {
        await this.runner.start();
        changed(true);
      },
      deactivate: async () => {
        await this.runner.stop();
        changed(false);
      },
    });
  }

  get isActive(): boolean {
    return this.standby.isActive;
  }

  /** Stands by, and runs the projection whenever this process holds the lease. */
  start(): void {
    this.standby.start();
    if (!this.checkpointLost) return;
    this.watch = setInterval(() => void this.refillIfLost().catch(() => undefined), CHECKPOINT_WATCH_MS);
    this.watch.unref();
  }

  private async refillIfLost(): Promise<void> {
    // Before its first commit a projection has no checkpoint to lose.
    if (!this.standby.isActive || this.runner.position === 0n || !(await this.checkpointLost!())) return;
    this.logger.warn({ msg: 'the queue backend lost its state (checkpoint gone): refilling the queues from the event log' });
    await this.runner.restart();
  }

  /** Stops running (handing the lease back) and standing by. */
  async stop(): Promise<void> {
    if (this.watch) clearInterval(this.watch);
    this.watch = null;
    await this.standby.stop();
    await this.runner.stop();
  }
}
