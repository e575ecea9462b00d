import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import pg from 'pg';
import { PostgresEventStore } from '../../src/modules/event-store/postgres-event-store.js';
import { Api, sandboxSendsPerDelivery } from '../support/app.js';
import { freshSchema } from '../support/postgres.js';
import { freePort, runCli, spawnHerald } from '../support/process.js';
import { eventually, tempDir } from '../support/temp.js';
import { report } from './report.js';

const TOTAL = 3000;
const BATCH = 100;
const USERS = 60;
const TERMINAL = new Set(['NotificationSent', 'NotificationFailed']);

const databaseUrl = process.env.DATABASE_URL;
const redisUrl = process.env.REDIS_URL;
const skip = databaseUrl && redisUrl ? false : 'needs DATABASE_URL and REDIS_URL (npm test starts both)';
if (skip) console.log(`# SKIPPED: multi-process topology (${skip})`);

type Herald = Awaited<ReturnType<typeof spawnHerald>>;

async function readModelRows(schema: string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return {
      notifications: (await client.query(`SELECT notification_id, user_id, category, status, suppressed, stream_revision FROM ${schema}.notifications ORDER BY notification_id`)).rows,
      deliveries: (await client.query(`SELECT delivery_id, status, attempts, provider, failure_reason FROM ${schema}.deliveries ORDER BY delivery_id`)).rows,
    };
  } finally {
    await client.end();
  }
}

