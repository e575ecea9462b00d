import { randomUUID } from 'node:crypto';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { Logger } from '@nestjs/common';
import { ownerOnlyDatabaseFile } from '../data-dir/owner-only.js';
import {
  faultBackoffMs,
  type EnqueueBatch,
  type Job,
  type JobHandler,
  type ProjectionCheckpoint,
  type QueueBackend,
  type QueueStats,
  type QueueWorker,
  type WorkerOptions,
} from './queue.port.js';
import { StartBucket } from './start-rate.js';

export interface SqliteQueueOptions {
  /** How often an idle worker looks for due jobs. */
  pollIntervalMs?: number;
  /** How long a claimed job stays with its worker without a heartbeat: a killed worker's job runs again this long after its last renewal. */
  leaseMs?: number;
  /** How often running jobs' leases are renewed (default: a third of the lease). */
  heartbeatMs?: number;
}
const KEEP_COMPLETED_MS = 24 * 3_600_000;
const logger = new Logger('SqliteQueue');

/**
 * Bookkeeping that may fail when the disk does (full, read-only, I/O error) and can be left
 * undone: a missed heartbeat or purge is made up next time, and a job outcome that could not be
 * written is tried again (see `writeSettled`). Thrown from a timer or a settled job, the error
 * would end the process.
 */
function bestEffort(write: () => unknown): boolean {
  try {
    write();
    return true;
  } catch (error) {
    // See above: the queue is derived state, and the next run repairs it. Said, so a bug does not hide here.
    logger.warn({ msg: 'queue bookkeeping not written; tried again later', error: error instanceof Error ? error.message : String(error) });
    return false;
  }
}

const SETTLE_RETRY_MS = 500;

const leaseKey = (queue: string, jobId: string) => `${queue}\u0000${jobId}`;

/** A job's outcome: completed (runAt null) or back to waiting until runAt. */
interface Settled {
  queue: string;
  jobId: string;
  runAt: number | null;
  failed: 0 | 1;
}

interface Row {
  job_id: string;
  data: string;
  failures: number;
  enqueued_at: number;
}

/**
 * The embedded queue: a jobs table in its own SQLite file. Workers claim due jobs with a lease
 * (renewed while the job runs), so jobs of a crashed process are taken over once the lease
 * lapses. Completed jobs are kept a day so their ids still deduplicate. Start rates are counted
 * in the process: worker processes sharing one queue file each get the whole rate.
 */
export class SqliteQueue implements QueueBackend {
  readonly kind = 'sqlite' as const;
  private readonly db: DatabaseSync;
  private readonly owner = randomUUID();
  private readonly wakers = new Map<string, Set<() => void>>();
  private readonly workers = new Set<QueueWorker>();
  /** Jobs this process holds: running, or run with an outcome not yet written. Only these have their leases renewed. */
  private readonly leased = new Map<string, { queue: string; jobId: string }>();
  /** Start rates by name, shared by the workers of every queue naming one (in this process). */
  private readonly startBuckets = new Map<string, StartBucket>();
  private readonly stmt: Record<'insert' | 'claim' | 'reclaim' | 'complete' | 'reschedule' | 'heartbeat' | 'checkpointGet' | 'checkpointSet' | 'purge' | 'nextDue' | 'countDue' | 'countDelayed' | 'countActive' | 'withdraw', StatementSync>;
  private purgeTimer: NodeJS.Timeout;

  private readonly pollIntervalMs: number;
  private readonly leaseMs: number;
  private readonly heartbeatMs: number;

