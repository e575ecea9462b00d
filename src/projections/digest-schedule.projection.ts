import type { EventType } from '../domain/events.js';
import type { DigestFlushedData, DigestOpenedData } from '../domain/recipient/events.js';
import type { RecordedEvent } from '../modules/event-store/event-store.port.js';
import { DIGEST_QUEUE, type JobSpec, type QueueBackend } from '../modules/queues/queue.port.js';
import type { CheckpointedSink } from './projection-runner.js';

/** What the flush job carries: whose digest, which one. */
export interface DigestFlushJob {
  userId: string;
  digestId: string;
  windowEndsAt: string;
}

/**
 * Schedules each digest's flush from the log: a DigestOpened becomes one job on the `digests`
 * queue (job id = digest id) delayed until the window ends, then the checkpoint is committed
 * in the queue backend, as the dispatch projection does. A restart or a lost queue replays
 * from the checkpoint and schedules again (a window already past is due at once); the job id,
 * and the decider's answer of nothing to a flush of a digest already sent, make the repeat
 * harmless. A digest flushed early (full) has its job taken back.
 */
export class DigestScheduleProjection implements CheckpointedSink {
  readonly name = 'digest_schedule';
  readonly filter = { eventTypes: ['DigestOpened', 'DigestFlushed'] satisfies EventType[] };

  constructor(
    private readonly queues: QueueBackend,
    private readonly onFlushed: (data: DigestFlushedData) => void = () => undefined,
    private readonly clock: () => number = Date.now,
  ) {}

  async checkpoint(): Promise<bigint> {
    return (await this.queues.projectionCheckpoint(this.name)) ?? 0n;
  }

  async commit(events: RecordedEvent[], last: bigint): Promise<void> {
    const now = this.clock();
    const jobs: JobSpec<DigestFlushJob>[] = [];
    const early: string[] = [];
    for (const event of events) {
      if (event.type === 'DigestFlushed') {
        const d = event.data as DigestFlushedData;
        if (d.reason === 'max_items') early.push(d.digestId);
        this.onFlushed(d);
        continue;
      }
      const d = event.data as DigestOpenedData;
      const delayMs = Math.max(0, Date.parse(d.windowEndsAt) - now);
      jobs.push({ jobId: d.digestId, data: { userId: d.userId, digestId: d.digestId, windowEndsAt: d.windowEndsAt }, ...(delayMs > 0 ? { delayMs } : {}) });
    }
    const checkpoint = { projection: this.name, position: last };
    if (early.length === 0) {
      await this.queues.enqueue(jobs.length > 0 ? [{ queue: DIGEST_QUEUE, jobs }] : [], checkpoint);
      return;
    }
    // In log order: a digest opened and filled within this batch is scheduled, then taken back.
    await this.queues.enqueue([{ queue: DIGEST_QUEUE, jobs }]);
    await this.queues.withdraw(DIGEST_QUEUE, early);
    await this.queues.enqueue([], checkpoint);
  }
}