describe('multi-process topology on PostgreSQL and Redis', { skip }, () => {
  it(`2 api + 2 worker + 1 dispatcher/projector, ${TOTAL} notifications, one of each SIGKILLed and restarted: nothing lost, read model = rebuild`, { timeout: 240_000 }, async (t: TestContext) => {
    const began = performance.now();
    const dataDir = tempDir(t);
    const schema = freshSchema(t, 'topo');
    const base = {
      DATA_DIR: dataDir,
      EVENT_STORE: 'postgres',
      DATABASE_URL: databaseUrl!,
      DATABASE_SCHEMA: schema,
      QUEUE: 'bullmq',
      REDIS_URL: redisUrl!,
      REDIS_PREFIX: `topo-${randomUUID().slice(0, 8)}`,
      RATE_LIMIT_EMAIL: '100000/1h',
      RATE_LIMIT_SMS: '100000/1d',
      SMS_RATE_LIMIT: '0',
      CONTENT_DEDUP_WINDOW: '0s',
      CLIENT_RATE_LIMIT: '100000',
      RETRY_BASE_DELAY: '100ms',
    };
    const roles = { api: 'api', worker: 'worker', projector: 'dispatcher,projector' } as const;
    const apiPorts = [await freePort(), await freePort()];
    const start = async (role: keyof typeof roles, port: number): Promise<Herald> => spawnHerald(t, { ...base, HERALD_ROLES: roles[role], PORT: String(port) });
    const ready = (port: number) =>
      eventually(async () => ((await new Api(`http://127.0.0.1:${port}`).get('/health/ready').catch(() => ({ status: 0 }))).status === 200 ? true : undefined), 60_000, `herald on ${port}`);

    // The first API node creates the schema and the admin client; the rest start beside it.
    const apis: Herald[] = [await start('api', apiPorts[0]!)];
    await ready(apiPorts[0]!);
    apis.push(await start('api', apiPorts[1]!));
    const workerPorts = [await freePort(), await freePort()];
    const workers = [await start('worker', workerPorts[0]!), await start('worker', workerPorts[1]!)];
    const projectorPort = await freePort();
    let projector = await start('projector', projectorPort);
    await Promise.all([ready(apiPorts[1]!), ...workerPorts.map(ready), ready(projectorPort)]);

    const credentials = JSON.parse(readFileSync(join(dataDir, 'admin-credentials.json'), 'utf8'));
    const nodes = apiPorts.map((p) => new Api(`http://127.0.0.1:${p}`, credentials));
    for (let u = 0; u < USERS; u++) await nodes[u % 2]!.put(`/v1/users/t${u}`, { email: `t${u}@example.com`, phone: '+447700900123' });

    // Requests are routed by user id (each node keeps its users' actors warm); when a node is
    // down the client retries the same batch, same idempotency keys, on the other node.
    const accepted = new Map<string, { notificationId: string; deliveryIds: string[] }>();
    let fiveXx = 0;
    let maxLatency = 0;
    let sent = 0;
    const loadFor = async (node: number) => {
      for (let startAt = node * BATCH; startAt < TOTAL; startAt += 2 * BATCH) {
        const notifications = Array.from({ length: BATCH }, (_, i) => {
          const n = startAt + i;
          const user = 2 * (n % (USERS / 2)) + node;
          return { userId: `t${user}`, category: 'orders', channels: [n % 5 === 0 ? 'sms' : 'email'], content: { subject: `n${n}`, text: `n${n}` }, idempotencyKey: `k${n}` };
        });
        for (let attempt = 0; ; attempt++) {
          const target = nodes[(node + attempt) % 2]!;
          const t0 = performance.now();
          const res = await target.post('/v1/notifications/batch', { notifications }).catch(() => null);
          maxLatency = Math.max(maxLatency, performance.now() - t0);
          if (res?.status === 200 && res.body.results.every((r: { statusCode: number }) => r.statusCode === 202 || r.statusCode === 200)) {
            res.body.results.forEach((r: { notificationId: string; deliveries: { deliveryId: string }[] }, i: number) =>
              accepted.set(notifications[i]!.idempotencyKey, { notificationId: r.notificationId, deliveryIds: r.deliveries.map((d) => d.deliveryId) }),
            );
            sent += BATCH;
            break;
          }
          if (res && res.status >= 500 && res.status !== 503) fiveXx += 1;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    const load = Promise.all([loadFor(0), loadFor(1)]);

    const killAndRestart = async (victim: Herald, role: keyof typeof roles, port: number): Promise<Herald> => {
      victim.child.kill('SIGKILL');
      await victim.exited;
      const next = await start(role, port);
      await ready(port).catch((error: Error) => {
        throw new Error(`${error.message}\n${next.output().slice(-3000)}`);
      });
      return next;
    };
    await eventually(() => (sent >= TOTAL / 4 ? true : undefined), 120_000, 'a quarter of the load');
    apis[0] = await killAndRestart(apis[0]!, 'api', apiPorts[0]!);
    await eventually(() => (sent >= TOTAL / 2 ? true : undefined), 120_000, 'half of the load');
    workers[0] = await killAndRestart(workers[0]!, 'worker', workerPorts[0]!);
    await eventually(() => (sent >= (3 * TOTAL) / 4 ? true : undefined), 120_000, 'three quarters of the load');
    projector = await killAndRestart(projector, 'projector', projectorPort);
    await load;
    const loadSeconds = (performance.now() - began) / 1000;

    assert.equal(accepted.size, TOTAL);
    assert.equal(new Set([...accepted.values()].map((a) => a.notificationId)).size, TOTAL, 'one notification per idempotency key, across nodes and crashes');
    const expectedDeliveries = new Set([...accepted.values()].flatMap((a) => a.deliveryIds));

    // Every accepted delivery has its terminal outcome in the log.
    const store = new PostgresEventStore(databaseUrl!, { schema });
    t.after(() => store.close());
    const missing = await eventually(
      async () => {
        const ended = new Set<string>();
        const decided = new Set<string>();
        for (let after = 0n; ; ) {
          const page = await store.readAll({ after, maxCount: 5000 });
          if (page.length === 0) break;
          after = page[page.length - 1]!.position;
          for (const e of page) {
            if (TERMINAL.has(e.type)) ended.add((e.data as { deliveryId: string }).deliveryId);
            if (e.type === 'NotificationRequested') decided.add((e.data as { notificationId: string }).notificationId);
          }
        }
        const notDecided = [...accepted.values()].filter((a) => !decided.has(a.notificationId)).length;
        const open = [...expectedDeliveries].filter((d) => !ended.has(d)).length;
        return notDecided + open === 0 ? 0 : undefined;
      },
      150_000,
      'every accepted delivery to reach a terminal outcome in the log',
    );

    // At the provider: every delivery, at most twice (a worker killed between the call and its record),
    // as an API process lists what both workers' sandboxes recorded.
    const perDelivery = await sandboxSendsPerDelivery(nodes[0]!);
    assert.deepEqual(new Set(perDelivery.keys()), expectedDeliveries, 'every delivery reached the provider');
    assert.ok([...perDelivery.values()].every((n) => n <= 2), 'no delivery reached the provider more than twice');
    const duplicates = [...perDelivery.values()].filter((n) => n > 1).length;

    // The read model, once the projector caught up, equals a rebuild from the log.
    const head = (await store.headPosition()).toString();
    await eventually(async () => {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        const { rows } = await client.query(`SELECT position FROM ${schema}.projection_checkpoints WHERE name = 'notification_status'`);
        return rows[0] && BigInt(rows[0].position) >= BigInt(head) ? true : undefined;
      } finally {
        await client.end();
      }
    }, 60_000, 'the projector to reach the head of the log');
    for (const herald of [...apis, ...workers, projector]) herald.child.kill('SIGTERM');
    await Promise.all([...apis, ...workers, projector].map((h) => h.exited));
    const before = await readModelRows(schema);
    assert.equal(before.notifications.length, TOTAL);
    assert.equal(before.deliveries.length, expectedDeliveries.size);
    assert.ok(before.deliveries.every((d) => d.status === 'sent'), 'every delivery sent');
    const rebuilt = await runCli(['projections', 'rebuild', 'notification_status'], { DATA_DIR: dataDir, EVENT_STORE: 'postgres', DATABASE_URL: databaseUrl!, DATABASE_SCHEMA: schema });
    assert.equal(rebuilt.code, 0, rebuilt.stderr);
    assert.deepEqual(await readModelRows(schema), before, 'read model equals a rebuild from the log');
    assert.equal(missing, 0);
    assert.equal(fiveXx, 0);
    const seconds = Math.round((performance.now() - began) / 1000);
    report({
      scenario: 'topology 2 api + 2 worker + 1 projector (SIGKILL one of each)',
      profile: 'postgres+redis',
      notifications: TOTAL,
      lost: missing,
      duplicates,
      fiveXx,
      maxLatencyMs: Math.round(maxLatency),
      note: `load accepted in ${Math.round(loadSeconds)} s, all ended and checked in ${seconds} s`,
    });
  });
});
