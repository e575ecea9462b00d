/**
 * A topic broadcast end to end: N members (each with an email address) subscribed to a topic,
 * one broadcast to it, and one-to-one notifications sent beside it. Reports members decided per
 * second, the time to the last member delivery, Herald's peak resident memory, and the
 * one-to-one accept-to-sent latency idle and during the broadcast; and, labeled as such, what
 * those rates would mean for a 1,000,000-member topic (an extrapolation, not a measurement) when
 * the run is smaller.
 * Run alone: `node dist/bench/broadcast.js [members] [embedded|redis]`.
 */
import { fileURLToPath } from 'node:url';
import { percentile, round, rssMbOf } from './stats.js';
import { heraldProcesses, removeDir, startHerald, type RunningHerald } from './herald.js';

/** The audience the issue names: a run of it takes about 30 minutes on two cores, so smaller runs are extrapolated to it. */
const TARGET_MEMBERS = 1_000_000;
/** Users of the one-to-one notifications, so each gets only a few. */
const SOLO_USERS = 200;
const IDLE_SENDS = 40;
/** Long enough for 1,000,000 members on the Redis profile of a 2-core machine. */
const DEADLINE_MS = 90 * 60_000;

/** The answer's body; with `notYet`, a 404 (a read model that has not caught up) is an empty body, else it is an error like any other failure. */
async function call(h: RunningHerald, method: string, path: string, body?: unknown, notYet = false): Promise<Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(`${h.url}${path}`, { method, headers: { authorization: h.auth, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (notYet && res.status === 404) return {};
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : {};
}

async function each(n: number, parallel: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < n) await fn(next++);
  }));
}