  constructor(file: string, options: SqliteQueueOptions = {}) {
    this.pollIntervalMs = options.pollIntervalMs ?? 100;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.heartbeatMs = options.heartbeatMs ?? Math.max(10, Math.floor(this.leaseMs / 3));
    if (file !== ':memory:') ownerOnlyDatabaseFile(file);
    this.db = new DatabaseSync(file, { timeout: 10_000 });
    // The queue can be refilled from the log, and its checkpoint lives in the same file,
    // so both roll back together: NORMAL durability is enough.
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS jobs (
        queue TEXT NOT NULL, job_id TEXT NOT NULL, data TEXT NOT NULL,
        state TEXT NOT NULL, run_at INTEGER NOT NULL, failures INTEGER NOT NULL DEFAULT 0,
        enqueued_at INTEGER NOT NULL, lease_until INTEGER, owner TEXT, done_at INTEGER,
        PRIMARY KEY (queue, job_id)
      ) STRICT;
      CREATE INDEX IF NOT EXISTS jobs_due ON jobs (queue, state, run_at);
      CREATE TABLE IF NOT EXISTS queue_checkpoints (name TEXT PRIMARY KEY, position TEXT NOT NULL) STRICT;
    `);
    const p = (sql: string) => this.db.prepare(sql);
    this.stmt = {
      insert: p(`INSERT INTO jobs (queue, job_id, data, state, run_at, enqueued_at) VALUES (?, ?, ?, 'waiting', ?, ?) ON CONFLICT DO NOTHING`),
      // Due jobs only, so the (queue, state, run_at) index answers it however many completed
      // jobs the table keeps; lapsed leases are returned to 'waiting' by `reclaim`.
      claim: p(`UPDATE jobs SET state = 'active', lease_until = ?1, owner = ?2
                WHERE queue = ?3 AND job_id IN (
                  SELECT job_id FROM jobs WHERE queue = ?3 AND state = 'waiting' AND run_at <= ?4
                  ORDER BY run_at LIMIT ?5)
                RETURNING job_id, data, failures, enqueued_at`),
      reclaim: p(`UPDATE jobs SET state = 'waiting', lease_until = NULL, owner = NULL WHERE queue = ? AND state = 'active' AND lease_until < ?`),
      complete: p(`UPDATE jobs SET state = 'completed', done_at = ?, lease_until = NULL, owner = NULL WHERE queue = ? AND job_id = ? AND owner = ?`),
      reschedule: p(`UPDATE jobs SET state = 'waiting', run_at = ?, failures = failures + ?, lease_until = NULL, owner = NULL WHERE queue = ? AND job_id = ? AND owner = ?`),
      heartbeat: p(`UPDATE jobs SET lease_until = ? WHERE queue = ? AND job_id = ? AND owner = ? AND state = 'active'`),
      checkpointGet: p('SELECT position FROM queue_checkpoints WHERE name = ?'),
      checkpointSet: p('INSERT INTO queue_checkpoints (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position'),
      purge: p(`DELETE FROM jobs WHERE state = 'completed' AND done_at < ?`),
      nextDue: p(`SELECT MIN(run_at) AS at FROM jobs WHERE queue = ? AND state = 'waiting'`),
      countDue: p(`SELECT COUNT(*) AS n FROM jobs WHERE queue = ? AND state = 'waiting' AND run_at <= ?`),
      countDelayed: p(`SELECT COUNT(*) AS n FROM jobs WHERE queue = ? AND state = 'waiting' AND run_at > ?`),
      countActive: p(`SELECT COUNT(*) AS n FROM jobs WHERE queue = ? AND state = 'active'`),
      // Kept as completed, not deleted, so the id still deduplicates a replayed enqueue.
      withdraw: p(`UPDATE jobs SET state = 'completed', done_at = ? WHERE queue = ? AND job_id = ? AND state = 'waiting'`),
    };
    this.purgeTimer = setInterval(() => bestEffort(() => this.stmt.purge.run(Date.now() - KEEP_COMPLETED_MS)), 600_000);
    this.purgeTimer.unref();
  }

  async enqueue(batches: EnqueueBatch[], commitCheckpoint?: ProjectionCheckpoint): Promise<void> {
    const now = Date.now();
    this.inTransaction(() => {
      for (const { queue, jobs } of batches) {
        for (const job of jobs) this.stmt.insert.run(queue, job.jobId, JSON.stringify(job.data), Math.ceil(now + (job.delayMs ?? 0)), now);
      }
      if (commitCheckpoint) this.stmt.checkpointSet.run(commitCheckpoint.projection, commitCheckpoint.position.toString());
    });
    for (const { queue } of batches) this.wakeWorkers(queue);
  }

  async projectionCheckpoint(projection: string): Promise<bigint | null> {
    const row = this.stmt.checkpointGet.get(projection) as { position: string } | undefined;
    return row ? BigInt(row.position) : null;
  }

  async withdraw(queue: string, jobIds: string[]): Promise<void> {
    if (jobIds.length === 0) return;
    const now = Date.now();
    this.inTransaction(() => {
      for (const jobId of jobIds) this.stmt.withdraw.run(now, queue, jobId);
    });
  }

  work<T>(queue: string, handler: JobHandler<T>, options: WorkerOptions): QueueWorker {
    let running = true;
    let inFlight = 0;
    const settled = new Set<Promise<void>>();
    let wake: (() => void) | null = null;
    const wakeUp = () => wake?.();
    const wakers = this.wakers.get(queue) ?? new Set();
    wakers.add(wakeUp);
    this.wakers.set(queue, wakers);
    let reclaimedAt = 0;
    let backlog = true;
    const rate = options.startRate;
    const bucket = rate ? this.startBucket(rate.name, rate.perSecond) : null;
    const heartbeat = setInterval(() => this.renewLeases(), this.heartbeatMs);
    heartbeat.unref();

    const runOne = async (row: Row) => {
      const job: Job<T> = { id: row.job_id, queue, data: JSON.parse(row.data) as T, failuresSoFar: row.failures, enqueuedAt: row.enqueued_at };
      let result: Awaited<ReturnType<JobHandler<T>>>;
      try {
        result = await handler(job);
      } catch {
        this.settle({ queue, jobId: job.id, runAt: Date.now() + faultBackoffMs(job.failuresSoFar + 1), failed: 1 });
        return;
      }
      if (result && typeof result.retryInMs === 'number') this.settle({ queue, jobId: job.id, runAt: Date.now() + result.retryInMs, failed: 0 });
      else this.settle({ queue, jobId: job.id, runAt: null, failed: 0 });
    };

    const loop = async () => {
      while (running) {
        let capacity = options.concurrency - inFlight;
        // Counted and spent around the claim with nothing awaited between: no other worker of the bucket runs meanwhile.
        if (bucket) capacity = Math.min(capacity, bucket.available(rate!, Date.now()));
        let claimed: Row[] = [];
        if (capacity > 0) {
          const now = Date.now();
          try {
            // Jobs of a crashed worker come back once their lease lapses (checked once a second).
            if (now - reclaimedAt >= 1000) {
              this.stmt.reclaim.run(queue, now);
              reclaimedAt = now;
            }
            claimed = this.stmt.claim.all(now + this.leaseMs, this.owner, queue, now, capacity) as unknown as Row[];
          } catch {
            claimed = []; // Busy database: try again after the pause below.
          }
          bucket?.take(claimed.length);
          backlog = claimed.length === capacity;
        }
        for (const row of claimed) {
          this.leased.set(leaseKey(queue, row.job_id), { queue, jobId: row.job_id });
          inFlight += 1;
          const done: Promise<void> = runOne(row).finally(() => {
            inFlight -= 1;
            settled.delete(done);
            // A freed slot is worth a claim only if the last claim left jobs behind: new jobs,
            // rescheduled ones and due ones wake the loop themselves. One claim per job was the
            // queue's largest cost under load.
            if (backlog) wake?.();
          });
          settled.add(done);
        }
        if (claimed.length > 0 && claimed.length === capacity) continue;
        await new Promise<void>((resolve) => {
          const due = this.nextDue(queue);
          const until = due === null ? this.pollIntervalMs : Math.max(5, Math.min(this.pollIntervalMs, due - Date.now()));
          const timer = setTimeout(resolve, capacity > 0 ? until : this.pollIntervalMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = null;
      }
    };
    const looping = loop();
    const worker: QueueWorker = {
      close: async () => {
        running = false;
        wake?.();
        await looping;
        await Promise.all(settled);
        this.writeSettled();
        clearInterval(heartbeat);
        wakers.delete(wakeUp);
        this.workers.delete(worker);
      },
    };
    this.workers.add(worker);
    return worker;
  }

  private startBucket(name: string, perSecond: number): StartBucket {
    let bucket = this.startBuckets.get(name);
    if (!bucket) this.startBuckets.set(name, (bucket = new StartBucket(perSecond, Date.now())));
    return bucket;
  }

  private settling: Settled[] = [];
  private settleNext: NodeJS.Immediate | null = null;
  private settleRetry: NodeJS.Timeout | null = null;

  /**
   * Records a job's outcome. Outcomes of the same tick are written in one transaction: one
   * write per job was the queue's largest cost under load.
   */
  private settle(outcome: Settled): void {
    this.settling.push(outcome);
    // After a refused write, the retry takes these along.
    if (!this.settleRetry) this.settleNext ??= setImmediate(() => this.writeSettled());
  }

  /**
   * An outcome the disk refused stays pending and is tried again until written, its job's lease
   * renewed meanwhile: left leased and forgotten, the heartbeat would keep the job from ever
   * running again. Should the process die first, the lease lapses and the job runs again,
   * where the delivery worker finds the delivery already ended.
   */
  private writeSettled(): void {
    clearImmediate(this.settleNext ?? undefined);
    clearTimeout(this.settleRetry ?? undefined);
    this.settleNext = this.settleRetry = null;
    const batch = this.settling;
    this.settling = [];
    if (batch.length === 0 || !this.db.isOpen) return;
    const now = Date.now();
    const written = bestEffort(() =>
      this.inTransaction(() => {
        for (const o of batch) {
          // run_at is an INTEGER column of a STRICT table: a fractional delay would be refused.
          if (o.runAt === null) this.stmt.complete.run(now, o.queue, o.jobId, this.owner);
          else this.stmt.reschedule.run(Math.ceil(o.runAt), o.failed, o.queue, o.jobId, this.owner);
        }
      }),
    );
    if (!written) {
      // Nothing can have settled since `settling` was emptied above: the write is synchronous.
      this.settling = batch;
      if (!this.closed) this.settleRetry = setTimeout(() => this.writeSettled(), SETTLE_RETRY_MS).unref();
      return;
    }
    for (const o of batch) this.leased.delete(leaseKey(o.queue, o.jobId));
    // Rescheduled jobs may be due sooner than a sleeping worker's next look.
    for (const queue of new Set(batch.filter((o) => o.runAt !== null).map((o) => o.queue))) this.wakeWorkers(queue);
  }

  private renewLeases(): void {
    if (this.leased.size === 0 || !this.db.isOpen) return;
    const until = Date.now() + this.leaseMs;
    bestEffort(() =>
      this.inTransaction(() => {
        for (const { queue, jobId } of this.leased.values()) this.stmt.heartbeat.run(until, queue, jobId, this.owner);
      }),
    );
  }

  private inTransaction(write: () => void): void {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      write();
      this.db.exec('COMMIT');
    } catch (error) {
      // SQLite has already rolled back after some I/O errors: a second ROLLBACK would hide the cause.
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  private wakeWorkers(queue: string): void {
    for (const wake of this.wakers.get(queue) ?? []) wake();
  }

  /** When the queue's next waiting job is due; null when none, or when the database cannot say (poll again). */
  private nextDue(queue: string): number | null {
    try {
      return (this.stmt.nextDue.get(queue) as { at: number | null }).at;
    } catch {
      return null;
    }
  }

  async stats(queue: string): Promise<QueueStats> {
    const now = Date.now();
    // Each count a range of the (queue, state, run_at) index: a scrape must not walk the completed
    // jobs the table keeps, on the thread that sends.
    const count = (statement: StatementSync, ...params: (string | number)[]) => (statement.get(...params) as { n: number }).n;
    const waiting = count(this.stmt.countDue, queue, now);
    const oldest = (this.stmt.nextDue.get(queue) as { at: number | null }).at;
    return {
      waiting,
      delayed: count(this.stmt.countDelayed, queue, now),
      active: count(this.stmt.countActive, queue),
      oldestWaitingAgeMs: waiting === 0 || oldest === null ? 0 : now - oldest,
    };
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  private closed = false;

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.workers].map((w) => w.close()));
    this.writeSettled();
    clearInterval(this.purgeTimer);
    this.db.close();
  }
}
