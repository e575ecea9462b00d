/**
 * A topic broadcast end to end: N members (each with an email address) subscribed to a topic,
 * one broadcast to it, and one-to-one notifications sent beside it. Reports members decided per
 * second, the time to the last member delivery, Herald's peak resident memory, and the
 * one-to-one accept-to-sent latency idle and during the broadcast.
 * `node dist/bench/broadcast.js [members] [queue profile: embedded|redis]`.
 */
import { percentile, round, rssMbOf } from './stats.js';
import { heraldProcesses, removeDir, startHerald, type RunningHerald } from './herald.js';

const members = Number(process.argv[2] ?? 20_000);
const profile = process.argv[3] === 'redis' ? 'redis' : 'embedded';

async function call(h: RunningHerald, method: string, path: string, body?: unknown): Promise<Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(`${h.url}${path}`, { method, headers: { authorization: h.auth, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : {};
}

async function each(n: number, parallel: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < n) await fn(next++);
  }));
}

/** Users of the one-to-one notifications: each gets a few, well inside the per-user rate limit. */
const SOLO_USERS = 200;

/** Accept-to-sent of one one-to-one email: the request's answer time to the sent delivery's sentAt. */
async function oneToOne(h: RunningHerald, n: number): Promise<number> {
  const t0 = Date.now();
  const { notificationId } = await call(h, 'POST', '/v1/notifications', { userId: `solo${n % SOLO_USERS}`, category: 'orders', channels: ['email'], content: { subject: 'Order', text: `order ${n}` } });
  for (;;) {
    const view = await call(h, 'GET', `/v1/notifications/${notificationId}`);
    const sent = view.deliveries?.[0]?.sentAt;
    if (sent) return Date.parse(sent) - t0;
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function main(): Promise<void> {
  const env: Record<string, string> = profile === 'redis' ? { QUEUE: 'bullmq', REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', REDIS_PREFIX: `bench-${Date.now()}` } : {};
  const h = await startHerald(env);
  let peakRss = 0;
  const pids = (await heraldProcesses(h)).map((p) => p.pid);
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, pids.reduce((s, pid) => s + rssMbOf(pid), 0))), 200);
  try {
    await each(SOLO_USERS, 16, async (i) => void (await call(h, 'PUT', `/v1/users/solo${i}`, { email: `solo${i}@example.com` })));
    await call(h, 'PUT', '/v1/topics/bench', { name: 'Bench' });
    const setupStart = Date.now();
    await each(members, 32, async (i) => void (await call(h, 'PUT', `/v1/users/m${i}`, { email: `m${i}@example.com` })));
    for (let from = 0; from < members; from += 10_000) {
      await call(h, 'POST', '/v1/topics/bench/subscribers', { userIds: Array.from({ length: Math.min(10_000, members - from) }, (_, i) => `m${from + i}`) });
    }
    const setupS = (Date.now() - setupStart) / 1000;

    const idle: number[] = [];
    for (let i = 0; i < 40; i++) idle.push(await oneToOne(h, i));

    const started = Date.now();
    const { broadcastId } = await call(h, 'POST', '/v1/broadcasts', { audience: { topic: 'bench' }, category: 'news', channels: ['email'], content: { subject: 'News', text: 'News for all' } });
    const during: number[] = [];
    let decidedAt = 0;
    let view: Record<string, any> = {}; // eslint-disable-line @typescript-eslint/no-explicit-any
    for (let i = 0; ; i++) {
      view = await call(h, 'GET', `/v1/broadcasts/${broadcastId}`);
      if (!decidedAt && view.decided >= members) decidedAt = Date.now();
      if (view.deliveries.sent + view.deliveries.failed >= members) break;
      if (Date.now() - started > 15 * 60_000) throw new Error(`not finished after 15 minutes: ${JSON.stringify(view)}`);
      // One-to-one traffic while the broadcast runs.
      if (!decidedAt || view.deliveries.sent < members * 0.9) during.push(await oneToOne(h, 40 + i));
    }
    const lastDelivery = (Date.now() - started) / 1000;
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    const result = {
      profile,
      members,
      setupSeconds: round(setupS, 1),
      membersDecidedPerSecond: round(members / ((decidedAt - started) / 1000)),
      secondsToLastDelivery: round(lastDelivery, 1),
      peakRssMb: round(peakRss),
      oneToOneIdleMs: { p50: percentile(sorted(idle), 50), p99: percentile(sorted(idle), 99), n: idle.length },
      oneToOneDuringMs: { p50: percentile(sorted(during), 50), p99: percentile(sorted(during), 99), n: during.length },
      final: { decided: view.decided, accepted: view.accepted, sent: view.deliveries.sent, failed: view.deliveries.failed },
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    clearInterval(sampler);
    await h.stop();
    removeDir(h.dataDir);
  }
}

await main();
