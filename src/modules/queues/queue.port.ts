/** Job queues: one per provider channel. Derived state: the event log can always refill them. */
export const QUEUE_BACKEND = Symbol('QueueBackend');

/** Push has a queue per provider (each device names its own); SMS, email and the in-app feed one each, whichever provider sends. */
export const CHANNEL_QUEUES = ['apns', 'fcm', 'webpush', 'sms', 'email', 'inapp'] as const;
export type ChannelQueue = (typeof CHANNEL_QUEUES)[number];
/** Client webhooks: their own queue and workers, so a slow receiver never holds up a provider delivery. */
export const WEBHOOK_QUEUE = 'webhooks';
/** Digest flushes: a job per open digest window, due at its end. */
export const DIGEST_QUEUE = 'digests';
/**
 * Broadcast members' deliveries go to a lane of their own beside each channel queue, with its
 * own workers (BROADCAST_LANE_CONCURRENCY), so a million-member broadcast never queues in front
 * of a one-to-one notification. The lane shares the channel's provider rate limit, taking only
 * what the channel queue leaves (see `StartRate`).
 */
export const broadcastLane = (queue: ChannelQueue): `${ChannelQueue}-broadcast` => `${queue}-broadcast`;
export const BROADCAST_LANES = CHANNEL_QUEUES.map(broadcastLane);
/** Every queue a delivery job may be in: the channel queues and their broadcast lanes. */
export const DELIVERY_QUEUES = [...CHANNEL_QUEUES, ...BROADCAST_LANES] as const;
export const ALL_QUEUES = [...DELIVERY_QUEUES, WEBHOOK_QUEUE, DIGEST_QUEUE] as const;

export interface JobSpec<T> {
  /** Unique per queue: adding a job whose id exists (waiting, active or recently done) is a no-op. */
  jobId: string;
  data: T;
  delayMs?: number;
}

export interface Job<T> {
  id: string;
  queue: string;
  data: T;
  /** Runs that ended in a thrown error (not counting handler-requested retries). */
  failuresSoFar: number;
  enqueuedAt: number;
}

/** Resolve for done; `{ retryInMs }` to run the job again later; throw for an unexpected fault (retried with backoff). */
export type JobHandler<T> = (job: Job<T>) => Promise<void | { retryInMs: number }>;

/**
 * A limit on how many jobs start per second, shared by every queue whose workers name it (a
 * channel's queue and its broadcast lane: one provider limit), and with the Redis queue by every
 * process. The queue that goes `first` may spend the whole limit; a `spare` one gets what it
 * leaves, so a broadcast never slows the channel's one-to-one traffic. See `start-rate.ts`.
 */
export interface StartRate {
  name: string;
  perSecond: number;
  priority: 'first' | 'spare';
}

export interface WorkerOptions {
  concurrency: number;
  /** Absent: jobs start as fast as the workers take them. */
  startRate?: StartRate;
}

export interface QueueWorker {
  /** Stops taking jobs and waits for the ones in flight. */
  close(): Promise<void>;
}

export interface QueueStats {
  waiting: number;
  delayed: number;
  active: number;
  /** Age of the oldest job that is due but not started (0 when none). */
  oldestWaitingAgeMs: number;
}

export interface EnqueueBatch {
  queue: string;
  jobs: JobSpec<unknown>[];
}

/** How far in the event log a projection that enqueues jobs has got. */
export interface ProjectionCheckpoint {
  projection: string;
  position: bigint;
}

export interface QueueBackend {
  readonly kind: 'sqlite' | 'bullmq';
  /**
   * Adds jobs to their queues and then commits the projection's checkpoint (in the same
   * transaction where the backend has one, else after the jobs), so a projection that restarts
   * from its checkpoint never skips a job; job ids make the overlap harmless. The checkpoint
   * lives with the jobs, so a backend that loses its jobs loses it too and the projection refills.
   */
  enqueue(batches: EnqueueBatch[], commitCheckpoint?: ProjectionCheckpoint): Promise<void>;
  /** The checkpoint last committed for the projection; null when none (never, or the backend lost its state). */
  projectionCheckpoint(projection: string): Promise<bigint | null>;
  /**
   * Takes back jobs that have not started (waiting or delayed), so a canceled delivery stops
   * counting in the queue's depth; running and finished jobs are left alone. Ids not in the
   * queue are ignored. A withdrawn job id still deduplicates like a completed one where the
   * backend keeps completed ids.
   */
  withdraw(queue: string, jobIds: string[]): Promise<void>;
  work<T>(queue: string, handler: JobHandler<T>, options: WorkerOptions): QueueWorker;
  stats(queue: string): Promise<QueueStats>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Backoff after an unexpected fault: 1 s doubling up to a minute. */
export const faultBackoffMs = (failures: number): number => Math.min(60_000, 1000 * 2 ** Math.max(0, failures - 1));
