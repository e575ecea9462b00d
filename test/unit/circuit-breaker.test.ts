import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CircuitBreaker, type BreakerState } from '../../src/modules/delivery/circuit-breaker.js';

describe('circuit breaker', () => {
  const options = { failureRate: 0.5, minimumCalls: 4, windowMs: 10_000, openMs: 1000 };

  it('opens when the failure rate passes the threshold, probes once, and closes on success', () => {
    const changes: BreakerState[] = [];
    const b = new CircuitBreaker('p', options, (s) => changes.push(s));
    b.record(true, 0);
    b.record(false, 1);
    b.record(false, 2);
    assert.equal(b.state, 'closed', 'not before the minimum number of calls');
    b.record(false, 3);
    assert.equal(b.state, 'open');
    assert.ok(b.waitMs(500) > 0);
    assert.equal(b.waitMs(1003), 0, 'one probe after openMs');
    assert.ok(b.waitMs(1004) > 0, 'only one probe at a time');
    b.record(true, 1005);
    assert.equal(b.state, 'closed');
    assert.deepEqual(changes, ['open', 'half_open', 'closed']);
  });

  it('a failed probe opens it again', () => {
    const b = new CircuitBreaker('p', options);
    for (let i = 0; i < 4; i++) b.record(false, i);
    assert.equal(b.waitMs(2000), 0);
    b.record(false, 2001);
    assert.equal(b.state, 'open');
    assert.ok(b.waitMs(2500) > 0);
  });

  it('old failures leave the window', () => {
    const b = new CircuitBreaker('p', options);
    for (let i = 0; i < 3; i++) b.record(false, i);
    for (let i = 0; i < 4; i++) b.record(true, 20_000 + i);
    assert.equal(b.state, 'closed');
    assert.equal(b.failureRate(20_010), 0);
  });

  it('a run of failures opens it even when earlier successes keep the window’s rate low (a provider that stopped answering)', () => {
    const b = new CircuitBreaker('p', options);
    for (let i = 0; i < 20; i++) b.record(true, i);
    for (let i = 0; i < 3; i++) b.record(false, 5000 + i);
    assert.equal(b.state, 'closed', 'three failures in a row are not yet an outage');
    b.record(false, 5003);
    assert.ok(b.failureRate(5003) < options.failureRate, 'the window alone would keep it closed');
    assert.equal(b.state, 'open');
  });

  it('a success breaks the run', () => {
    const b = new CircuitBreaker('p', options);
    for (let i = 0; i < 20; i++) b.record(true, i);
    for (let i = 0; i < 3; i++) b.record(false, 100 + i);
    b.record(true, 103);
    for (let i = 0; i < 3; i++) b.record(false, 104 + i);
    assert.equal(b.state, 'closed');
  });
});
