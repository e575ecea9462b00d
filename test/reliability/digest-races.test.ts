import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { DigestFlushedData, DigestOpenedData, NotificationDecision } from '../../src/domain/recipient/events.js';
import { SqliteEventStore } from '../../src/modules/event-store/sqlite-event-store.js';
import { Api, sandboxSendsPerDelivery } from '../support/app.js';
import { freePort, spawnHerald } from '../support/process.js';
import { queueProfiles } from '../support/profiles.js';
import { eventually, tempDir } from '../support/temp.js';
import { report } from './report.js';

const ITEMS = 200;
const WINDOW_S = 15;
const DIGEST_TEMPLATE = {
  id: 'activity-digest',
  defaultLocale: 'en',
  channels: {
    email: { en: { subject: '{{ count }} updates', text: '{% for item in items %}{{ item.content.text }};{% endfor %}' } },
    sms: { en: { text: '{{ count }} updates since {{ firstAt }}' } },
  },
};

const ready = (port: number) =>
  eventually(async () => ((await new Api(`http://127.0.0.1:${port}`).get('/health/ready').catch(() => ({ status: 0 }))).status === 200 ? true : undefined), 60_000, `herald on ${port}`);

/** A Herald process on its own port; its admin credentials once the first has written them. */
async function start(t: TestContext, env: Record<string, string>) {
  const port = await freePort();
  const herald = await spawnHerald(t, { ...env, PORT: String(port) });
  await ready(port);
  const api = new Api(`http://127.0.0.1:${port}`, JSON.parse(readFileSync(join(env.DATA_DIR!, 'admin-credentials.json'), 'utf8')));
  return { herald, api };
}

/** The user's digest story as the log has it. */
async function digestsOf(dataDir: string, userId: string) {
  const log = new SqliteEventStore(join(dataDir, 'events.db'));
  try {
    const events = await log.readStream(`recipient-${userId}`);
    return {
      opened: events.filter((e) => e.type === 'DigestOpened').map((e) => e.data as DigestOpenedData),
      flushed: events.filter((e) => e.type === 'DigestFlushed').map((e) => e.data as DigestFlushedData),
      decisions: events.filter((e) => e.type === 'NotificationRequested' || e.type === 'NotificationSuppressed').map((e) => e.data as NotificationDecision),
    };
  } finally {
    log.close();
  }
}

