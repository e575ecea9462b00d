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
  it('the provider call and the webhook call log the API request’s correlation id, notification and delivery', { timeout: 60_000 }, async (t) => {
    const receiver = createServer((req, res) => req.resume().on('end', () => res.end()));
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => receiver.close(() => resolve())));
    const dataDir = tempDir(t);
    const port = await freePort();
    const herald = await spawnHerald(t, { DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'info' });
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
    assert.equal(typeof providerCall.durationMs, 'number');
    const webhookCall = await eventually(find('webhook delivered'), 15_000, 'the webhook log line');
    assert.equal(webhookCall.notificationId, notificationId);
    assert.equal(webhookCall.deliveryId, deliveryId);
    assert.ok(!herald.output().includes('whsec_'), 'the signing secret is never logged');
  });
});
