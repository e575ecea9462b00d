import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startApp } from '../support/app.js';
import { freePort } from '../support/process.js';

describe('health (terminus)', () => {
  it('live and ready answer 200 with each dependency up', async (t) => {
    const { api } = await startApp(t);
    const anonymous = api.as(undefined);
    const live = await anonymous.get('/health/live');
    assert.equal(live.status, 200);
    assert.equal(live.body.status, 'ok');
    const ready = await anonymous.get('/health/ready');
    assert.equal(ready.status, 200);
    assert.equal(ready.body.status, 'ok');
    assert.deepEqual(Object.keys(ready.body.checks).sort(), ['eventStore', 'queues', 'readModels']);
    assert.ok(Object.values(ready.body.checks).every((c: any) => c.status === 'up'));
    assert.equal(ready.body.details.queues.backend, 'sqlite');
  });

  it('ready answers 503 naming the dependency that is down; live stays 200', async (t) => {
    // A Redis that is not there: the API role alone starts without it.
    const { api } = await startApp(t, { HERALD_ROLES: 'api', QUEUE: 'bullmq', REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    const anonymous = api.as(undefined);
    const ready = await anonymous.get('/health/ready');
    assert.equal(ready.status, 503, JSON.stringify(ready.body));
    assert.equal(ready.body.status, 'error');
    assert.equal(ready.body.checks.queues.status, 'down');
    assert.ok(ready.body.checks.queues.error, 'with the reason');
    assert.equal(ready.body.checks.eventStore.status, 'up');
    assert.equal(ready.body.checks.readModels.status, 'up');
    assert.equal((await anonymous.get('/health/live')).status, 200);
  });
});
