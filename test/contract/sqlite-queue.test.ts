import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { SqliteQueue } from '../../src/modules/queues/sqlite-queue.js';
import { eventually, tempDir } from '../support/temp.js';
import { queueContract } from './queue.contract.js';

queueContract('sqlite', async (t) => {
  const file = join(tempDir(t), 'queue.db');
  return async () => new SqliteQueue(file, 20);
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

it('sqlite queue: a job outcome the disk refuses to store does not end the process, and the queue works once the disk recovers', async (t) => {
  const dir = tempDir(t);
  if (!canMakeImmutable(dir)) {
    console.log('# SKIPPED: sqlite queue disk-refusal test: chattr +i is not possible here');
    return t.skip('chattr +i is not possible here');
  }
  const file = join(dir, 'queue.db');
  const files = [file, `${file}-wal`];
  const queue = new SqliteQueue(file, 20);
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
  setImmutable(false);
  await queue.enqueue([{ queue: 'q', jobs: [{ jobId: 'b', data: {} }] }]);
  await eventually(() => (ran.includes('b') ? true : undefined), 5000, 'job b to run after the disk recovered');
  // b's outcome is written (outcomes are written a tick after the job, together), while a stays
  // leased until its lease lapses; then it runs again, where a delivery worker finds it already ended.
  await eventually(async () => ((await queue.stats('q')).active === 1 ? true : undefined), 5000, 'b completed, a still leased');
  assert.equal((await queue.stats('q')).active, 1);
});
