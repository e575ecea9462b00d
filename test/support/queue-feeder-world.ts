import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { TestContext } from 'node:test';
import { matchesFilter, type RecordedEvent } from '../../src/modules/event-store/event-store.port.js';
import { SqliteQueue } from '../../src/modules/queues/sqlite-queue.js';
import type { CheckpointedSink } from '../../src/projections/projection-runner.js';
import { tempDir } from './temp.js';

/**
 * What a queue holds: read from the SQLite queue's own table, so a delayed job shows its delay
 * too. `state`: waiting (to run, now or after its delay), active, or completed (run, or withdrawn
 * before it started; its id still deduplicates).
 */
export interface QueuedJob<T = unknown> {
  queue: string;
  jobId: string;
  state: string;
  delayMs: number;
  data: T;
}

/**
 * For specs of the projections that feed queues: given events in a log, run a projection over
 * them as its runner does (from its checkpoint, only the event types its subscription asks for)
 * against the real SQLite queue in a temp dir; then read the jobs it holds.
 */
export function queueFeederWorld(t: TestContext) {
  const file = join(tempDir(t), 'queue.db');
  const queue = new SqliteQueue(file, { pollIntervalMs: 20 });
  t.after(() => queue.close());
  const reader = new DatabaseSync(file, { readOnly: true });
  t.after(() => reader.close());
  const log: RecordedEvent[] = [];
  /** `from`: where to start instead of the checkpoint, as after the queue backend lost it. */
  const run = async (projection: CheckpointedSink, from?: bigint) => {
    from ??= await projection.checkpoint();
    const events = log.filter((e) => e.position > from && matchesFilter(e, projection.filter));
    if (events.length > 0) await projection.commit(events, events[events.length - 1]!.position);
  };
  /** Every queue's jobs, or one queue's, by queue and job id. */
  const jobs = <T = unknown>(name?: string): QueuedJob<T>[] =>
    reader
      .prepare(`SELECT queue, job_id, state, data, run_at - enqueued_at AS delay FROM jobs${name === undefined ? '' : ' WHERE queue = ?'} ORDER BY queue, job_id`)
      .all(...(name === undefined ? [] : [name]))
      .map((r) => ({ queue: r.queue as string, jobId: r.job_id as string, state: r.state as string, delayMs: Number(r.delay), data: JSON.parse(r.data as string) as T }));
  const given = (...events: RecordedEvent[]) => log.push(...events);
  return { queue, log, given, run, jobs };
}
