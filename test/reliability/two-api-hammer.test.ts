import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { EventStore } from '../../src/modules/event-store/event-store.port.js';
import { EventStoreDbEventStore } from '../../src/modules/event-store/eventstoredb-event-store.js';
import { PostgresEventStore } from '../../src/modules/event-store/postgres-event-store.js';
import { SqliteEventStore } from '../../src/modules/event-store/sqlite-event-store.js';
import { startEventStoreDbFake } from '../fakes/eventstoredb-fake.js';
import { Api } from '../support/app.js';
import { freshSchema } from '../support/postgres.js';
import { freePort, spawnHerald } from '../support/process.js';
import { eventually, tempDir } from '../support/temp.js';
import { report } from './report.js';

const USERS = 2;
const PER_USER = 240;
const LIMIT = 25;
const CONCURRENCY = 64;

interface Store {
  name: string;
  env: (t: TestContext) => Promise<Record<string, string>>;
  open: (env: Record<string, string>) => EventStore;
}

function stores(): Store[] {
  const list: Store[] = [{ name: 'sqlite (one file, two processes)', env: async () => ({}), open: (env) => new SqliteEventStore(join(env.DATA_DIR!, 'events.db')) }];
  const url = process.env.DATABASE_URL;
  if (url) {
    list.push({
      name: 'postgres',
      env: async (t) => ({ EVENT_STORE: 'postgres', DATABASE_URL: url, DATABASE_SCHEMA: freshSchema(t, 'hammer') }),
      open: (env) => new PostgresEventStore(env.DATABASE_URL!, { schema: env.DATABASE_SCHEMA! }),
    });
  } else {
    console.log('# SKIPPED: two API processes on PostgreSQL (DATABASE_URL is not set)');
  }
  // Optimistic concurrency as EventStoreDB answers it, over gRPC, from two processes.
  list.push({
    name: 'eventstoredb wire-level fake',
    env: async (t) => {
      const fake = await startEventStoreDbFake();
      t.after(() => fake.stop());
      return { EVENT_STORE: 'eventstoredb', EVENTSTORE_URL: fake.url };
    },
    open: (env) => new EventStoreDbEventStore(env.EVENTSTORE_URL!),
  });
  return list;
}

for (const store of stores()) {
  describe(`two API processes hammering the same users (${store.name})`, () => {
    it(`${USERS} users x ${PER_USER} requests, each sent to both processes at once (half with one idempotency key, half with one each): no rate limit exceeded, one decision per key`, { timeout: 180_000 }, async (t) => {
      const dataDir = tempDir(t);
      const env = {
        ...(await store.env(t)),
        DATA_DIR: dataDir,
        HERALD_ROLES: 'api',
        RATE_LIMIT_EMAIL: `${LIMIT}/1h`,
        CONTENT_DEDUP_WINDOW: '0s',
        CLIENT_RATE_LIMIT: '100000',
      };
      const ports = [await freePort(), await freePort()];
      const ready = (port: number) =>
        eventually(async () => ((await new Api(`http://127.0.0.1:${port}`).get('/health/ready').catch(() => ({ status: 0 }))).status === 200 ? true : undefined), 60_000, `herald on ${port}`);
      await spawnHerald(t, { ...env, PORT: String(ports[0]) });
      await ready(ports[0]!);
      await spawnHerald(t, { ...env, PORT: String(ports[1]) });
      await ready(ports[1]!);
      const credentials = JSON.parse(readFileSync(join(dataDir, 'admin-credentials.json'), 'utf8'));
      const nodes = ports.map((p) => new Api(`http://127.0.0.1:${p}`, credentials));
      for (let u = 0; u < USERS; u++) assert.equal((await nodes[u % 2]!.put(`/v1/users/h${u}`, { email: `h${u}@example.com` })).status, 201);

      // Every request goes to both processes at the same moment: the same user's actor lives
      // in both, so each decision races the other process's. Half of each user's requests carry
      // one idempotency key to both (one decision, one replay), the other half a key per process
      // (two decisions, both counted against the user's rate limit).
      const requests = Array.from({ length: USERS * PER_USER }, (_, n) => ({ userId: `h${n % USERS}`, category: 'orders', channels: ['email'], content: { subject: `s${n}`, text: `t${n}` }, idempotencyKey: `key-${n}` }));
      const shared = (n: number) => Math.floor(n / USERS) % 2 === 0;
      const keyFor = (n: number, node: number) => (shared(n) ? `key-${n}` : `key-${n}-${node}`);
      const answers = new Map<number, { status: number; notificationId?: string; state?: string }[]>();
      let next = 0;
      let maxLatency = 0;
      const lane = async () => {
        while (next < requests.length) {
          const n = next++;
          const request = requests[n]!;
          const t0 = performance.now();
          const results = await Promise.all(nodes.map((node, i) => node.post('/v1/notifications', { ...request, idempotencyKey: keyFor(n, i) })));
          maxLatency = Math.max(maxLatency, performance.now() - t0);
          answers.set(n, results.map((r) => ({ status: r.status, notificationId: r.body?.notificationId, state: r.body?.status })));
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, lane));

      const statuses = [...answers.values()].flat().map((a) => a.status);
      const fiveXx = statuses.filter((s) => s >= 500).length;
      const unexpected = statuses.filter((s) => s !== 200 && s !== 202);
      assert.deepEqual(unexpected, [], 'every request answered 202 (decided) or 200 (the idempotent replay)');
      for (const [n, pair] of answers) {
        if (!shared(n)) {
          assert.notEqual(pair[0]!.notificationId, pair[1]!.notificationId, `request ${n}: two keys, two notifications`);
          continue;
        }
        assert.equal(pair[0]!.notificationId, pair[1]!.notificationId, `both processes answered key-${n} with the same notification`);
        assert.deepEqual(pair.map((a) => a.status).sort(), [200, 202], `key-${n}: one decision, one replay`);
      }

      // The log: one decision per key, and never more than the limit accepted per user.
      const log = store.open(env);
      t.after(() => log.close());
      let duplicates = 0;
      let accepted = 0;
      for (let u = 0; u < USERS; u++) {
        const events = await log.readStream(`recipient-h${u}`);
        const decisions = events.filter((e) => e.type === 'NotificationRequested' || e.type === 'NotificationSuppressed');
        const keys = decisions.map((e) => (e.data as { idempotencyKey: string }).idempotencyKey);
        duplicates += keys.length - new Set(keys).size;
        assert.equal(decisions.length, PER_USER * 1.5, `h${u}: one decision per idempotency key`);
        const requested = decisions.filter((e) => e.type === 'NotificationRequested').length;
        accepted += requested;
        assert.equal(requested, LIMIT, `h${u}: exactly the rate limit accepted, the rest suppressed`);
      }
      assert.equal(duplicates, 0);
      assert.equal(fiveXx, 0);
      report({
        scenario: `two API processes, same ${USERS} users, every request to both`,
        profile: store.name,
        notifications: USERS * PER_USER * 2,
        lost: 0,
        duplicates,
        fiveXx,
        maxLatencyMs: Math.round(maxLatency),
        note: `${accepted} accepted = ${USERS} x limit ${LIMIT}`,
      });
    });
  });
}
