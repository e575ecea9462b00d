/** Backlog drain: deliveries queued while no worker runs, then drained by one worker process. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakes, startHerald, removeDir } from './herald.js';
import { round } from './stats.js';

export async function backlogDrain(deliveries: number, profileEnv: Record<string, string>) {
  const fakes = await startFakes();
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-drain-'));
  const common = {
    ...fakes.env,
    ...profileEnv,
    RATE_LIMIT_PUSH: '1000000/1h',
    RATE_LIMIT_SMS: '1000000/1d',
    RATE_LIMIT_EMAIL: '1000000/1h',
    CONTENT_DEDUP_WINDOW: '0s',
    CLIENT_RATE_LIMIT: '1000000',
  };
  const api = await startHerald({ ...common, HERALD_ROLES: 'api,dispatcher' }, dataDir);
  try {
    const headers = { authorization: api.auth, 'content-type': 'application/json' };
    const users = 1000;
    for (let u = 0; u < users; u++) {
      await fetch(`${api.url}/v1/users/u${u}`, { method: 'PUT', headers, body: JSON.stringify({ email: `u${u}@example.com`, phone: '+447700900123' }) });
      await fetch(`${api.url}/v1/users/u${u}/devices`, { method: 'POST', headers, body: JSON.stringify({ platform: u % 2 ? 'ios' : 'android', token: u % 2 ? u.toString(16).padStart(64, '0') : `fcm-token-${u}-abcdefghijklmnop` }) });
    }
    // Same mix as the e2e run; one device per user so notifications = deliveries.
    const mix = (n: number) => (n % 10 < 6 ? 'push' : n % 10 === 6 ? 'sms' : 'email');
    for (let i = 0; i < deliveries; i += 1000) {
      const body = `{"notifications":[${Array.from({ length: Math.min(1000, deliveries - i) }, (_, j) => JSON.stringify({ userId: `u${(i + j) % users}`, category: 'drain', channels: [mix(i + j)], content: { title: 't', body: `b${i + j}`, subject: 's', text: `t${i + j}` } })).join(',')}]}`;
      await fetch(`${api.url}/v1/notifications/batch`, { method: 'POST', headers, body });
    }
    // Let the dispatcher put everything on the queues before the worker starts.
    for (;;) {
      const metrics = await (await fetch(`${api.url}/metrics`)).text();
      const queued = [...metrics.matchAll(/^herald_queue_depth\{queue="\w+",state="waiting"\} (\d+)/gm)].reduce((a, m) => a + Number(m[1]), 0);
      if (queued >= deliveries) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const before = await fakes.counts();
    const start = performance.now();
    const worker = await startHerald({ ...common, HERALD_ROLES: 'worker', APNS_CONCURRENCY: '128', FCM_CONCURRENCY: '128', SMS_CONCURRENCY: '64', SMS_RATE_LIMIT: '0', EMAIL_CONCURRENCY: '128' }, dataDir);
    const finishedAt: Record<string, number> = {};
    const expected = { apns: 0, fcm: 0, sms: 0, email: 0 } as Record<string, number>;
    for (let n = 0; n < deliveries; n++) {
      const c = mix(n);
      const u = n % users;
      expected[c === 'push' ? (u % 2 ? 'apns' : 'fcm') : c] += 1;
    }
    for (;;) {
      const now = await fakes.counts();
      const elapsed = (performance.now() - start) / 1000;
      for (const q of Object.keys(expected)) if (!finishedAt[q] && now[q]! - before[q]! >= expected[q]!) finishedAt[q] = elapsed;
      if (Object.keys(finishedAt).length === 4 || elapsed > 900) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const total = (performance.now() - start) / 1000;
    await worker.stop();
    return {
      deliveries,
      seconds: round(total, 1),
      deliveriesPerSecond: round(deliveries / total),
      perChannel: Object.fromEntries(Object.entries(expected).map(([q, n]) => [q, { deliveries: n, perSecond: finishedAt[q] ? round(n / finishedAt[q]!) : 0 }])),
    };
  } finally {
    await api.stop();
    fakes.stop();
    removeDir(dataDir);
  }
}
