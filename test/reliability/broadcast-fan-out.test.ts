import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it, type TestContext } from 'node:test';
import { MAX_USER_IDS_PER_CALL } from '../../src/domain/broadcast/broadcast.js';
import { Api, sandboxOutbox } from '../support/app.js';
import { freePort, runCli, spawnHerald } from '../support/process.js';
import { queueProfiles } from '../support/profiles.js';
import { seedUsers } from '../support/seed-users.js';
import { eventually, tempDir } from '../support/temp.js';
import { readBroadcastLog, type BroadcastLog } from './broadcast-log.js';
import { report } from './report.js';

const TOPIC = 'everyone';
const PAGE_SIZE = 1000;
const member = (i: number) => `m${String(i).padStart(5, '0')}`;

type Herald = Awaited<ReturnType<typeof spawnHerald>>;
interface Progress {
  status: string;
  audienceSize: number | null;
  decided: number;
  accepted: number;
  suppressed: Record<string, number>;
  unknownUser: number;
  deliveries: { total: number; pending: number; sent: number; failed: number; canceled: number };
}

/**
 * A data directory with `members` users (each with an email address, so each member gets one
 * sandbox email), Herald started on it, and a topic they are all subscribed to, 10,000 per call.
 */
async function topicOfMembers(t: TestContext, members: number, env: Record<string, string>) {
  const dataDir = tempDir(t);
  const userIds = Array.from({ length: members }, (_, i) => member(i));
  await seedUsers(dataDir, userIds);
  const port = await freePort();
  const fullEnv = { ...env, DATA_DIR: dataDir, PORT: String(port), CLIENT_RATE_LIMIT: '100000', JOB_LEASE: '5s', BROADCAST_PAGE_SIZE: String(PAGE_SIZE) };
  const anonymous = new Api(`http://127.0.0.1:${port}`);
  const start = async (): Promise<Herald> => {
    const herald = await spawnHerald(t, fullEnv);
    await eventually(async () => ((await anonymous.get('/health/ready').catch(() => ({ status: 0 }))).status === 200 ? true : undefined), 60_000, 'herald to start').catch((error: Error) => {
      throw new Error(`${error.message}\n${herald.output().slice(-3000)}`);
    });
    return herald;
  };
  const herald = await start();
  const api = anonymous.as(JSON.parse(readFileSync(join(dataDir, 'admin-credentials.json'), 'utf8')));
  assert.equal((await api.put(`/v1/topics/${TOPIC}`, { name: 'Everyone' })).status, 201);
  for (let from = 0; from < members; from += MAX_USER_IDS_PER_CALL) {
    const res = await api.post(`/v1/topics/${TOPIC}/subscribers`, { userIds: userIds.slice(from, from + MAX_USER_IDS_PER_CALL) });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }
  let fiveXx = 0;
  /** The broadcast's progress, or null while Herald is down. */
  const progress = async (broadcastId: string): Promise<Progress | null> => {
    const res = await api.get<Progress>(`/v1/broadcasts/${broadcastId}`).catch(() => null);
    if (res && res.status >= 500 && res.status !== 503) fiveXx += 1;
    return res?.status === 200 ? res.body : null;
  };
  const broadcast = async (): Promise<string> => {
    const res = await api.post('/v1/broadcasts', { audience: { topic: TOPIC }, category: 'news', channels: ['email'], content: { subject: 'News', text: 'News for everyone' } });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    return res.body.broadcastId;
  };
  return { dataDir, userIds, api, herald, start, progress, broadcast, fiveXx: () => fiveXx };
}

async function stop(herald: Herald): Promise<void> {
  herald.child.kill('SIGTERM');
  await herald.exited;
}

/** The broadcasts read model's rows for the broadcast and its deliveries. */
function broadcastRows(dataDir: string, broadcastId: string) {
  const db = new DatabaseSync(join(dataDir, 'read-models.db'), { readOnly: true });
  try {
    return {
      broadcast: db.prepare('SELECT * FROM broadcasts WHERE broadcast_id = ?').get(broadcastId),
      deliveries: db.prepare('SELECT delivery_id, notification_id, status FROM broadcast_deliveries WHERE broadcast_id = ? ORDER BY delivery_id').all(broadcastId),
    };
  } finally {
    db.close();
  }
}

