import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Api } from '../support/app.js';
import { freePort, spawnHerald } from '../support/process.js';
import { eventually, tempDir } from '../support/temp.js';

type LogLine = Record<string, unknown>;

const jsonLines = (output: string): LogLine[] =>
  output.split('\n').flatMap((line) => {
    try {
      return [JSON.parse(line) as LogLine];
    } catch {
      return [];
    }
  });

describe('structured logs', () => {
  it('the provider call (at debug) and the webhook call log the API request’s correlation id, notification and delivery', { timeout: 60_000 }, async (t) => {
    const receiver = createServer((req, res) => req.resume().on('end', () => res.end()));
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => receiver.close(() => resolve())));
    const dataDir = tempDir(t);
    const port = await freePort();
    const herald = await spawnHerald(t, { DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'debug' });
    const anonymous = new Api(`http://127.0.0.1:${port}`);
    await eventually(async () => ((await anonymous.get('/health/ready').catch(() => ({ status: 0 }))).status === 200 ? true : undefined), 20_000, 'herald to start');
    const admin = JSON.parse(readFileSync(join(dataDir, 'admin-credentials.json'), 'utf8'));
    const api = anonymous.as(admin);
    await api.put(`/v1/clients/${admin.appKey}/webhook`, { url: `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook` });
    await api.put('/v1/users/ada', { email: 'ada@example.com' });

    const correlationId = `test-${Date.now()}`;
    const res = await api.request('POST', '/v1/notifications', { userId: 'ada', category: 'orders', content: { subject: 'Hi', text: 'Hello' } }, { headers: { 'x-correlation-id': correlationId } });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.headers.get('x-correlation-id'), correlationId);
    const { notificationId } = res.body;
    const deliveryId = res.body.deliveries[0].deliveryId;

    const find = (msg: string) => () => jsonLines(herald.output()).find((l) => l.msg === msg && l.correlationId === correlationId);
    const providerCall = await eventually(find('provider call sent'), 15_000, 'the provider-call log line');
    assert.equal(providerCall.notificationId, notificationId);
    assert.equal(providerCall.deliveryId, deliveryId);
    assert.equal(providerCall.provider, 'sandbox');
    assert.equal(providerCall.level, 20, 'a sent call is logged at debug');
    assert.equal(typeof providerCall.durationMs, 'number');
    const webhookCall = await eventually(find('webhook delivered'), 15_000, 'the webhook log line');
    assert.equal(webhookCall.notificationId, notificationId);
    assert.equal(webhookCall.deliveryId, deliveryId);
    assert.ok(!herald.output().includes('whsec_'), 'the signing secret is never logged');
  });

  it('one access-log line per request, a "listening on" line at start and a line at shutdown, no Nest route mapping at info, no secret', { timeout: 60_000 }, async (t) => {
    const dataDir = tempDir(t);
    const port = await freePort();
    const herald = await spawnHerald(t, { DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'info' });
    const anonymous = new Api(`http://127.0.0.1:${port}`);
    const listening = await eventually(() => jsonLines(herald.output()).find((l) => l.context === 'Herald' && String(l.msg).startsWith('listening on')), 20_000, 'the "listening on" line');
    assert.equal(listening.url, `http://127.0.0.1:${port}`);
    assert.equal(listening.docs, `http://127.0.0.1:${port}/docs`);
    assert.equal(listening.msg, `listening on http://127.0.0.1:${port} (API docs: http://127.0.0.1:${port}/docs)`);
    assert.equal((await fetch(listening.docs as string)).status, 200, 'the logged docs URL serves the API docs');

    const admin = JSON.parse(readFileSync(join(dataDir, 'admin-credentials.json'), 'utf8'));
    const correlationId = `access-${Date.now()}`;
    const put = await anonymous.as(admin).request('PUT', '/v1/users/ada', { email: 'ada@example.com' }, { headers: { 'x-correlation-id': correlationId } });
    assert.equal(put.status, 201, JSON.stringify(put.body));
    const refused = await anonymous.as({ appKey: admin.appKey, appSecret: 'not-the-secret' }).get('/v1/users/ada');
    assert.equal(refused.status, 401);
    const created = await anonymous.as(admin).post('/v1/clients', { name: 'billing', scopes: ['notifications:send'] });
    assert.equal(created.status, 201, JSON.stringify(created.body));

    const requests = () => jsonLines(herald.output()).filter((l) => l.msg === 'request');
    const line = await eventually(() => requests().find((l) => l.correlationId === correlationId), 10_000, 'the access-log line of the PUT');
    assert.deepEqual(
      { ...line, durationMs: typeof line.durationMs },
      { ...line, level: 30, context: 'HTTP', method: 'PUT', route: '/v1/users/:userId', status: 201, appKey: admin.appKey, correlationId, durationMs: 'number' },
    );
    const unauthenticated = await eventually(() => requests().find((l) => l.status === 401), 10_000, 'the 401 line');
    assert.equal(unauthenticated.route, '/v1/users/:userId');
    assert.equal(unauthenticated.appKey, undefined, 'no appKey on a request that did not authenticate');
    assert.equal(unauthenticated.correlationId, refused.headers.get('x-correlation-id'));
    await eventually(() => requests().find((l) => l.route === '/v1/clients' && l.status === 201), 10_000, 'the POST /v1/clients line');
    const keys = new Set(requests().flatMap((l) => Object.keys(l)));
    assert.deepEqual([...keys].sort(), ['appKey', 'context', 'correlationId', 'durationMs', 'hostname', 'level', 'method', 'msg', 'pid', 'route', 'status', 'time']);

    herald.child.kill('SIGTERM');
    assert.equal(await herald.exited, null, 'ended by the signal after a clean shutdown');
    const output = herald.output();
    const shutdown = jsonLines(output).find((l) => String(l.msg).startsWith('shutting down'));
    assert.equal(shutdown?.signal, 'SIGTERM');
    assert.ok(!output.includes('Mapped {'), 'Nest’s route mapping is not logged at info');
    assert.ok(!jsonLines(output).some((l) => ['RouterExplorer', 'RoutesResolver', 'InstanceLoader'].includes(l.context as string)));
    const basic = Buffer.from(`${admin.appKey}:${admin.appSecret}`).toString('base64');
    for (const secret of [admin.appSecret, basic, created.body.appSecret]) assert.ok(!output.includes(secret), 'no credential is logged');
  });

  it('ACCESS_LOG=false turns the access log off; LOG_LEVEL=debug shows Nest’s route mapping at debug', { timeout: 60_000 }, async (t) => {
    const port = await freePort();
    const herald = await spawnHerald(t, { DATA_DIR: tempDir(t), PORT: String(port), LOG_LEVEL: 'debug', ACCESS_LOG: 'false' });
    const anonymous = new Api(`http://127.0.0.1:${port}`);
    await eventually(async () => ((await anonymous.get('/health/ready').catch(() => ({ status: 0 }))).status === 200 ? true : undefined), 20_000, 'herald to start');
    assert.equal((await anonymous.get('/v1/users/ada')).status, 401);
    await eventually(() => jsonLines(herald.output()).find((l) => String(l.msg).startsWith('listening on')), 10_000, 'the "listening on" line');
    const lines = jsonLines(herald.output());
    const mapped = lines.filter((l) => String(l.msg).startsWith('Mapped {'));
    assert.ok(mapped.some((l) => l.msg === 'Mapped {/v1/users/:userId, PUT} route'), 'the route mapping is there at debug');
    assert.deepEqual([...new Set(mapped.map((l) => l.level))], [20]);
    assert.deepEqual(lines.filter((l) => l.msg === 'request'), []);
  });

  it('an ACCESS_LOG that is not true or false stops the start with a message naming it', { timeout: 30_000 }, async (t) => {
    const herald = await spawnHerald(t, { DATA_DIR: tempDir(t), PORT: String(await freePort()), ACCESS_LOG: 'sometimes' });
    assert.equal(await herald.exited, 1);
    assert.match(herald.output(), /ACCESS_LOG: "sometimes" is not true or false/);
  });
});
