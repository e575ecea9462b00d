/**
 * The four provider fakes in their own process (so they do not share a CPU with the load
 * generator), answering at once. Prints Herald's provider environment as one JSON line and
 * answers {type:'counts'} over IPC with the number of successful requests per queue.
 */
import { startProviderFakes } from '../test/support/fakes.js';

const cleanups: (() => Promise<void> | void)[] = [];
const fakes = await startProviderFakes({ after: (fn: () => Promise<void> | void) => cleanups.push(fn) } as never);

type Tally = { list: { status: unknown; httpStatus?: unknown }[]; ok: (r: { status: unknown; httpStatus?: unknown }) => boolean; total: number };
const tallies: Record<string, Tally> = {
  apns: { list: fakes.apns.requests, ok: (r) => r.status === 200, total: 0 },
  fcm: { list: fakes.fcm.requests, ok: (r) => r.status === 200, total: 0 },
  sms: { list: fakes.vonage.requests, ok: (r) => r.status === '0', total: 0 },
  email: { list: fakes.mailgun.requests, ok: (r) => r.status === 200, total: 0 },
};

/** Counts new successful requests and drops the records, so memory stays flat over long runs. */
function counts(): Record<string, number> {
  for (const t of Object.values(tallies)) {
    const n = t.list.length;
    for (let i = 0; i < n; i++) if (t.ok(t.list[i]!)) t.total += 1;
    t.list.splice(0, n);
  }
  return Object.fromEntries(Object.entries(tallies).map(([k, t]) => [k, t.total]));
}

process.on('message', (message: { type: string }) => {
  if (message.type === 'counts') process.send!({ type: 'counts', counts: counts() });
});
process.on('disconnect', async () => {
  for (const fn of cleanups) await fn();
  process.exit(0);
});
process.stdout.write(`${JSON.stringify(fakes.env)}\n`);
