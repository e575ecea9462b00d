import { randomUUID } from 'node:crypto';
import { BullmqQueue } from '../../src/modules/queues/bullmq-queue.js';
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
