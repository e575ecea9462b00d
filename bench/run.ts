/**
 * npm run bench: raw limits of the stack, Herald end to end on both profiles, backlog drain, a
 * topic broadcast on both profiles, memory and CPU cost. Prints a table and writes
 * bench/results/latest.json.
 *   --quick             smaller counts (a smoke run)
 *   --steady[=minutes]  also a steady run on the embedded profile (default 10 minutes at
 *                       200 requests/s, about the average daily load) reporting memory growth
 *   --broadcast-members=N  the topic broadcast's audience on each profile (default 20,000;
 *                       2,000 with --quick); larger audiences are extrapolated to, not run
 *   --profiles=a,b      only these end-to-end runs, drains and broadcasts: embedded, redis,
 *                       split (all by default)
 * HERALD_BENCH_CPU_PROF=dir writes a V8 CPU profile of every Herald process into dir (see README).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { topicBroadcast } from './broadcast.js';
import { backlogDrain } from './drain.js';
import { heraldEndToEnd } from './e2e.js';
import { providerSdkLimits } from './providers.js';
import { bareFastify, bullmqNoop, eventStoreAppend, sqliteAppend } from './raw.js';
import { inboxStreams } from './inbox-streams.js';
import { steadyRun } from './steady.js';
import { round } from './stats.js';

const quick = process.argv.includes('--quick');
const steadyArg = process.argv.find((a) => a === '--steady' || a.startsWith('--steady='));
const steadyMinutes = steadyArg ? Number(steadyArg.split('=')[1] ?? 10) : 0;
const broadcastArg = process.argv.find((a) => a.startsWith('--broadcast-members='));
const redisUrl = process.env.REDIS_URL;
const profilesArg = process.argv.find((a) => a.startsWith('--profiles='));
const selected = new Set(profilesArg ? profilesArg.slice('--profiles='.length).split(',') : ['embedded', 'redis', 'split']);
const scale = quick ? { events: 5_000, jobs: 5_000, http: 3, users: 500, notifications: 3_000, batch: 2_000, fixed: 5, drain: 10_000, memoryUsers: 100_000, providerSends: 2_000, inboxStreams: 1_000, broadcastMembers: 2_000 } : { events: 30_000, jobs: 30_000, http: 8, users: 5_000, notifications: 30_000, batch: 20_000, fixed: 10, drain: 200_000, memoryUsers: 1_000_000, providerSends: 10_000, inboxStreams: 10_000, broadcastMembers: 20_000 };
if (broadcastArg) scale.broadcastMembers = Number(broadcastArg.split('=')[1]);
if (!(scale.broadcastMembers >= 1)) throw new Error(`--broadcast-members: "${broadcastArg}" is not a number of members`);

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGb: round(totalmem() / 2 ** 30, 1), node: process.version },
  quick,
};

log('raw: SQLite append');
const raw = {
  sqliteAppendOnePerTxnFull: sqliteAppend(Math.min(scale.events, 10_000), 1),
  sqliteAppendBatch100Full: sqliteAppend(scale.events, 100),
  heraldEventStoreGroupCommit: await eventStoreAppend(scale.events, 256),
  bullmqAddProcessNoop: redisUrl ? await bullmqNoop(redisUrl, scale.jobs) : null,
  bareFastifyJson: (log('raw: bare Fastify'), await bareFastify(scale.http)),
  providerSdks: (log('raw: provider SDKs to instant fakes'), await providerSdkLimits(scale.providerSends)),
};
results.raw = raw;
const rawLimits = [raw.sqliteAppendOnePerTxnFull, raw.sqliteAppendBatch100Full, raw.bullmqAddProcessNoop, raw.bareFastifyJson].filter((x): x is number => typeof x === 'number');

const profiles: [string, Record<string, string>][] = [];
if (selected.has('embedded')) profiles.push(['embedded', {}]);
if (redisUrl && selected.has('redis')) profiles.push(['redis', { QUEUE: 'bullmq', REDIS_URL: redisUrl, REDIS_PREFIX: `bench-${Date.now()}` }]);
// The embedded profile again as three processes (HERALD_PROCESSES=split): the API, the
// dispatcher and projector, and the channel workers, the last two at a lower CPU priority.
const topologies: [string, Record<string, string>][] = [...profiles, ...(selected.has('split') ? [['embedded, split processes', { HERALD_PROCESSES: 'split' }] as [string, Record<string, string>]] : [])];
const e2e: Record<string, Awaited<ReturnType<typeof heraldEndToEnd>>> = {};
for (const [name, env] of topologies) {
  log(`herald end to end: ${name}`);
  e2e[name] = await heraldEndToEnd({ users: scale.users, notifications: scale.notifications, batchNotifications: scale.batch, fixedRateSeconds: scale.fixed, profileEnv: env });
}
results.endToEnd = e2e;

const drain: Record<string, unknown> = {};
for (const [name, env] of profiles) {
  log(`backlog drain: ${name}`);
  drain[name] = await backlogDrain(scale.drain, { ...env, ...(env.REDIS_PREFIX ? { REDIS_PREFIX: `${env.REDIS_PREFIX}-drain` } : {}) });
}
results.backlogDrain = drain;

const broadcast: Record<string, Awaited<ReturnType<typeof topicBroadcast>>> = {};
for (const [name, env] of profiles) {
  log(`topic broadcast: ${scale.broadcastMembers} members, ${name}`);
  broadcast[name] = await topicBroadcast({ members: scale.broadcastMembers, profileEnv: { ...env, ...(env.REDIS_PREFIX ? { REDIS_PREFIX: `${env.REDIS_PREFIX}-broadcast` } : {}) } });
}
results.topicBroadcast = broadcast;

log(`memory: ${scale.memoryUsers} users`);
results.memory = JSON.parse(
  execFileSync(process.execPath, ['--expose-gc', fileURLToPath(new URL('./memory.js', import.meta.url)), String(scale.memoryUsers), '100000'], { encoding: 'utf8', maxBuffer: 1 << 20 }),
);

log(`inbox: ${scale.inboxStreams} live streams on one API process`);
results.inboxStreams = await inboxStreams({ connections: scale.inboxStreams, users: scale.inboxStreams / 10 });

if (steadyMinutes > 0) {
  log(`steady run: ${steadyMinutes} minutes at 200 requests/s (embedded)`);
  results.steady = await steadyRun({ minutes: steadyMinutes, requestsPerSecond: 200, users: scale.users, profileEnv: {} });
}

// The slowest raw limit that sits on the end-to-end path of each profile.
const slowest = (profile: string) => Math.min(raw.sqliteAppendOnePerTxnFull, raw.bareFastifyJson, ...(profile === 'redis' && raw.bullmqAddProcessNoop ? [raw.bullmqAddProcessNoop] : []));
results.ratioToSlowestRawLimit = Object.fromEntries(Object.entries(e2e).map(([p, r]) => [p, round(r.notificationsPerSecond / slowest(p), 3)]));
// Herald's own cost: its processes' CPU minus what the SDK clients inside them cost for the same mix.
results.heraldOwnCpuMsPerNotification = Object.fromEntries(Object.entries(e2e).map(([p, r]) => [p, round(r.cpuMsPerNotification - raw.providerSdks.clientCpuMsPerNotification, 3)]));
// The provider SDKs are on every end-to-end path too, but as a separate figure: the ratio above keeps the issue's definition.
results.ratioToProviderSdkLimit = Object.fromEntries(Object.entries(e2e).map(([p, r]) => [p, round(r.notificationsPerSecond / raw.providerSdks.notificationsPerSecondOnAllCores, 3)]));
void rawLimits;

mkdirSync(fileURLToPath(new URL('../../bench/results/', import.meta.url)), { recursive: true });
const out = fileURLToPath(new URL('../../bench/results/latest.json', import.meta.url));
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);

const rows: [string, string][] = [
  ['raw: SQLite append, 1 event/txn, synchronous=FULL (events/s)', String(raw.sqliteAppendOnePerTxnFull)],
  ['raw: SQLite append, 100 events/txn, synchronous=FULL (events/s)', String(raw.sqliteAppendBatch100Full)],
  ['Herald SQLite event store, group commit, 256 concurrent appends (events/s)', String(raw.heraldEventStoreGroupCommit)],
  ['raw: BullMQ add+process no-op jobs (jobs/s)', String(raw.bullmqAddProcessNoop ?? 'skipped: no REDIS_URL')],
  ['raw: bare Fastify JSON endpoint (requests/s)', String(raw.bareFastifyJson)],
  [
    'raw: provider SDK to its instant fake (sends/s; SDK client + fake CPU ms per send)',
    Object.entries(raw.providerSdks.perChannel).map(([q, l]) => `${q} ${l.sendsPerSecond}/s (${l.clientCpuMs} + ${l.fakeCpuMs})`).join(', '),
  ],
  [
    'raw: provider SDKs + fakes alone, every core on the e2e mix (notifications/s)',
    `${raw.providerSdks.notificationsPerSecondOnAllCores} (${raw.providerSdks.cpuMsPerNotification} CPU ms per notification)`,
  ],
];
for (const [p, r] of Object.entries(e2e)) {
  rows.push(
    [`${p}: notifications/s end to end (POST /v1/notifications)`, String(r.notificationsPerSecond)],
    [`${p}: notifications/s end to end (/batch of 1,000)`, String(r.batch.endToEndPerSecond)],
    [`${p}: API latency p50/p99 at max load (ms)`, `${r.apiLatencyUnderMaxLoadMs.p50} / ${r.apiLatencyUnderMaxLoadMs.p99}`],
    [`${p}: API latency p50/p99 at 1,000 req/s (ms)`, `${r.apiLatencyAt1000rpsMs.p50} / ${r.apiLatencyAt1000rpsMs.p99} (achieved ${r.apiLatencyAt1000rpsMs.achievedRps} req/s)`],
    [`${p}: accept -> sent p50/p99 (ms)`, `${r.acceptToSentMs.p50} / ${r.acceptToSentMs.p99}`],
    [
      `${p}: CPU ms per notification (Herald processes)`,
      `${r.cpuMsPerNotification}${r.cpuMsPerNotificationByProcess ? ` (${Object.entries(r.cpuMsPerNotificationByProcess).map(([roles, ms]) => `${roles} ${ms}`).join(', ')})` : ''}`,
    ],
    [`${p}: Herald's own CPU ms per notification (minus the SDK clients' ${raw.providerSdks.clientCpuMsPerNotification})`, String((results.heraldOwnCpuMsPerNotification as Record<string, number>)[p])],
    [`${p}: CPU ms per notification elsewhere: provider fakes / load generator`, `${r.otherCpuMsPerNotification.providerFakes} / ${r.otherCpuMsPerNotification.loadGenerator} (cores busy: ${r.coresBusy} of ${cpus().length})`],
    [`${p}: RSS after the run (MB)`, String(r.rssMbAfterRun)],
    [`${p}: throughput / slowest raw limit`, String((results.ratioToSlowestRawLimit as Record<string, number>)[p])],
    [`${p}: throughput / provider SDK limit`, String((results.ratioToProviderSdkLimit as Record<string, number>)[p])],
  );
}
for (const [p, d] of Object.entries(drain) as [string, { deliveriesPerSecond: number; perChannel: Record<string, { perSecond: number }> }][]) {
  rows.push([`${p}: backlog of ${scale.drain} drained (deliveries/s)`, `${d.deliveriesPerSecond} (${Object.entries(d.perChannel).map(([q, c]) => `${q} ${c.perSecond}/s`).join(', ')})`]);
}
for (const [p, b] of Object.entries(broadcast)) {
  const n = b.members.toLocaleString('en');
  rows.push(
    [`${p}: topic broadcast to ${n} members, members decided/s`, String(b.membersDecidedPerSecond)],
    [`${p}: topic broadcast to ${n} members, accepted to the last delivery sent (s)`, `${b.secondsToLastDelivery} (${b.memberDeliveriesPerSecond} member deliveries/s)`],
    [`${p}: topic broadcast to ${n} members, peak RSS of Herald (MB)`, `${b.peakRssMb} (setup ${b.peakRssMbBy.setup}, broadcast ${b.peakRssMbBy.broadcast})`],
    [
      `${p}: one-to-one accept -> sent p50/p99 idle / during the broadcast (ms)`,
      `${b.oneToOneIdleMs.p50} / ${b.oneToOneIdleMs.p99} idle (${b.oneToOneIdleMs.n}), ${b.oneToOneDuringMs.p50} / ${b.oneToOneDuringMs.p99} during (${b.oneToOneDuringMs.n}): ${b.duringOverIdle.p50}x / ${b.duringOverIdle.p99}x`,
    ],
  );
  if (b.extrapolatedTo1M) {
    rows.push([
      `${p}: EXTRAPOLATED from ${n}, not measured: ${b.extrapolatedTo1M.audience.toLocaleString('en')} members at these rates`,
      `${b.extrapolatedTo1M.secondsToDecide} s to decide, ${b.extrapolatedTo1M.secondsToLastDelivery} s to the last delivery`,
    ]);
  }
}
const live = results.inboxStreams as Awaited<ReturnType<typeof inboxStreams>>;
rows.push(
  [`inbox: ${live.connections} SSE streams on one API process (${live.users} users), RSS before/with them (MB)`, `${live.rssMb.before} / ${live.rssMb.withStreams} (${live.kbPerStream} KB per stream)`],
  [`inbox: one notification to each of the ${live.users} users in one /batch, its 202 to browser p50/p99 (ms)`, `${live.batch.toBrowserMs.p50} / ${live.batch.toBrowserMs.p99} (${live.batch.received} of ${live.connections} streams received it)`],
  [`inbox: a broadcast to all ${live.users} users, its 202 to browser p50/p99 (ms; includes the fan-out)`, `${live.broadcast.toBrowserMs.p50} / ${live.broadcast.toBrowserMs.p99} (${live.broadcast.received} of ${live.connections} streams received it)`],
);
const m = results.memory as { users: number; rssMb: number; actorsCached: number };
rows.push([`memory: RSS after registering ${m.users} users (MB; ${m.actorsCached} actors cached)`, String(m.rssMb)]);
if (results.steady) {
  const s = results.steady as Awaited<ReturnType<typeof steadyRun>>;
  rows.push([
    `steady: ${s.minutes} min at ${s.requestsPerSecond} req/s, RSS first/after warm-up/last/max (MB)`,
    `${s.rssMb.first} / ${s.rssMb.afterWarmUp} / ${s.rssMb.last} / ${s.rssMb.max}, growth ${s.growthMbPerMinuteAfterWarmUp} MB/min, ${s.deliveredAtProviders} of ${s.deliveries} delivered, ${s.non2xx} non-2xx`,
  ]);
  rows.push([`steady: live heap after warm-up/last (MB)`, `${s.liveHeapMb.afterWarmUp} / ${s.liveHeapMb.last}, growth ${s.liveHeapGrowthMbPerMinuteAfterWarmUp} MB/min`]);
}
const width = Math.max(...rows.map(([k]) => k.length));
process.stdout.write(`\n${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n\nwritten to bench/results/latest.json\n`);
// Every figure is written: a connection some measurement's client keeps open must not keep the run (and its Redis) waiting.
process.exit(0);