/** The broadcasts read model equals a rebuild from the log (Herald stopped). */
async function assertRebuildEquals(dataDir: string, broadcastId: string): Promise<void> {
  const before = broadcastRows(dataDir, broadcastId);
  const rebuilt = await runCli(['projections', 'rebuild', 'broadcasts'], { DATA_DIR: dataDir });
  assert.equal(rebuilt.code, 0, rebuilt.stderr);
  assert.deepEqual(broadcastRows(dataDir, broadcastId), before, 'the broadcasts read model equals a rebuild from the log');
}

const recordedDecided = (log: BroadcastLog) => log.pages.reduce((n, p) => n + p.decided, 0);

/** How many decisions each user has for the broadcast. */
function decisionsPerUser(log: BroadcastLog): Map<string, number> {
  const counts = new Map<string, number>();
  for (const d of log.decisions) counts.set(d.userId, (counts.get(d.userId) ?? 0) + 1);
  return counts;
}

const MEMBERS = 50_000;
const KILL_AT = [5_000, 20_000, 35_000];

for (const profile of queueProfiles()) {
  describe(`broadcast fan-out killed (${profile.name})`, () => {
    it(`a ${MEMBERS}-member topic broadcast while Herald is SIGKILLed ${KILL_AT.length} times mid-fan-out: every member decided exactly once, none lost, a repeated send only with the same delivery id`, { timeout: 480_000 }, async (t) => {
      const began = performance.now();
      // Wide broadcast lanes, so the members' sandbox emails keep up with the fan-out.
      const setup = await topicOfMembers(t, MEMBERS, { ...profile.env(), BROADCAST_LANE_CONCURRENCY: '64' });
      let herald = setup.herald;
      const setupSeconds = (performance.now() - began) / 1000;
      const fanOutBegan = performance.now();
      const broadcastId = await setup.broadcast();

      // Each kill lands where the fan-out is when progress passes the mark: usually inside a page,
      // whose members are then decided again by the next process (their keys answer the first decision).
      const kills: { decided: number; redone: number; resumedMs: number }[] = [];
      for (const mark of KILL_AT) {
        await eventually(
          async () => {
            const p = await setup.progress(broadcastId);
            // Past the mark and inside a page: a quarter of the open page's members decided, the page not yet recorded.
            return p && p.decided >= mark && p.deliveries.total >= p.decided + PAGE_SIZE / 4 ? true : undefined;
          },
          240_000,
          `${mark} members decided and a page open`,
        );
        herald.child.kill('SIGKILL');
        await herald.exited;
        const killedAt = performance.now();
        const atKill = readBroadcastLog(setup.dataDir, broadcastId);
        const recorded = recordedDecided(atKill);
        assert.ok(recorded < MEMBERS && atKill.finished === null, `killed at ${mark} while members were left (${recorded} recorded)`);
        herald = await setup.start();
        await eventually(async () => ((await setup.progress(broadcastId))?.decided ?? 0) > recorded || undefined, 120_000, 'the fan-out to resume after the kill');
        kills.push({ decided: recorded, redone: atKill.decisions.length - recorded, resumedMs: Math.round(performance.now() - killedAt) });
      }

      const final = await eventually(
        async () => {
          const p = await setup.progress(broadcastId);
          return p && p.status === 'completed' && p.deliveries.total === MEMBERS && p.deliveries.pending === 0 ? p : undefined;
        },
        300_000,
        'the broadcast to complete and every member delivery to end',
      );
      const fanOutSeconds = (performance.now() - fanOutBegan) / 1000;
      const outbox = await sandboxOutbox(setup.api);
      await stop(herald);
      const log = readBroadcastLog(setup.dataDir, broadcastId);

      // Progress: every member counted once, each page recorded once, in order.
      assert.deepEqual(
        { status: final.status, audienceSize: final.audienceSize, decided: final.decided, accepted: final.accepted, suppressed: final.suppressed, unknownUser: final.unknownUser },
        { status: 'completed', audienceSize: MEMBERS, decided: MEMBERS, accepted: MEMBERS, suppressed: {}, unknownUser: 0 },
      );
      assert.deepEqual(log.pages.map((p) => p.page), Array.from({ length: MEMBERS / PAGE_SIZE }, (_, i) => i), 'each page recorded once');
      assert.equal(recordedDecided(log), MEMBERS);

      // The log: one decision per member, across the kills, each with one delivery that ended once, sent.
      const perUser = decisionsPerUser(log);
      const lostMembers = setup.userIds.filter((u) => !perUser.has(u)).length;
      assert.equal(lostMembers, 0, 'every member decided');
      assert.equal(perUser.size, MEMBERS, 'no one outside the topic decided');
      assert.deepEqual([...perUser.values()].filter((n) => n !== 1), [], 'no member decided twice');
      assert.ok(log.decisions.every((d) => d.accepted && d.deliveryIds.length === 1), 'every member accepted with one email');
      const deliveryOf = new Map(log.decisions.map((d) => [d.userId, d.deliveryIds[0]!]));
      const unended = [...deliveryOf.values()].filter((id) => !log.outcomes.has(id)).length;
      assert.equal(unended, 0, 'every member delivery ended');
      assert.deepEqual([...log.outcomes.values()].filter((o) => o.length !== 1 || o[0]!.type !== 'NotificationSent'), [], 'every member delivery sent, once in the log');
      assert.deepEqual(
        { total: final.deliveries.total, sent: final.deliveries.sent, failed: final.deliveries.failed, canceled: final.deliveries.canceled },
        { total: MEMBERS, sent: MEMBERS, failed: 0, canceled: 0 },
      );

      // The provider: every member's delivery reached it; one killed in the middle of a send may
      // have reached it twice, always with the member's one delivery id.
      const perDelivery = new Map<string, number>();
      for (const e of outbox) perDelivery.set(e.deliveryId, (perDelivery.get(e.deliveryId) ?? 0) + 1);
      assert.deepEqual(new Set(perDelivery.keys()), new Set(deliveryOf.values()), 'every member delivery reached the provider');
      assert.deepEqual(outbox.filter((e) => deliveryOf.get(e.userId) !== e.deliveryId), [], "each member reached only with that member's delivery id");
      assert.ok([...perDelivery.values()].every((n) => n <= 2), 'no delivery reached the provider more than twice');
      const duplicates = [...perDelivery.values()].filter((n) => n > 1).length;

      await assertRebuildEquals(setup.dataDir, broadcastId);
      assert.equal(setup.fiveXx(), 0);
      const seconds = Math.round((performance.now() - began) / 1000);
      report({
        scenario: `broadcast fan-out (${KILL_AT.length} x SIGKILL)`,
        profile: profile.name,
        notifications: MEMBERS,
        lost: lostMembers + unended,
        duplicates,
        fiveXx: setup.fiveXx(),
        maxLatencyMs: Math.max(...kills.map((k) => k.resumedMs)),
        note:
          `killed at ${kills.map((k) => `${k.decided} recorded + ${k.redone} decided in the open page`).join(', ')}; ` +
          `max latency = kill to the next page recorded; setup ${Math.round(setupSeconds)} s, broadcast to last delivery ${Math.round(fanOutSeconds)} s, row ${seconds} s`,
      });
    });
  });
}

