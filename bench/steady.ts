/**
 * A steady run: Herald at a fixed request rate for minutes, its resident memory sampled every
 * 15 s. Growth is the slope of a least-squares line through the samples after the first minute
 * (warm-up: caches, JIT, SQLite page cache), in MB per minute.
 */
import autocannon from 'autocannon';
import { registerUsers, requestBody, sum, waitForSent } from './e2e.js';
import { startFakes, startHerald, removeDir } from './herald.js';
import { round, rssMbOf } from './stats.js';

export interface SteadyOptions {
  minutes: number;
  requestsPerSecond: number;
  users: number;
  profileEnv: Record<string, string>;
}

function slopePerMinute(samples: { atSeconds: number; rssMb: number }[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  const mx = samples.reduce((a, s) => a + s.atSeconds, 0) / n;
  const my = samples.reduce((a, s) => a + s.rssMb, 0) / n;
  const num = samples.reduce((a, s) => a + (s.atSeconds - mx) * (s.rssMb - my), 0);
  const den = samples.reduce((a, s) => a + (s.atSeconds - mx) ** 2, 0);
  return den === 0 ? 0 : (num / den) * 60;
}

export async function steadyRun(options: SteadyOptions) {
  const fakes = await startFakes();
  const herald = await startHerald({
    ...fakes.env,
    ...options.profileEnv,
    RATE_LIMIT_PUSH: '1000000/1h',
    RATE_LIMIT_SMS: '1000000/1d',
    RATE_LIMIT_EMAIL: '1000000/1h',
    CONTENT_DEDUP_WINDOW: '0s',
    CLIENT_RATE_LIMIT: '1000000',
    SMS_RATE_LIMIT: '0',
  });
  try {
    await registerUsers(herald, options.users);
    const baseline = sum(await fakes.counts());
    const pid = herald.child.pid!;
    const started = performance.now();
    const samples: { atSeconds: number; rssMb: number }[] = [];
    const sample = () => samples.push({ atSeconds: round((performance.now() - started) / 1000), rssMb: rssMbOf(pid) });
    sample();
    const timer = setInterval(sample, 15_000);
    let n = 0;
    let deliveries = 0;
    const load = await autocannon({
      url: `${herald.url}/v1/notifications`,
      connections: 32,
      overallRate: options.requestsPerSecond,
      duration: options.minutes * 60,
      method: 'POST',
      headers: { authorization: herald.auth, 'content-type': 'application/json' },
      requests: [
        {
          setupRequest: (req) => ({ ...req, body: requestBody(options.users, n++) }),
          onResponse: (status, body) => {
            if (status === 202) deliveries += (JSON.parse(body) as { deliveries: unknown[] }).deliveries.length;
          },
        },
      ],
    });
    clearInterval(timer);
    sample();
    const reached = (await waitForSent(fakes, baseline + deliveries, 120_000)) - baseline;
    const afterWarmUp = samples.filter((s) => s.atSeconds >= 60);
    return {
      minutes: options.minutes,
      requestsPerSecond: round(load.requests.average),
      non2xx: load.non2xx,
      deliveries,
      deliveredAtProviders: reached,
      rssMb: { first: samples[0]!.rssMb, afterWarmUp: afterWarmUp[0]?.rssMb ?? null, last: samples.at(-1)!.rssMb, max: Math.max(...samples.map((s) => s.rssMb)) },
      growthMbPerMinuteAfterWarmUp: round(slopePerMinute(afterWarmUp), 2),
      samples,
    };
  } finally {
    await herald.stop();
    fakes.stop();
    removeDir(herald.dataDir);
  }
}
