import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { it } from 'node:test';
import { SqliteQueue } from '../../src/modules/queues/sqlite-queue.js';
import { eventually, tempDir } from '../support/temp.js';
import { queueContract } from './queue.contract.js';

queueContract('sqlite', async (t) => {
  const file = join(tempDir(t), 'queue.db');
  return async () => new SqliteQueue(file, { pollIntervalMs: 20 });
});

/** Whether this machine lets us make a file immutable (root with CAP_LINUX_IMMUTABLE, on ext4/xfs/btrfs). */
function canMakeImmutable(dir: string): boolean {
  const probe = join(dir, 'probe');
  writeFileSync(probe, '');
  try {
    execFileSync('chattr', ['+i', probe], { stdio: 'pipe' });
    execFileSync('chattr', ['-i', probe], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

it('sqlite queue: a job outcome the disk refuses to store does not end the process, and is written once the disk recovers', async (t) => {
  const dir = tempDir(t);
  if (!canMakeImmutable(dir)) {
    console.log('# SKIPPED: sqlite queue disk-refusal test: chattr +i is not possible here');
    return t.skip('chattr +i is not possible here');
  }
  const file = join(dir, 'queue.db');
  const files = [file, `${file}-wal`];
  const queue = new SqliteQueue(file, { pollIntervalMs: 20 });
  let immutable = false;
  const setImmutable = (on: boolean) => {
    execFileSync('chattr', [on ? '+i' : '-i', ...files]);
    immutable = on;
  };
  t.after(async () => {
    if (immutable) setImmutable(false);
    await queue.close();
  });
  const ran: string[] = [];
  queue.work(
    'q',
    async (job) => {
      // The disk stops taking writes while the job runs: its completion cannot be written.
      if (job.id === 'a') setImmutable(true);
      ran.push(job.id);
    },
    { concurrency: 1 },
  );
  await queue.enqueue([{ queue: 'q', jobs: [{ jobId: 'a', data: {} }] }]);
  await eventually(() => (ran.includes('a') ? true : undefined), 5000, 'job a to run');
  await new Promise((r) => setTimeout(r, 100)); // the worker tries to record a's outcome and fails
  assert.equal((await queue.stats('q')).active, 1, "a's outcome was refused: it is still leased");
  setImmutable(false);
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
  const before = leaseOf('running');
  await eventually(() => (leaseOf('running') > before ? true : undefined), 5000, 'a heartbeat to renew the running job');
  await new Promise((r) => setTimeout(r, 200)); // a few more heartbeats
  assert.equal(leaseOf('done'), 0, 'a job this process no longer holds is not renewed');
});
