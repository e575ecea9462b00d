import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { freePort, spawnHerald } from '../support/process.js';
import { tempDir } from '../support/temp.js';

describe('start with a configuration that does not parse', () => {
  it('the built service exits with code 1, naming every bad variable, with no stack trace and nothing written', { timeout: 60_000 }, async (t) => {
    const dataDir = join(tempDir(t), 'data');
    const port = await freePort();
    const herald = await spawnHerald(t, {
      DATA_DIR: dataDir,
      PORT: String(port),
      LOG_LEVEL: 'info',
      BREAKER_FAILURE_RATE: 'abc',
      RETRY_BASE_DELAY: '2',
      CATEGORY_POLICIES: '{"marketing": {"pushh": "2/1d"}}',
      ALERT_WEBHOOK_URL: 'alerts.example.com',
    });
    const code = await herald.exited;
    const output = herald.output();
    assert.equal(code, 1, output);
    assert.match(output, /^Herald's configuration is invalid \(4 variables\):$/m);
    assert.match(output, /^ {2}BREAKER_FAILURE_RATE: "abc" is not a number greater than 0 and at most 1$/m);
    assert.match(output, /^ {2}RETRY_BASE_DELAY: "2" is not a duration/m);
    assert.match(output, /^ {2}CATEGORY_POLICIES: marketing\.pushh: unknown setting/m);
    assert.match(output, /^ {2}ALERT_WEBHOOK_URL: "alerts\.example\.com" is not a URL/m);
    assert.doesNotMatch(output, /^\s+at /m, 'no stack trace');
    assert.equal(existsSync(dataDir), false, 'it stopped before creating its data directory');
  });
});

describe('start with a digest policy that cannot be sent', () => {
  it('a digest without a template, or with a bad window or channel: exit code 1, the setting named, nothing written', { timeout: 60_000 }, async (t) => {
    const dataDir = join(tempDir(t), 'data');
    const herald = await spawnHerald(t, {
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      LOG_LEVEL: 'info',
      CATEGORY_POLICIES: JSON.stringify({ orders: { digest: { window: '1h', channels: ['email'] } }, social: { digest: { window: 'soon', channels: ['fax'], template: 'social-digest' } } }),
    });
    const code = await herald.exited;
    const output = herald.output();
    assert.equal(code, 1, output);
    assert.match(output, /^ {2}CATEGORY_POLICIES: orders\.digest\.template: a digest needs the id of the template it is rendered with$/m);
    assert.match(output, /^ {2}CATEGORY_POLICIES: social\.digest\.window: "soon" is not a duration/m);
    assert.match(output, /^ {2}CATEGORY_POLICIES: social\.digest\.channels: "fax" is not a channel/m);
    assert.doesNotMatch(output, /^\s+at /m, 'no stack trace');
    assert.equal(existsSync(dataDir), false, 'it stopped before creating its data directory');
  });
});

describe('start on a port that is taken', () => {
  it('the built service exits with code 1, naming the address, with no stack trace', { timeout: 60_000 }, async (t) => {
    const port = await freePort();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => squatter.close(() => resolve())));
    const herald = await spawnHerald(t, { DATA_DIR: join(tempDir(t), 'data'), PORT: String(port), LOG_LEVEL: 'info' });
    const code = await herald.exited;
    const output = herald.output();
    assert.equal(code, 1, output);
    assert.match(output, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\)`));
    assert.doesNotMatch(output, /^\s+at /m, 'no stack trace');
  });
});
