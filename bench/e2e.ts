/** Herald end to end: requests in over HTTP, NotificationSent recorded for instant provider fakes. */
import autocannon from 'autocannon';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { startFakes, startHerald, removeDir, heraldProcesses, type Fakes, type RunningHerald } from './herald.js';
import { cpuMsOf, percentile, round, rssMbOf } from './stats.js';

export interface E2eOptions {
  users: number;
  notifications: number;
  batchNotifications: number;
  fixedRateSeconds: number;
  profileEnv: Record<string, string>;
}

const HOT_USERS = 20;

export const sum = (c: Record<string, number> | number[]) => Object.values(c).reduce((a, b) => a + b, 0);

export async function registerUsers(h: RunningHerald, users: number): Promise<void> {
  let next = 0;
  const headers = { authorization: h.auth, 'content-type': 'application/json' };
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < users) {
        const u = next++;
        await fetch(`${h.url}/v1/users/u${u}`, { method: 'PUT', headers, body: JSON.stringify({ email: `u${u}@example.com`, phone: '+447700900123' }) });
        // One to three push devices, APNs and FCM mixed.
        for (let d = 0; d <= u % 3; d++) {
          const apns = (u + d) % 2 === 0;
          const token = apns ? (u * 4 + d).toString(16).padStart(64, '0') : `fcm-token-${u}-${d}-abcdefghijklmnop`;
          await fetch(`${h.url}/v1/users/u${u}/devices`, { method: 'POST', headers, body: JSON.stringify({ platform: apns ? 'ios' : 'android', token }) });
        }
      }
    }),
  );
}

/** 60% push (1-3 devices), 10% SMS, 30% email; many users, a few hot ones. */
export function requestBody(users: number, n: number): string {
  const user = Math.random() < 0.1 ? Math.floor(Math.random() * HOT_USERS) : Math.floor(Math.random() * users);
  const r = Math.random();
  const channels = r < 0.6 ? ['push'] : r < 0.7 ? ['sms'] : ['email'];
  return JSON.stringify({ userId: `u${user}`, category: 'bench', channels, content: { title: 'Hi', body: `message ${n}`, subject: 'Bench', text: `message ${n}` } });
}

export async function waitForSent(fakes: Fakes, target: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const total = sum(await fakes.counts());
    if (total >= target || Date.now() > deadline) return total;
    await new Promise((r) => setTimeout(r, 50));
  }
}

function acceptToSentLatency(dataDir: string): { p50: number; p99: number; samples: number } {
  const db = new DatabaseSync(join(dataDir, 'read-models.db'), { readOnly: true });
  const rows = db.prepare("SELECT requested_at, sent_at FROM deliveries WHERE status = 'sent'").all() as { requested_at: string; sent_at: string }[];
  db.close();
  const ms = rows.map((r) => Date.parse(r.sent_at) - Date.parse(r.requested_at)).sort((a, b) => a - b);
  return { p50: percentile(ms, 50), p99: percentile(ms, 99), samples: ms.length };
}

/** CPU per notification by the roles a process runs (processes running the same roles summed). */
function cpuByRoles(processes: { roles: string }[], cpuMs: number[], notifications: number): Record<string, number> {
  const byRoles: Record<string, number> = {};
  processes.forEach((p, i) => (byRoles[p.roles] = (byRoles[p.roles] ?? 0) + cpuMs[i]!));
  return Object.fromEntries(Object.entries(byRoles).map(([roles, ms]) => [roles, round(ms / notifications, 3)]));
}

