/**
 * A steady run: Herald at a fixed request rate for minutes, its resident memory and its live heap
 * (`herald_heap_live_bytes`: the JavaScript heap left by the last full collection) sampled every
 * 15 s. Growth is the slope of a least-squares line through the samples after the first minute
 * (warm-up: caches, JIT, SQLite page cache), in MB per minute. A leak shows in the live heap;
 * resident memory also rises when V8 lets more garbage build up between full collections.
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

interface Sample {
  atSeconds: number;
  rssMb: number;
  liveHeapMb: number | null;
}

function slopePerMinute(samples: Sample[], value: (s: Sample) => number | null): number {
  samples = samples.filter((s) => value(s) !== null);
  const n = samples.length;
  if (n < 2) return 0;
  const mx = samples.reduce((a, s) => a + s.atSeconds, 0) / n;
  const my = samples.reduce((a, s) => a + value(s)!, 0) / n;
  const num = samples.reduce((a, s) => a + (s.atSeconds - mx) * (value(s)! - my), 0);
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
    const samples: Sample[] = [];
    const sample = async () => {
      const atSeconds = round((performance.now() - started) / 1000);
      const rssMb = rssMbOf(pid);
      const metrics = await fetch(`${herald.url}/metrics`).then((r) => r.text(), () => '');
      const live = /^herald_heap_live_bytes (\S+)$/m.exec(metrics);
      samples.push({ atSeconds, rssMb, liveHeapMb: live && Number(live[1]) > 0 ? round(Number(live[1]) / 1e6) : null });
    };
    await sample();
    const timer = setInterval(() => void sample(), 15_000);
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
    await sample();
    const reached = (await waitForSent(fakes, baseline + deliveries, 120_000)) - baseline;
    const afterWarmUp = samples.filter((s) => s.atSeconds >= 60);
    return {
      minutes: options.minutes,
      requestsPerSecond: round(load.requests.average),
      non2xx: load.non2xx,
      deliveries,
      deliveredAtProviders: reached,
      rssMb: { first: samples[0]!.rssMb, afterWarmUp: afterWarmUp[0]?.rssMb ?? null, last: samples.at(-1)!.rssMb, max: Math.max(...samples.map((s) => s.rssMb)) },
      liveHeapMb: { afterWarmUp: afterWarmUp.find((s) => s.liveHeapMb !== null)?.liveHeapMb ?? null, last: samples.at(-1)!.liveHeapMb },
      growthMbPerMinuteAfterWarmUp: round(slopePerMinute(afterWarmUp, (s) => s.rssMb), 2),
      liveHeapGrowthMbPerMinuteAfterWarmUp: round(slopePerMinute(afterWarmUp, (s) => s.liveHeapMb), 2),
      samples,
    };
  } finally {
    await herald.stop();
    fakes.stop();
    removeDir(herald.dataDir);
  }
}
