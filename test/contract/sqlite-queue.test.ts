import assert from 'node:assert/strict';
import { Logger } from '@nestjs/common';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { it } from 'node:test';
import { SqliteQueue } from '../../src/modules/queues/sqlite-queue.js';
import { immutableUnavailable, setImmutable } from '../support/immutable.js';
import { eventually, tempDir } from '../support/temp.js';
import { queueContract } from './queue.contract.js';

/** What the queue logs as warnings: how a test sees that a write the disk refused was tried. */
const warnings: string[] = [];
Logger.overrideLogger({ log: () => undefined, error: (message) => console.error(message), warn: (message) => void warnings.push(JSON.stringify(message)) });

queueContract('sqlite', async (t) => {
  const file = join(tempDir(t), 'queue.db');
  return async () => new SqliteQueue(file, { pollIntervalMs: 20 });
});

it('sqlite queue: a job outcome the disk refuses to store does not end the process, and is written once the disk recovers', async (t) => {
  const dir = tempDir(t);
  const unavailable = immutableUnavailable(dir);
  if (unavailable) {
    console.log(`# SKIPPED: sqlite queue disk-refusal test: ${unavailable}`);
    return t.skip(unavailable);
  }
  const file = join(dir, 'queue.db');
  const files = [file, `${file}-wal`];
  const queue = new SqliteQueue(file, { pollIntervalMs: 20 });
  let immutable = false;
  const refuseWrites = (on: boolean) => {
    setImmutable(files, on);
    immutable = on;
  };
  t.after(async () => {
    if (immutable) refuseWrites(false);
    await queue.close();
  });
  const ran: string[] = [];
  queue.work(
    'q',
    async (job) => {
      // The disk stops taking writes while the job runs: its completion cannot be written.
      if (job.id === 'a') refuseWrites(true);
      ran.push(job.id);
    },
    { concurrency: 1 },
  );
  await queue.enqueue([{ queue: 'q', jobs: [{ jobId: 'a', data: {} }] }]);
  await eventually(() => (ran.includes('a') ? true : undefined), 5000, 'job a to run');
  await eventually(() => (warnings.some((w) => w.includes('queue bookkeeping not written')) ? true : undefined), 5000, "the worker's attempt to record a's outcome to fail");
  assert.equal((await queue.stats('q')).active, 1, "a's outcome was refused: it is still leased");
  refuseWrites(false);
  await queue.enqueue([{ queue: 'q', jobs: [{ jobId: 'b', data: {} }] }]);
  await eventually(() => (ran.includes('b') ? true : undefined), 5000, 'job b to run after the disk recovered');
  // a's outcome is tried again and written: not left leased to a process that forgot it (its
  // heartbeat would renew that lease for as long as the process lives, and a would never run).
  await eventually(async () => ((await queue.stats('q')).active === 0 ? true : undefined), 5000, "a's outcome to be written");
  assert.deepEqual(ran, ['a', 'b'], 'a completed once, not run again');
  const states = new DatabaseSync(file, { readOnly: true });
  t.after(() => states.close());
  assert.deepEqual(states.prepare(`SELECT job_id, state FROM jobs ORDER BY job_id`).all().map((r) => ({ ...r })), [
    { job_id: 'a', state: 'completed' },
    { job_id: 'b', state: 'completed' },
  ]);
});

it('sqlite queue: the heartbeat renews the leases of jobs this process is running, not of jobs it settled', async (t) => {
  const file = join(tempDir(t), 'queue.db');
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const queue = new SqliteQueue(file, { pollIntervalMs: 20, heartbeatMs: 50 });
  // Released before the queue closes (after-hooks run in order): close waits for running jobs.
  t.after(async () => {
    release();
    await queue.close();
  });
  const db = new DatabaseSync(file);
  t.after(() => db.close());
  queue.work('q', async (job) => (job.id === 'running' ? held : undefined), { concurrency: 2 });
  await queue.enqueue([{ queue: 'q', jobs: [{ jobId: 'running', data: {} }, { jobId: 'done', data: {} }] }]);
  await eventually(() => (db.prepare(`SELECT state FROM jobs WHERE job_id = 'done'`).get() as { state: string }).state === 'completed' || undefined, 5000, 'done to complete');
  // Another process's crash leaves 'done' active under our owner id: that lease must not be renewed.
  db.prepare(`UPDATE jobs SET state = 'active', lease_until = 0, owner = (SELECT owner FROM jobs WHERE job_id = 'running') WHERE job_id = 'done'`).run();
  const leaseOf = (jobId: string) => (db.prepare(`SELECT lease_until FROM jobs WHERE job_id = ?`).get(jobId) as { lease_until: number }).lease_until;
  let lease = leaseOf('running');
  for (const heartbeat of ['a heartbeat', 'another heartbeat']) {
    const renewedFrom = lease;
    lease = await eventually(() => (leaseOf('running') > renewedFrom ? leaseOf('running') : undefined), 5000, `${heartbeat} to renew the running job`);
  }
  assert.equal(leaseOf('done'), 0, 'a job this process no longer holds is not renewed');
});
