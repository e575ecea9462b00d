import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/herald-config.js';

const plan = (env: Record<string, string>) => {
  const config = loadConfig({ DATA_DIR: '/nonexistent-herald-data', PORT: '4000', ...env });
  return { roles: [...config.roles].sort(), children: config.children };
};

describe('HERALD_PROCESSES: which roles run in which process', () => {
  it('single (the default) runs every role of HERALD_ROLES in this process and starts no other', () => {
    assert.deepEqual(plan({}), { roles: ['api', 'dispatcher', 'projector', 'worker'], children: [] });
    assert.deepEqual(plan({ HERALD_ROLES: 'worker', HERALD_WORKER_PROCESSES: '3' }), { roles: ['worker'], children: [] });
  });

  it('split keeps the api here; dispatcher and projector in one child, workers in others, on the ports after PORT, each below the API in priority', () => {
    assert.deepEqual(plan({ HERALD_PROCESSES: 'split' }), {
      roles: ['api'],
      children: [
        { name: 'dispatcher,projector', roles: ['dispatcher', 'projector'], nice: 5, port: 4001 },
        { name: 'worker-1', roles: ['worker'], nice: 10, port: 4002 },
      ],
    });
    assert.deepEqual(
      plan({ HERALD_PROCESSES: 'split', HERALD_WORKER_PROCESSES: '2' }).children.map((c) => [c.name, c.port]),
      [['dispatcher,projector', 4001], ['worker-1', 4002], ['worker-2', 4003]],
    );
  });

  it('split starts only the roles HERALD_ROLES lists', () => {
    assert.deepEqual(plan({ HERALD_PROCESSES: 'split', HERALD_ROLES: 'api,worker' }).children, [{ name: 'worker-1', roles: ['worker'], nice: 10, port: 4001 }]);
    assert.deepEqual(plan({ HERALD_PROCESSES: 'split', HERALD_ROLES: 'api,projector' }).children, [{ name: 'projector', roles: ['projector'], nice: 5, port: 4001 }]);
  });

  it('refuses settings it cannot honour, naming the variable', () => {
    assert.throws(() => plan({ HERALD_PROCESSES: 'many' }), /HERALD_PROCESSES: "many" must be single or split/);
    assert.throws(() => plan({ HERALD_PROCESSES: 'split', HERALD_ROLES: 'worker' }), /HERALD_ROLES: "worker" must include api/);
    assert.throws(() => plan({ HERALD_PROCESSES: 'split', HERALD_ROLES: 'api' }), /nothing besides api/);
    assert.throws(() => plan({ HERALD_PROCESSES: 'split', HERALD_WORKER_PROCESSES: '0' }), /HERALD_WORKER_PROCESSES: "0"/);
  });
});
