import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { apnsToken, createUser, startApp } from '../support/app.js';
import { freePort } from '../support/process.js';
import { eventually, tempDir } from '../support/temp.js';
import { testTls } from '../fakes/tls.js';

const STANDALONE = fileURLToPath(new URL('../fakes/standalone.js', import.meta.url));
const FAKES_ENV = fileURLToPath(new URL('../../../deploy/fakes.env', import.meta.url));
const COMPOSE_BASE_PORT = 8443;

/**
 * What `docker compose --profile fakes --env-file deploy/fakes.env up` does, without Docker: the
 * standalone fakes server, and Herald configured by the very same env file (the compose host
 * `fakes` and its ports mapped to loopback, /fakes to a temp dir). A notification reaches every
 * channel through the real SDKs, so the file's credentials and endpoints fit the fakes.
 */
it('the compose fakes profile: Herald configured by deploy/fakes.env delivers on every channel', async (t) => {
  const dir = tempDir(t, 'herald-fakes-');
  // This run's processes trust the test certificate (NODE_EXTRA_CA_CERTS), so the fakes use it.
  copyFileSync(testTls().certFile, join(dir, 'cert.pem'));
  copyFileSync(join(testTls().certFile, '..', 'key.pem'), join(dir, 'key.pem'));
  const base = await freePort();
  const fakes = spawn(process.execPath, [STANDALONE], {
    env: { ...process.env, FAKES_DIR: dir, FAKES_BIND: '127.0.0.1', FAKES_PORT_BASE: String(base), FAKES_PUBLIC_HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  fakes.stdout.on('data', (d) => (output += d));
  fakes.stderr.on('data', (d) => (output += d));
  t.after(() => void fakes.kill('SIGKILL'));
  await eventually(() => existsSync(join(dir, 'ready')) || undefined, 15_000, `the fakes to be ready: ${output}`);

  const env: Record<string, string> = {};
  for (const line of readFileSync(FAKES_ENV, 'utf8').split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line);
    if (!match) continue;
    env[match[1]!] = match[2]!
      .replace(/https:\/\/fakes:(\d+)/, (_, port: string) => `https://127.0.0.1:${base + Number(port) - COMPOSE_BASE_PORT}`)
      .replace(/^\/fakes\//, `${dir}/`);
  }
  // SMTP is not a URL there: its host and port, mapped the same way.
  assert.equal(env.SMTP_HOST, 'fakes');
  env.SMTP_HOST = '127.0.0.1';
  env.SMTP_PORT = String(base + Number(env.SMTP_PORT) - COMPOSE_BASE_PORT);
  assert.equal(env.NODE_EXTRA_CA_CERTS, `${dir}/cert.pem`, 'the Herald containers trust the fakes certificate');
  delete env.NODE_EXTRA_CA_CERTS; // read by Node at start: this process already trusts the same certificate

  const { api } = await startApp(t, { ...env, LOG_LEVEL: 'error' });
  await createUser(api, 'grace', { email: 'grace@example.com', phone: '+447700900456' });
  await api.post('/v1/users/grace/devices', { platform: 'ios', token: apnsToken(7) });
  await api.post('/v1/users/grace/devices', { platform: 'android', token: 'fcm-device-token-compose:APA91b' });
  const res = await api.post('/v1/notifications', { userId: 'grace', category: 'orders', content: { title: 'Hello', body: 'From the fakes', subject: 'Hello', text: 'From the fakes' } });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  const view = await eventually(async () => {
    const body = (await api.get(`/v1/notifications/${res.body.notificationId}`)).body;
    return body.deliveries?.every((d: { status: string }) => ['sent', 'failed'].includes(d.status)) ? body : undefined;
  }, 20_000, 'every delivery to end');
  assert.deepEqual(
    view.deliveries.map((d: { queue: string; status: string; provider: string }) => `${d.queue}:${d.status}:${d.provider}`).sort(),
    ['apns:sent:apns', 'email:sent:mailgun', 'fcm:sent:fcm', 'sms:sent:vonage'],
    'sent by the real adapters, not the sandbox',
  );
});