export async function heraldEndToEnd(options: E2eOptions) {
  const fakes = await startFakes();
  const env = {
    ...fakes.env,
    ...options.profileEnv,
    RATE_LIMIT_PUSH: '1000000/1h',
    RATE_LIMIT_SMS: '1000000/1d',
    RATE_LIMIT_EMAIL: '1000000/1h',
    CONTENT_DEDUP_WINDOW: '0s',
    CLIENT_RATE_LIMIT: '1000000',
    APNS_CONCURRENCY: '128',
    FCM_CONCURRENCY: '128',
    SMS_CONCURRENCY: '64',
    SMS_RATE_LIMIT: '0',
    EMAIL_CONCURRENCY: '128',
  };
  const herald = await startHerald(env);
  try {
    // HERALD_PROCESSES=split: the API process and the children it started, each with its roles.
    const processes = await heraldProcesses(herald);
    const pids = processes.map((p) => p.pid);
    await registerUsers(herald, options.users);
    const baseline = sum(await fakes.counts());
    const cpuBefore = pids.map(cpuMsOf);
    const fakesCpuBefore = cpuMsOf(fakes.pid);
    const loadCpuBefore = process.cpuUsage();

    // Throughput: as fast as the API takes them.
    let accepted = 0;
    let deliveries = 0;
    let n = 0;
    const started = performance.now();
    const load = await autocannon({
      url: `${herald.url}/v1/notifications`,
      connections: 64,
      amount: options.notifications,
      method: 'POST',
      headers: { authorization: herald.auth, 'content-type': 'application/json' },
      requests: [
        {
          setupRequest: (req) => ({ ...req, body: requestBody(options.users, n++) }),
          onResponse: (status, body) => {
            if (status !== 202) return;
            accepted += 1;
            deliveries += (JSON.parse(body) as { deliveries: unknown[] }).deliveries.length;
          },
        },
      ],
    });
    const reached = await waitForSent(fakes, baseline + deliveries, 300_000);
    const elapsed = (performance.now() - started) / 1000;
    const cpuMsEach = pids.map((pid, i) => cpuMsOf(pid) - cpuBefore[i]!);
    const cpuMs = sum(cpuMsEach);
    const fakesCpuMs = cpuMsOf(fakes.pid) - fakesCpuBefore;
    const loadCpu = process.cpuUsage(loadCpuBefore);

    // Batches of 1,000.
    const batchBaseline = sum(await fakes.counts());
    let batchAccepted = 0;
    let batchDeliveries = 0;
    const batchStart = performance.now();
    for (let b = 0; b < options.batchNotifications / 1000; b++) {
      const res = await fetch(`${herald.url}/v1/notifications/batch`, {
        method: 'POST',
        headers: { authorization: herald.auth, 'content-type': 'application/json' },
        body: `{"notifications":[${Array.from({ length: 1000 }, () => requestBody(options.users, n++)).join(',')}]}`,
      });
      const out = (await res.json()) as { results: { statusCode: number; deliveries?: unknown[] }[] };
      for (const r of out.results) {
        if (r.statusCode !== 202) continue;
        batchAccepted += 1;
        batchDeliveries += r.deliveries!.length;
      }
    }
    const batchApiSeconds = (performance.now() - batchStart) / 1000;
    await waitForSent(fakes, batchBaseline + batchDeliveries, 300_000);
    const batchSeconds = (performance.now() - batchStart) / 1000;

    // API latency at a fixed 1,000 requests/s.
    const fixed = await autocannon({
      url: `${herald.url}/v1/notifications`,
      connections: 32,
      overallRate: 1000,
      duration: options.fixedRateSeconds,
      method: 'POST',
      headers: { authorization: herald.auth, 'content-type': 'application/json' },
      requests: [{ setupRequest: (req) => ({ ...req, body: requestBody(options.users, n++) }) }],
    });
    await new Promise((r) => setTimeout(r, 2000));
    const latency = acceptToSentLatency(herald.dataDir);
    return {
      notifications: accepted,
      deliveries,
      deliveredAtProviders: reached - baseline,
      non2xx: load.non2xx,
      errors: load.errors,
      notificationsPerSecond: round(accepted / elapsed),
      apiRequestsPerSecond: round(load.requests.average),
      apiLatencyUnderMaxLoadMs: { p50: load.latency.p50, p99: load.latency.p99 },
      batch: { notifications: batchAccepted, apiNotificationsPerSecond: round(batchAccepted / batchApiSeconds), endToEndPerSecond: round(batchAccepted / batchSeconds) },
      apiLatencyAt1000rpsMs: { p50: fixed.latency.p50, p99: fixed.latency.p99, achievedRps: round(fixed.requests.average), non2xx: fixed.non2xx },
      acceptToSentMs: latency,
      cpuMsPerNotification: round(cpuMs / accepted, 3),
      // Everything else on the machine in the same interval: together with Herald's, how busy the cores were.
      otherCpuMsPerNotification: { providerFakes: round(fakesCpuMs / accepted, 3), loadGenerator: round((loadCpu.user + loadCpu.system) / 1000 / accepted, 3) },
      coresBusy: round((cpuMs + fakesCpuMs + (loadCpu.user + loadCpu.system) / 1000) / 1000 / elapsed, 2),
      ...(processes.length > 1 ? { cpuMsPerNotificationByProcess: cpuByRoles(processes, cpuMsEach, accepted) } : {}),
      rssMbAfterRun: round(pids.reduce((total, pid) => total + rssMbOf(pid), 0), 1),
      processes: pids.length,
    };
  } finally {
    await herald.stop();
    fakes.stop();
    removeDir(herald.dataDir);
  }
}
