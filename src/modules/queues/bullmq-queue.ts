import { DelayedError, Queue, Worker, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import {
  faultBackoffMs,
  type EnqueueBatch,
  type JobHandler,
  type ProjectionCheckpoint,
  type QueueBackend,
  type QueueStats,
  type QueueWorker,
  type StartRate,
  type WorkerOptions,
} from './queue.port.js';
import { redisStartRate } from './redis-start-rate.js';

/**
 * Completed jobs stay a day (bounded in count) so their ids keep deduplicating replays;
 * the worker's check that a delivery is not already terminal covers anything older.
 */
const JOB_OPTIONS: JobsOptions = {
  removeOnComplete: { age: 24 * 3600, count: 200_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
  // Unexpected faults (not provider outcomes, which the handler schedules itself) retry with backoff.
  attempts: 1_000_000,
  backoff: { type: 'fault' },
};

const CLOSE_GRACE_MS = 10_000;

/** Whether the promise settled within the time; the timer never outlives it. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([promise.then(() => true, () => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)))]);
  clearTimeout(timer);
  return settled;
}

/** The production queue: BullMQ on Redis. The enqueuing projections' checkpoints live in Redis too, so a flushed Redis is refilled from the log. */
export class BullmqQueue implements QueueBackend {
  readonly kind = 'bullmq' as const;
  private readonly redis: Redis;
  private readonly queues = new Map<string, Queue>();
  private readonly workers = new Set<QueueWorker>();
  private closed = false;
  private readonly takeStart: (rate: StartRate) => Promise<number>;

  constructor(
    private readonly url: string,
    private readonly prefix = 'herald',
    /**
     * BullMQ's job lock: renewed while a job runs; the job of a killed worker is found stalled
     * by the next check after the lock lapses, so it runs again within 1.5 leases.
     */
    private readonly leaseMs = 30_000,
  ) {
    // Producer commands fail after a few reconnect attempts instead of waiting forever, so a
    // dispatcher retries (and shuts down) while Redis is away; workers keep their own connections.
    this.redis = new Redis(url, { maxRetriesPerRequest: 3 });
    this.redis.on('error', () => undefined); // reconnection is automatic; failed commands reject
    this.takeStart = redisStartRate(this.redis, prefix);
  }

  private queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.redis, prefix: this.prefix, defaultJobOptions: JOB_OPTIONS });
      queue.on('error', () => undefined);
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** The BullMQ queues themselves, for the dashboard. */
  bullQueues(names: readonly string[]): Queue[] {
    return names.map((name) => this.queue(name));
  }

  async enqueue(batches: EnqueueBatch[], commitCheckpoint?: ProjectionCheckpoint): Promise<void> {
    for (const { queue, jobs } of batches) {
      if (jobs.length === 0) continue;
      await this.queue(queue).addBulk(jobs.map((j) => ({ name: queue, data: j.data, opts: { jobId: j.jobId, ...(j.delayMs ? { delay: j.delayMs } : {}) } })));
    }
    // Redis has no transaction spanning BullMQ's scripts: jobs first, so a crash between the two replays, never skips.
    if (commitCheckpoint) await this.redis.set(`${this.prefix}:checkpoint:${commitCheckpoint.projection}`, commitCheckpoint.position.toString());
  }

  async projectionCheckpoint(projection: string): Promise<bigint | null> {
    const value = await this.redis.get(`${this.prefix}:checkpoint:${projection}`);
    return value === null ? null : BigInt(value);
  }

  async withdraw(name: string, jobIds: string[]): Promise<void> {
    const queue = this.queue(name);
    for (const jobId of jobIds) {
      const state = await queue.getJobState(jobId);
      // A job that turns active in between is locked, and Queue.remove leaves locked jobs alone.
      if (state === 'waiting' || state === 'delayed' || state === 'prioritized') await queue.remove(jobId);
    }
  }

  work<T>(queue: string, handler: JobHandler<T>, options: WorkerOptions): QueueWorker {
    // A worker blocks on its connection while waiting for jobs: it gets its own.
    const connection = new Redis(this.url, { maxRetriesPerRequest: null });
    connection.on('error', () => undefined);
    const rate = options.startRate;
    const worker = new Worker(
      queue,
      async (job, token) => {
        const waitMs = rate ? await this.takeStart(rate) : 0;
        if (waitMs > 0) {
          // No token: the job goes back to the head of the queue untouched (no attempt counted),
          // and this worker takes no job from the queue until one is due. BullMQ's own limiter is
          // one per queue; this bucket is shared by the queues naming the rate.
          await this.queue(queue).rateLimit(waitMs);
          throw Worker.RateLimitError();
        }
        const result = await handler({ id: job.id!, queue, data: job.data as T, failuresSoFar: job.attemptsMade, enqueuedAt: job.timestamp });
        if (result && typeof result.retryInMs === 'number') {
          await job.moveToDelayed(Date.now() + result.retryInMs, token);
          throw new DelayedError();
        }
      },
      {
        connection,
        prefix: this.prefix,
        concurrency: options.concurrency,
        lockDuration: this.leaseMs,
        stalledInterval: Math.max(1000, Math.floor(this.leaseMs / 2)),
        // BullMQ fails a job that stalled more often than this without running the handler, so no
        // outcome would ever be recorded for its delivery. A job taken over after a crash runs again
        // with the same delivery id instead: at least once, never lost.
        maxStalledCount: 1_000_000,
        settings: { backoffStrategy: (attemptsMade: number) => faultBackoffMs(attemptsMade) },
      },
    );
    worker.on('error', () => undefined);
    const handle: QueueWorker = {
      close: async () => {
        // In-flight jobs get a grace period; a worker stuck on a lost Redis is then forced shut.
        const inTime = await within(worker.close(), CLOSE_GRACE_MS);
        if (!inTime) await worker.close(true).catch(() => undefined);
        connection.disconnect();
        this.workers.delete(handle);
      },
    };
    this.workers.add(handle);
    return handle;
  }

  async stats(name: string): Promise<QueueStats> {
    const queue = this.queue(name);
    const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active');
    const [oldest] = await queue.getJobs(['wait'], 0, 0, true);
    return {
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
      delayed: counts.delayed ?? 0,
      active: counts.active ?? 0,
      oldestWaitingAgeMs: oldest ? Math.max(0, Date.now() - (oldest.timestamp + (oldest.delay ?? 0))) : 0,
    };
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.workers].map((w) => w.close()));
    await Promise.all([...this.queues.values()].map((q) => within(q.close(), CLOSE_GRACE_MS)));
    this.redis.disconnect();
  }
}
