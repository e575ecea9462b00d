import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientsDecider, hasScope, type ApiClient } from '../../src/domain/client/client.js';
import { DomainError } from '../../src/domain/shared/decider.js';
import { deciderSpec } from '../support/decider-spec.js';

const spec = deciderSpec(clientsDecider);
const client: Omit<ApiClient, 'createdAt'> = {
  appKey: 'hk_1',
  name: 'billing',
  scopes: ['notifications:send'],
  secret: { algorithm: 'scrypt', salt: 's', hash: 'h', N: 16384, r: 8, p: 1 },
  rateLimitPerSecond: null,
};

describe('clients decider', () => {
  it('registers a client', () =>
    spec.given([]).when({ type: 'RegisterClient', client, now: 0 }).then([{ type: 'ClientRegistered', data: { ...client, createdAt: new Date(0).toISOString() } }]));
  it('refuses a second client with the same appKey', () =>
    spec.given([{ type: 'ClientRegistered', data: { ...client, createdAt: '' } }]).when({ type: 'RegisterClient', client, now: 0 })
      .thenThrows((e) => e instanceof DomainError && e.code === 'conflict'));
  it('refuses a client with no scope', () =>
    spec.given([]).when({ type: 'RegisterClient', client: { ...client, scopes: [] }, now: 0 }).thenThrows((e) => e instanceof DomainError && e.field === 'scopes'));
  it('admin holds every scope', () => {
    assert.ok(hasScope({ scopes: ['admin'] }, ['audit:read']));
    assert.ok(!hasScope({ scopes: ['users:read'] }, ['users:write']));
  });
});