const CANCEL_MEMBERS = 20_000;
const CANCEL_AT = 5_000;
const LANE_CONCURRENCY = 8;

for (const profile of queueProfiles()) {
  describe(`broadcast canceled mid-fan-out (${profile.name})`, () => {
    it(`DELETE /v1/broadcasts/:id while a ${CANCEL_MEMBERS}-member fan-out runs: the fan-out stops, nothing is sent that was not already in flight, every unsent delivery is canceled`, { timeout: 300_000 }, async (t) => {
      const began = performance.now();
      const setup = await topicOfMembers(t, CANCEL_MEMBERS, { ...profile.env(), BROADCAST_LANE_CONCURRENCY: String(LANE_CONCURRENCY) });
      const broadcastId = await setup.broadcast();
      await eventually(async () => ((await setup.progress(broadcastId))?.decided ?? 0) >= CANCEL_AT || undefined, 120_000, `${CANCEL_AT} members decided`);
      const canceling = performance.now();
      const res = await setup.api.delete(`/v1/broadcasts/${broadcastId}`);
      const cancelMs = Math.round(performance.now() - canceling);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.status, 'canceling');
      const final = await eventually(
        async () => {
          const p = await setup.progress(broadcastId);
          return p && p.status === 'canceled' && p.deliveries.pending === 0 ? p : undefined;
        },
        120_000,
        'the broadcast to end canceled with no delivery pending',
      );
      const stoppedSeconds = (performance.now() - canceling) / 1000;
      const outbox = await sandboxOutbox(setup.api);
      await stop(setup.herald);
      const log = readBroadcastLog(setup.dataDir, broadcastId);
      assert.ok(log.canceled && log.finished, 'the cancel and the end are in the log');
      assert.equal(log.finished.outcome, 'canceled');
      const cancel = log.canceled;

      // The fan-out stops: at most the page it was deciding when the cancel came, nothing after it ended.
      const decidedAfterCancel = log.decisions.filter((d) => d.position > cancel.position);
      assert.ok(decidedAfterCancel.length <= PAGE_SIZE, `at most the open page decided after the cancel (${decidedAfterCancel.length})`);
      assert.deepEqual(log.decisions.filter((d) => d.position > log.finished!.position), [], 'nothing decided after the fan-out ended');
      assert.ok(log.decisions.length < CANCEL_MEMBERS, 'canceled before every member was decided');
      assert.deepEqual([...decisionsPerUser(log).values()].filter((n) => n !== 1), [], 'no member decided twice');
      assert.equal(final.decided, log.decisions.length, 'progress counts every member decided, the open page too');

      // Every delivery ended once: sent, or canceled. A send recorded after the cancel was in
      // flight when the cancel was written (its worker had checked before): at most one per lane slot.
      const deliveries = log.decisions.flatMap((d) => d.deliveryIds);
      const ends = deliveries.map((id) => log.outcomes.get(id) ?? []);
      assert.deepEqual(ends.filter((o) => o.length !== 1), [], 'every delivery ended exactly once');
      const sent = new Set(deliveries.filter((id) => log.outcomes.get(id)![0]!.type === 'NotificationSent'));
      const canceled = deliveries.filter((id) => log.outcomes.get(id)![0]!.type === 'NotificationCanceled').length;
      assert.equal(sent.size + canceled, deliveries.length, 'no delivery failed');
      assert.ok(canceled > 0, 'the cancel found unsent deliveries to cancel');
      const sentAfterCancel = new Set(deliveries.filter((id) => sent.has(id) && log.outcomes.get(id)![0]!.position > cancel.position));
      assert.ok(sentAfterCancel.size <= LANE_CONCURRENCY, `sends recorded after the cancel: ${sentAfterCancel.size}, at most the ${LANE_CONCURRENCY} in flight`);
      const requestedAfterCancel = new Set(decidedAfterCancel.flatMap((d) => d.deliveryIds));
      assert.deepEqual([...requestedAfterCancel].filter((id) => sent.has(id)), [], 'no delivery decided after the cancel was sent');

      // The provider: each sent delivery once; a request made after the cancel was written is one of those in flight.
      const perDelivery = new Map<string, number>();
      for (const e of outbox) perDelivery.set(e.deliveryId, (perDelivery.get(e.deliveryId) ?? 0) + 1);
      assert.deepEqual(new Set(perDelivery.keys()), sent, 'the provider got exactly the sent deliveries');
      assert.ok([...perDelivery.values()].every((n) => n === 1), 'each once');
      const requestsAfterCancel = outbox.filter((e) => Date.parse(e.recordedAt) > cancel.at);
      assert.deepEqual(requestsAfterCancel.filter((e) => !sentAfterCancel.has(e.deliveryId)), [], 'no provider request after the cancel but those in flight');

      assert.deepEqual(final.deliveries, { total: deliveries.length, pending: 0, sent: sent.size, failed: 0, canceled });
      await assertRebuildEquals(setup.dataDir, broadcastId);
      assert.equal(setup.fiveXx(), 0);
      report({
        scenario: 'broadcast canceled mid-fan-out',
        profile: profile.name,
        notifications: log.decisions.length,
        lost: 0,
        duplicates: [...perDelivery.values()].filter((n) => n > 1).length,
        fiveXx: setup.fiveXx(),
        maxLatencyMs: cancelMs,
        note:
          `canceled at ${log.decisions.length - decidedAfterCancel.length} of ${CANCEL_MEMBERS} decided (+${decidedAfterCancel.length} in the open page); ` +
          `${sent.size} sent (${sentAfterCancel.size} in flight at the cancel), ${canceled} canceled; ended ${stoppedSeconds.toFixed(1)} s after the DELETE; row ${Math.round((performance.now() - began) / 1000)} s`,
      });
    });
  });
}
