import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { createUser, startApp } from '../support/app.js';
import { freshSchema } from '../support/postgres.js';
import { freePort, spawnHerald } from '../support/process.js';
import { eventually, tempDir } from '../support/temp.js';

interface Topology {
  name: string;
  skip: string | false;
  /** The settings both processes share, and the data directory of each. */
  env(t: TestContext): Promise<{ shared: Record<string, string>; apiDataDir: string; workerDataDir: string }>;
}

const databaseUrl = process.env.DATABASE_URL;
const redisUrl = process.env.REDIS_URL;

const topologies: Topology[] = [
  {
    name: 'embedded: two processes on one data directory',
    skip: false,
    env: async (t) => {
      const dataDir = tempDir(t);
      return { shared: {}, apiDataDir: dataDir, workerDataDir: dataDir };
    },
  },
  {
    name: 'PostgreSQL and Redis: two processes, each with a data directory of its own',
    skip: databaseUrl && redisUrl ? false : 'needs DATABASE_URL and REDIS_URL (npm test starts both)',
    env: async (t) => {
      const shared = { EVENT_STORE: 'postgres', DATABASE_URL: databaseUrl!, DATABASE_SCHEMA: freshSchema(t, 'outbox'), QUEUE: 'bullmq', REDIS_URL: redisUrl!, REDIS_PREFIX: `outbox-${randomUUID().slice(0, 8)}` };
      return { shared, apiDataDir: tempDir(t), workerDataDir: tempDir(t) };
    },
  },
];

describe('GET /v1/sandbox/outbox on an API process lists what a worker process recorded', () => {
  for (const topology of topologies) {
    it(topology.name, { skip: topology.skip, timeout: 90_000 }, async (t) => {
      // Registered first, so it runs first (after hooks run in order): both processes stop before
      // their schema is dropped, which would otherwise wait on their open transactions.
      const stops: (() => Promise<unknown>)[] = [];
      t.after(async () => {
        for (const stop of stops) await stop();
      });
      const { shared, apiDataDir, workerDataDir } = await topology.env(t);
      // The API process has no worker role: only the other process can send.
      const { api, close } = await startApp(t, { ...shared, DATA_DIR: apiDataDir, HERALD_ROLES: 'api,dispatcher,projector' });
      stops.push(close);
      const worker = await spawnHerald(t, { ...shared, DATA_DIR: workerDataDir, HERALD_ROLES: 'worker', BOOTSTRAP_ADMIN: 'false', PORT: String(await freePort()) });
      stops.push(() => {
        worker.child.kill('SIGKILL');
        return worker.exited;
      });

      await createUser(api, 'ada');
      const res = await api.post('/v1/notifications', { userId: 'ada', category: 'orders', channels: ['sms', 'email'], content: { subject: 'Hello', text: 'From the worker' } });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      const id = res.body.notificationId as string;
      const outbox = await eventually(async () => {
        const page = await api.get(`/v1/sandbox/outbox?notificationId=${id}`);
        return page.body.entries?.length === 2 ? page.body : undefined;
      }, 60_000, `the worker's two sandbox entries:\n${worker.output().slice(-2000)}`);
      assert.deepEqual(outbox.entries.map((e: { queue: string; userId: string }) => `${e.queue}:${e.userId}`).sort(), ['email:ada', 'sms:ada']);
      assert.deepEqual(outbox.entries.find((e: { queue: string }) => e.queue === 'email').message, { subject: 'Hello', text: 'From the worker' });
      assert.equal(outbox.next, outbox.entries[1].seq);
      assert.deepEqual((await api.get(`/v1/sandbox/outbox?notificationId=${id}&after=${outbox.next}`)).body, { entries: [], next: outbox.next });
      const view = await eventually(async () => {
        const body = (await api.get(`/v1/notifications/${id}`)).body;
        return body.status === 'sent' ? body : undefined;
      }, 30_000, 'the notification to be sent');
      assert.deepEqual(view.deliveries.map((d: { providerMessageId: string }) => d.providerMessageId).sort(), outbox.entries.map((e: { id: string }) => e.id).sort(), 'the outcome names the entries the worker recorded');
      for (const dir of new Set([apiDataDir, workerDataDir])) assert.equal(existsSync(join(dir, 'sandbox-outbox.db')), false, 'no outbox file of its own');
    });
  }
});
