import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StartRate } from '../../src/modules/queues/queue.port.js';
import { StartBucket } from '../../src/modules/queues/start-rate.js';

describe('start rate bucket', () => {
  const rate = (perSecond: number, priority: StartRate['priority']): StartRate => ({ name: 'sms', perSecond, priority });

  it('starts full with one second of the rate; the spare queue may spend only the half not held back for the first', () => {
    const bucket = new StartBucket(30, 0);
    assert.equal(bucket.available(rate(30, 'spare'), 0), 15);
    bucket.take(15);
    assert.equal(bucket.available(rate(30, 'spare'), 0), 0, 'the rest is held back');
    assert.equal(bucket.available(rate(30, 'first'), 0), 15, 'the first queue finds it');
    bucket.take(15);
    assert.equal(bucket.available(rate(30, 'first'), 100), 3, 'refilled at 30 a second');
    assert.equal(bucket.available(rate(30, 'spare'), 100), 0);
  });

  it('never fills past one second of the rate, however long it is left', () => {
    const bucket = new StartBucket(10, 0);
    assert.equal(bucket.available(rate(10, 'first'), 3_600_000), 10);
  });

  it('at 1 a second the spare queue still starts a job each second the first leaves it', () => {
    const bucket = new StartBucket(1, 0);
    assert.equal(bucket.available(rate(1, 'spare'), 0), 1);
    bucket.take(1);
    assert.equal(bucket.available(rate(1, 'spare'), 500), 0);
    assert.equal(bucket.available(rate(1, 'spare'), 1000), 1);
  });
});