for (const profile of queueProfiles()) {
  describe(`digest races (${profile.name} queue)`, () => {
    it(`${ITEMS} items for one user in the same second over two API processes: one digest per channel carrying all ${ITEMS}`, { timeout: 180_000 }, async (t) => {
      const dataDir = tempDir(t);
      const env = {
        ...profile.env(),
        DATA_DIR: dataDir,
        CLIENT_RATE_LIMIT: '100000',
        // Long enough for the whole burst: all its requests are in flight at once, but one user's
        // decisions are appended one after another (and here two processes race for each), so
        // deciding 200 takes a few seconds on a small machine.
        CATEGORY_POLICIES: JSON.stringify({ activity: { digest: { window: `${WINDOW_S}s`, channels: ['email', 'sms'], template: 'activity-digest' } } }),
      };
      // Both processes run every role: each decides items, and either may run the flush.
      const nodes = [await start(t, env), await start(t, env)].map((n) => n.api);
      assert.equal((await nodes[0]!.post('/v1/templates', DIGEST_TEMPLATE)).status, 201);
      assert.equal((await nodes[0]!.put('/v1/users/burst', { email: 'burst@example.com', phone: '+447700900123' })).status, 201);

      // Alternating processes, all at once: each item's decision races the other process's.
      const began = performance.now();
      let maxLatency = 0;
      const answers = await Promise.all(
        Array.from({ length: ITEMS }, async (_, n) => {
          const t0 = performance.now();
          const res = await nodes[n % 2]!.post('/v1/notifications', { userId: 'burst', category: 'activity', content: { subject: `item ${n}`, text: `item ${n}` } });
          maxLatency = Math.max(maxLatency, performance.now() - t0);
          return res;
        }),
      );
      const spreadMs = performance.now() - began;
      assert.ok(spreadMs < WINDOW_S * 1000, `the burst (${Math.round(spreadMs)} ms) fits in one window`);
      const fiveXx = answers.filter((a) => a.status >= 500).length;
      assert.deepEqual(answers.filter((a) => a.status !== 202).map((a) => [a.status, a.body]), [], 'every item accepted');
      const digestIds = new Set(answers.map((a) => a.body.digested?.digestId));
      if (digestIds.size !== 1) {
        const opened = (await digestsOf(dataDir, 'burst')).opened.map((o) => `${o.digestId} ${o.openedAt}-${o.windowEndsAt}`);
        assert.fail(`one digest named in every receipt, not ${digestIds.size} (requests spread over ${Math.round(spreadMs)} ms): ${opened.join(', ')}`);
      }
      const [digestId] = digestIds as Set<string>;

      // The flush and its deliveries: one per channel, sent.
      const sends = await eventually(async () => {
        const counts = await sandboxSendsPerDelivery(nodes[1]!);
        return counts.has(`${digestId}.1`) && counts.has(`${digestId}.2`) ? counts : undefined;
      }, WINDOW_S * 1000 + 30_000, 'both digest deliveries to be sent');
      const story = await digestsOf(dataDir, 'burst');
      assert.equal(story.opened.length, 1, 'one window opened');
      assert.equal(story.flushed.length, 1, 'one flush');
      const flushed = story.flushed[0]!;
      assert.equal(flushed.digestId, digestId);
      assert.equal(flushed.count, ITEMS);
      const accepted = new Set(answers.map((a) => a.body.notificationId as string));
      assert.deepEqual(new Set(flushed.items.map((i) => i.notificationId)), accepted, 'every accepted item, each once');
      assert.equal(flushed.items.length, ITEMS);
      assert.deepEqual(flushed.deliveries.map((d) => [d.deliveryId, d.channel]), [[`${digestId}.1`, 'sms'], [`${digestId}.2`, 'email']]);
      assert.equal(story.decisions.length, ITEMS, 'one decision per request');
      // Nothing else reached the providers, and each digest delivery once.
      assert.deepEqual([...sends.entries()].sort(), [[`${digestId}.1`, 1], [`${digestId}.2`, 1]]);
      report({
        scenario: `${ITEMS} digest items for one user at once over two API processes`,
        profile: `${profile.name} queue`,
        notifications: ITEMS,
        lost: ITEMS - flushed.items.length,
        duplicates: story.flushed.length - 1 + story.opened.length - 1,
        fiveXx,
        maxLatencyMs: Math.round(maxLatency),
        note: `all in flight at once, decided within ${Math.round(spreadMs)} ms; 1 window, 1 flush of ${flushed.count} items, 2 deliveries (sms, email)`,
      });
    });

    it('the worker SIGKILLed at the flush: after a restart every digest is sent once (a repeat only with the same delivery id), no item lost', { timeout: 180_000 }, async (t) => {
      const USERS = 20;
      const PER_USER = 5;
      const dataDir = tempDir(t);
      const env = {
        ...profile.env(),
        DATA_DIR: dataDir,
        CLIENT_RATE_LIMIT: '100000',
        JOB_LEASE: '3s',
        CATEGORY_POLICIES: JSON.stringify({ activity: { digest: { window: '4s', channels: ['email'], template: 'activity-digest' } } }),
      };
      const { api } = await start(t, { ...env, HERALD_ROLES: 'api,dispatcher,projector' });
      const workerEnv = { ...env, HERALD_ROLES: 'worker', LOG_LEVEL: 'info' };
      const worker = await spawnHerald(t, { ...workerEnv, PORT: String(await freePort()) });
      assert.equal((await api.post('/v1/templates', DIGEST_TEMPLATE)).status, 201);
      for (let u = 0; u < USERS; u++) assert.equal((await api.put(`/v1/users/k${u}`, { email: `k${u}@example.com` })).status, 201);

      // Every user's window opens now and ends together: the worker flushes them all at once.
      const accepted = new Map<string, string[]>();
      let maxLatency = 0;
      let fiveXx = 0;
      await Promise.all(
        Array.from({ length: USERS * PER_USER }, async (_, n) => {
          const userId = `k${n % USERS}`;
          const t0 = performance.now();
          const res = await api.post('/v1/notifications', { userId, category: 'activity', content: { subject: `n${n}`, text: `n${n}` } });
          maxLatency = Math.max(maxLatency, performance.now() - t0);
          if (res.status >= 500) fiveXx += 1;
          assert.equal(res.status, 202, JSON.stringify(res.body));
          accepted.set(userId, [...(accepted.get(userId) ?? []), res.body.notificationId]);
        }),
      );

      // Killed the moment its first flush is logged: other flushes, and the deliveries they made, are mid-way.
      await eventually(() => (/digest flushed/.test(worker.output()) ? true : undefined), 30_000, 'the first flush');
      worker.child.kill('SIGKILL');
      await worker.exited;
      const flushedAtKill = (worker.output().match(/digest flushed/g) ?? []).length;
      const killedAt = Date.now();
      await spawnHerald(t, { ...workerEnv, PORT: String(await freePort()) });

      const stories = await eventually(async () => {
        const all = await Promise.all(Array.from({ length: USERS }, (_, u) => digestsOf(dataDir, `k${u}`)));
        return all.every((s) => s.flushed.length > 0) ? all : undefined;
      }, 60_000, 'every digest flushed');
      const deliveryIds = stories.flatMap((s) => s.flushed.flatMap((f) => f.deliveries.map((d) => d.deliveryId)));
      const sends = await eventually(async () => {
        const counts = await sandboxSendsPerDelivery(api);
        return deliveryIds.every((id) => counts.has(id)) ? counts : undefined;
      }, 60_000, 'every digest delivery sent');
      const recoveredInMs = Date.now() - killedAt;

      let lost = 0;
      stories.forEach((s, u) => {
        assert.equal(s.opened.length, 1, `k${u}: one window`);
        assert.equal(s.flushed.length, 1, `k${u}: flushed once, the rerun of its job decided nothing`);
        const carried = new Set(s.flushed[0]!.items.map((i) => i.notificationId));
        const expected = accepted.get(`k${u}`)!;
        lost += expected.filter((id) => !carried.has(id)).length;
        assert.deepEqual(carried, new Set(expected), `k${u}: every item in its digest`);
      });
      assert.equal(lost, 0);
      assert.deepEqual(new Set(sends.keys()), new Set(deliveryIds), 'exactly the digest deliveries reached the provider');
      const duplicates = [...sends.values()].filter((c) => c > 1).length;
      assert.ok([...sends.values()].every((c) => c <= 2), 'no digest delivery sent more than twice (a repeat of a send cut off by the kill)');
      assert.equal(fiveXx, 0);
      report({
        scenario: 'worker SIGKILLed at the digest flush, then restarted',
        profile: `${profile.name} queue`,
        notifications: USERS * PER_USER,
        lost,
        duplicates,
        fiveXx,
        maxLatencyMs: Math.round(maxLatency),
        note: `${USERS} digests, ${flushedAtKill} flushed before the kill, all sent ${recoveredInMs} ms after it; repeats carry the same delivery id`,
      });
    });
  });
}
