import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { Api } from '../support/app.js';
import { startProviderFakes } from '../support/fakes.js';
import { childPids, envOf, freePortRange, isRunning, niceOf, spawnHerald } from '../support/process.js';
import { eventually, tempDir } from '../support/temp.js';

/** Herald with HERALD_PROCESSES=split, its API and both children ready; children are killed when the test ends, whatever happens. */
async function startSplit(t: TestContext) {
  const fakes = await startProviderFakes(t);
  const dataDir = tempDir(t);
  const port = await freePortRange(3);
  const herald = await spawnHerald(t, { ...fakes.env, DATA_DIR: dataDir, PORT: String(port), HERALD_PROCESSES: 'split', LOG_LEVEL: 'info', CONTENT_DEDUP_WINDOW: '0s' });
  const seen = new Set<number>();
  t.after(() => {
    for (const pid of seen) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
  });
  /** The children by the roles they were started with. */
  const children = () => {
    const pids = childPids(herald.child.pid!);
    for (const pid of pids) seen.add(pid);
    return Object.fromEntries(pids.map((pid) => [envOf(pid).HERALD_ROLES, pid]));
  };
  const ready = (p: number) => fetch(`http://127.0.0.1:${p}/health/ready`).then((r) => (r.ok ? true : undefined), () => undefined);
  for (const p of [port, port + 1, port + 2]) await eventually(() => ready(p), 30_000, `port ${p} ready:\n${herald.output()}`);
  const api = new Api(`http://127.0.0.1:${port}`).as(JSON.parse(readFileSync(join(dataDir, 'admin-credentials.json'), 'utf8')));
  await api.put('/v1/users/ada', { email: 'ada@example.com' });
  const sendEmail = async (subject: string) => {
    const res = await api.post('/v1/notifications', { userId: 'ada', category: 'orders', channels: ['email'], content: { subject, text: subject } });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const deliveryId = res.body.deliveries[0].deliveryId as string;
    await eventually(() => (fakes.mailgun.requests.some((r) => r.deliveryId === deliveryId) ? true : undefined), 20_000, `${subject} at Mailgun`);
  };
  return { herald, port, api, children, sendEmail };
}

describe('HERALD_PROCESSES=split: the API process runs the other roles as supervised children', () => {
  it('refuses to start, naming the port, when a port after PORT that a child needs is taken', { timeout: 60_000 }, async (t) => {
    const port = await freePortRange(3);
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(port + 2, '127.0.0.1', resolve));
    t.after(() => blocker.close());
    const herald = await spawnHerald(t, { DATA_DIR: tempDir(t), PORT: String(port), HERALD_PROCESSES: 'split', LOG_LEVEL: 'info' });
    assert.equal(await herald.exited, 1);
    assert.match(herald.output(), new RegExp(`cannot start the worker-1 process on 127\\.0\\.0\\.1:${port + 2} \\(EADDRINUSE\\)`));
    assert.equal(await fetch(`http://127.0.0.1:${port}/health/live`).then(() => 'answered', () => 'nothing listens'), 'nothing listens');
  });

  it('delivers through the worker child, restarts a killed child, and stops them all on SIGTERM', { timeout: 120_000 }, async (t) => {
    const { herald, port, api, children, sendEmail } = await startSplit(t);
    const { 'dispatcher,projector': consumers, worker, ...others } = children();
    assert.ok(consumers && worker, 'a dispatcher/projector process and a worker process');
    assert.deepEqual(others, {}, 'and no other');
    assert.equal(niceOf(herald.child.pid!), niceOf(process.pid), 'the API runs at the priority it was started with');
    assert.equal(niceOf(consumers) - niceOf(herald.child.pid!), 5);
    assert.equal(niceOf(worker) - niceOf(herald.child.pid!), 10);
    await sendEmail('first');
    const before = (await api.get('/metrics')).body as string;
    assert.match(before, /herald_child_process_restarts_total\{process="dispatcher,projector"\} 0\b/);
    assert.match(before, /herald_child_process_restarts_total\{process="worker-1"\} 0\b/);

    process.kill(worker, 'SIGKILL');
    const restarted = await eventually(() => (children().worker !== worker ? children().worker : undefined), 20_000, 'a new worker process');
    assert.equal(children()['dispatcher,projector'], consumers, 'the other child kept running');
    await eventually(() => fetch(`http://127.0.0.1:${port + 2}/health/ready`).then((r) => (r.ok ? true : undefined), () => undefined), 30_000, 'the new worker ready');
    await sendEmail('after the worker was killed');
    const metrics = (await api.get('/metrics')).body as string;
    assert.match(metrics, /herald_child_process_restarts_total\{process="worker-1"\} 1\b/);
    assert.match(herald.output(), /"kind":"process_restarted"/, 'an alert says so');

    herald.child.kill('SIGTERM');
    await herald.exited;
    assert.equal(herald.child.signalCode, 'SIGTERM', 'a clean close (Nest re-raises SIGTERM), not the grace-period watchdog');
    for (const pid of [consumers, restarted]) assert.equal(isRunning(pid), false, `child ${pid} stopped with its parent`);
  });

  it('children stop by themselves when the API process is killed outright', { timeout: 120_000 }, async (t) => {
    const { herald, children, sendEmail } = await startSplit(t);
    await sendEmail('before');
    const pids = Object.values(children());
    assert.equal(pids.length, 2);
    herald.child.kill('SIGKILL');
    await herald.exited;
    await eventually(() => (pids.every((pid) => !isRunning(pid)) ? true : undefined), 30_000, 'the orphaned children to stop');
  });
});
