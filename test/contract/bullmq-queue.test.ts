import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import { BullmqQueue } from '../../src/modules/queues/bullmq-queue.js';
import { eventually } from '../support/temp.js';
import { queueContract } from './queue.contract.js';

const url = process.env.REDIS_URL;
if (!url) console.log('# SKIPPED: BullMQ queue contract suite (REDIS_URL is not set; npm test starts Redis and sets it)');

queueContract(
  'bullmq',
  async () => {
    // Each test its own key prefix on the shared test Redis: isolated and parallel-safe.
    const prefix = `test-${randomUUID()}`;
    return async () => new BullmqQueue(url!, prefix);
  },
  { skip: url ? false : 'REDIS_URL is not set' },
);

it('bullmq queue: a start rate is shared by the workers of every process on the same Redis', { skip: url ? false : 'REDIS_URL is not set' }, async (t) => {
  const prefix = `test-${randomUUID()}`;
  // Two backends with connections of their own, as two worker processes would have.
  const processes = [new BullmqQueue(url!, prefix), new BullmqQueue(url!, prefix)];
  t.after(() => Promise.all(processes.map((p) => p.close())));
  const starts: number[] = [];
  await processes[0]!.enqueue(['first', 'spare'].map((queue) => ({ queue, jobs: Array.from({ length: 25 }, (_, i) => ({ jobId: `${queue}${i}`, data: {} })) })));
  for (const backend of processes) {
    for (const priority of ['first', 'spare'] as const) backend.work(priority, async () => void starts.push(Date.now()), { concurrency: 20, startRate: { name: 'provider', perSecond: 10, priority } });
  }
  await eventually(() => (starts.length === 50 ? true : undefined), 30_000, 'every job to start');
  starts.sort((a, b) => a - b);
  const seconds = (starts.at(-1)! - starts[0]!) / 1000;
  // As in the contract's shared-rate test: an upper bound with a second of slack; a bucket per process would start these twice as fast.
  assert.ok(starts.length <= 10 * seconds + 10 + 10, `${starts.length} jobs started in ${seconds.toFixed(2)} s by two processes at a shared 10/s`);
});