/** Accept-to-sent of one one-to-one email: from sending the request to the sent delivery's sentAt. */
async function oneToOne(h: RunningHerald, n: number): Promise<number> {
  const t0 = Date.now();
  const { notificationId } = await call(h, 'POST', '/v1/notifications', { userId: `solo${n % SOLO_USERS}`, category: 'orders', channels: ['email'], content: { subject: 'Order', text: `order ${n}` } });
  for (;;) {
    const delivery = (await call(h, 'GET', `/v1/notifications/${notificationId}`, undefined, true)).deliveries?.[0];
    if (delivery?.sentAt) return Date.parse(delivery.sentAt) - t0;
    if (delivery && ['failed', 'canceled'].includes(delivery.status)) throw new Error(`one-to-one ${notificationId} ended ${delivery.status}`);
    if (Date.now() - t0 > 60_000) throw new Error(`one-to-one ${notificationId} not sent after a minute`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Idle means idle: every projection has read the setup's events (a million of them, at full size) before the idle sends; a lag of a few events is the log moving on. */
async function projectionsCaughtUp(h: RunningHerald): Promise<void> {
  for (const t0 = Date.now(); Date.now() - t0 < 10 * 60_000; ) {
    const res = await fetch(`${h.url}/metrics`, { headers: { authorization: h.auth } });
    const lags = [...(await res.text()).matchAll(/^herald_projection_lag\{[^}]*\} (\S+)$/gm)].map((m) => Number(m[1]));
    if (lags.length > 0 && lags.every((lag) => lag < 100)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('the projections did not catch up with the setup in 10 minutes');
}

const latency = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), n: sorted.length };
};

export async function topicBroadcast({ members, profileEnv }: { members: number; profileEnv: Record<string, string> }) {
  // Callers far above the client's default request rate; one-to-one users far below their email limit.
  const h = await startHerald({ ...profileEnv, CLIENT_RATE_LIMIT: '1000000', RATE_LIMIT_EMAIL: '1000000/1h' });
  // Peak resident memory of the setup (registering and subscribing the members) and of the broadcast, apart.
  const peakRss = { setup: 0, broadcast: 0 };
  let phase: keyof typeof peakRss = 'setup';
  const pids = (await heraldProcesses(h)).map((p) => p.pid);
  const sampler = setInterval(() => (peakRss[phase] = Math.max(peakRss[phase], pids.reduce((s, pid) => s + rssMbOf(pid), 0))), 200);
  try {
    await each(SOLO_USERS, 16, async (i) => void (await call(h, 'PUT', `/v1/users/solo${i}`, { email: `solo${i}@example.com` })));
    await call(h, 'PUT', '/v1/topics/bench', { name: 'Bench' });
    const setupStart = Date.now();
    await each(members, 32, async (i) => void (await call(h, 'PUT', `/v1/users/m${i}`, { email: `m${i}@example.com` })));
    for (let from = 0; from < members; from += 10_000) {
      await call(h, 'POST', '/v1/topics/bench/subscribers', { userIds: Array.from({ length: Math.min(10_000, members - from) }, (_, i) => `m${from + i}`) });
    }
    const setupSeconds = (Date.now() - setupStart) / 1000;
    await projectionsCaughtUp(h);

    const idle: number[] = [];
    for (let i = 0; i < IDLE_SENDS; i++) idle.push(await oneToOne(h, i));

    phase = 'broadcast';
    const started = Date.now();
    const { broadcastId } = await call(h, 'POST', '/v1/broadcasts', { audience: { topic: 'bench' }, category: 'news', channels: ['email'], content: { subject: 'News', text: 'News for all' } });
    const during: number[] = [];
    let decidedAt = 0;
    let view: Record<string, any> = {}; // eslint-disable-line @typescript-eslint/no-explicit-any
    for (let i = 0; ; i++) {
      view = await call(h, 'GET', `/v1/broadcasts/${broadcastId}`);
      if (!decidedAt && view.decided >= members) decidedAt = Date.now();
      // Every accepted member's delivery counted (the read model trails the log) and none pending.
      if ((view.status === 'completed' || view.status === 'canceled') && view.deliveries.total >= view.accepted && view.deliveries.pending === 0) break;
      if (Date.now() - started > DEADLINE_MS) throw new Error(`not finished after ${DEADLINE_MS / 60_000} minutes: ${JSON.stringify(view)}`);
      // One-to-one traffic while the broadcast runs: while it is deciding members, and while the lane still has most of them to send.
      if (!decidedAt || view.deliveries.sent < members * 0.9) during.push(await oneToOne(h, IDLE_SENDS + i));
    }
    const lastDeliverySeconds = (Date.now() - started) / 1000;
    const decidedPerSecond = members / ((decidedAt - started) / 1000);
    const idleMs = latency(idle);
    const duringMs = latency(during);
    return {
      members,
      setupSeconds: round(setupSeconds, 1),
      membersDecidedPerSecond: round(decidedPerSecond),
      secondsToLastDelivery: round(lastDeliverySeconds, 1),
      memberDeliveriesPerSecond: round(view.deliveries.sent / lastDeliverySeconds),
      peakRssMb: round(Math.max(peakRss.setup, peakRss.broadcast)),
      peakRssMbBy: { setup: round(peakRss.setup), broadcast: round(peakRss.broadcast) },
      oneToOneIdleMs: idleMs,
      oneToOneDuringMs: duringMs,
      duringOverIdle: { p50: round(duringMs.p50 / idleMs.p50, 1), p99: round(duringMs.p99 / idleMs.p99, 1) },
      final: { status: view.status, decided: view.decided, accepted: view.accepted, sent: view.deliveries.sent, failed: view.deliveries.failed },
      // Below the audience, the measured rates carried to it, assuming they hold at that
      // size, which this run does not show. Memory is not extrapolated.
      extrapolatedTo1M:
        members >= TARGET_MEMBERS
          ? null
          : {
              audience: TARGET_MEMBERS,
              fromMeasuredAudience: members,
              secondsToDecide: round(TARGET_MEMBERS / decidedPerSecond),
              secondsToLastDelivery: round((lastDeliverySeconds * TARGET_MEMBERS) / members),
            },
    };
  } finally {
    clearInterval(sampler);
    await h.stop();
    removeDir(h.dataDir);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const members = Number(process.argv[2] ?? 20_000);
  const redis = process.argv[3] === 'redis';
  const profileEnv: Record<string, string> = redis ? { QUEUE: 'bullmq', REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', REDIS_PREFIX: `bench-${Date.now()}` } : {};
  process.stdout.write(`${JSON.stringify({ profile: redis ? 'redis' : 'embedded', ...(await topicBroadcast({ members, profileEnv })) }, null, 2)}\n`);
  process.exit(0);
}
