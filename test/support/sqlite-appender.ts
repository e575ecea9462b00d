/** A child process for the multi-process test: appends to its own stream and races on a shared one. */
import { randomUUID } from 'node:crypto';
import { WrongExpectedRevisionError } from '../../src/modules/event-store/event-store.port.js';
import { SqliteEventStore } from '../../src/modules/event-store/sqlite-event-store.js';

const [file, worker, countArg] = process.argv.slice(2) as [string, string, string];
const count = Number(countArg);
const store = new SqliteEventStore(file, { busyTimeoutMs: 10_000 });

async function appendShared(n: number): Promise<void> {
  for (;;) {
    const [last] = await store.readStream('shared-counter', { direction: 'backwards', maxCount: 1 });
    try {
      await store.append('shared-counter', [{ id: randomUUID(), type: 'Tick', data: { worker, n } }], last ? last.revision : 'no_stream');
      return;
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
    }
  }
}

for (let n = 0; n < count; n++) {
  await store.append(`own-${worker}`, [{ id: randomUUID(), type: 'Own', data: { n } }], n === 0 ? 'no_stream' : n - 1);
  await appendShared(n);
}
await store.close();
