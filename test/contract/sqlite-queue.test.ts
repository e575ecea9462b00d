import { join } from 'node:path';
import { SqliteQueue } from '../../src/modules/queues/sqlite-queue.js';
import { tempDir } from '../support/temp.js';
import { queueContract } from './queue.contract.js';

queueContract('sqlite', async (t) => {
  const file = join(tempDir(t), 'queue.db');
  return async () => new SqliteQueue(file, 20);
});
