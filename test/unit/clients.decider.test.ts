import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { acceptedSecrets, clientsDecider, hasScope, type ApiClient, type ClientEvent } from '../../src/domain/client/client.js';
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

  describe('appSecret rotation', () => {
    const registered: ClientEvent = { type: 'ClientRegistered', data: { ...client, createdAt: '' } };
    const fresh = { algorithm: 'scrypt' as const, salt: 's2', hash: 'h2', N: 16384, r: 8, p: 1 };
    const rotated: ClientEvent = { type: 'ClientSecretRotated', data: { appKey: 'hk_1', secret: fresh, previousValidUntil: new Date(1_000).toISOString(), rotatedAt: new Date(0).toISOString() } };
    const stateAfter = (events: ClientEvent[]) => events.reduce((s, e) => clientsDecider.evolve(s, e), clientsDecider.initialState());

    it('rotates to a new secret, the old one valid for the grace period', () =>
      spec.given([registered]).when({ type: 'RotateSecret', appKey: 'hk_1', newSecret: fresh, graceMs: 1_000, now: 0 }).then([rotated]));

    it('accepts both secrets during the grace, then only the new one', () => {
      const after = stateAfter([registered, rotated]).clients.get('hk_1')!;
      assert.deepEqual(acceptedSecrets(after, 999).map((d) => d.hash), ['h2', 'h']);
      assert.deepEqual(acceptedSecrets(after, 1_000).map((d) => d.hash), ['h2']);
    });

    it('a second rotation replaces the previous secret: never more than two', () => {
      const third = { ...fresh, salt: 's3', hash: 'h3' };
      const again: ClientEvent = { type: 'ClientSecretRotated', data: { appKey: 'hk_1', secret: third, previousValidUntil: new Date(2_000).toISOString(), rotatedAt: new Date(500).toISOString() } };
      assert.deepEqual(acceptedSecrets(stateAfter([registered, rotated, again]).clients.get('hk_1')!, 600).map((d) => d.hash), ['h3', 'h2']);
    });

    it('revokes the previous secret at once', () => {
      spec.given([registered, rotated]).when({ type: 'RevokePreviousSecret', appKey: 'hk_1', now: 10 }).then([{ type: 'ClientPreviousSecretRevoked', data: { appKey: 'hk_1', revokedAt: new Date(10).toISOString() } }]);
      const revoked = stateAfter([registered, rotated, { type: 'ClientPreviousSecretRevoked', data: { appKey: 'hk_1', revokedAt: '' } }]).clients.get('hk_1')!;
      assert.deepEqual(acceptedSecrets(revoked, 10).map((d) => d.hash), ['h2']);
    });

    it('nothing to revoke once the grace is over, or before any rotation', () => {
      spec.given([registered, rotated]).when({ type: 'RevokePreviousSecret', appKey: 'hk_1', now: 1_000 }).thenThrows((e) => e instanceof DomainError && e.code === 'not_found');
      spec.given([registered]).when({ type: 'RevokePreviousSecret', appKey: 'hk_1', now: 0 }).thenThrows((e) => e instanceof DomainError && e.code === 'not_found');
    });

    it('refuses to rotate an unknown client', () =>
      spec.given([]).when({ type: 'RotateSecret', appKey: 'hk_9', newSecret: fresh, graceMs: 0, now: 0 }).thenThrows((e) => e instanceof DomainError && e.code === 'not_found'));
  });

  describe('webhooks', () => {
    const registered: ClientEvent = { type: 'ClientRegistered', data: { ...client, createdAt: '' } };
    const set = (url = 'https://hooks.example.com/herald', signingSecret = 'whsec_1'): ClientEvent => ({
      type: 'ClientWebhookSet',
      data: { appKey: 'hk_1', url, events: ['notification.sent'], signingSecret, setAt: new Date(0).toISOString() },
    });
    const setCommand = { type: 'SetWebhook' as const, appKey: 'hk_1', url: 'https://hooks.example.com/herald', events: ['notification.sent' as const], newSigningSecret: 'whsec_1', now: 0 };

    it('sets a webhook with a new signing secret', () => spec.given([registered]).when(setCommand).then([set()]));

    it('changing the URL keeps the signing secret', () =>
      spec.given([registered, set()]).when({ ...setCommand, url: 'http://10.0.0.7:8080/in', newSigningSecret: 'whsec_2' }).then([set('http://10.0.0.7:8080/in', 'whsec_1')]));

    it('lists each event once', () =>
      spec
        .given([registered])
        .when({ ...setCommand, events: ['notification.opened', 'notification.opened'] })
        .thenMatches(([e]) => assert.deepEqual(e?.type === 'ClientWebhookSet' && e.data.events, ['notification.opened'])));

    for (const url of ['ftp://hooks.example.com/x', 'file:///etc/passwd', 'not a url', 'https://user:pw@hooks.example.com/']) {
      it(`refuses the URL ${url}, naming the field`, () =>
        spec.given([registered]).when({ ...setCommand, url }).thenThrows((e) => e instanceof DomainError && e.code === 'invalid_argument' && e.field === 'url'));
    }

    it('refuses unknown or no events', () => {
      spec.given([registered]).when({ ...setCommand, events: ['notification.bounced' as never] }).thenThrows((e) => e instanceof DomainError && e.field === 'events');
      spec.given([registered]).when({ ...setCommand, events: [] }).thenThrows((e) => e instanceof DomainError && e.field === 'events');
    });

    it('refuses a webhook for an unknown client', () =>
      spec.given([]).when(setCommand).thenThrows((e) => e instanceof DomainError && e.code === 'not_found'));

    it('rotates the signing secret', () =>
      spec
        .given([registered, set()])
        .when({ type: 'RotateWebhookSecret', appKey: 'hk_1', newSigningSecret: 'whsec_2', now: 1000 })
        .then([{ type: 'ClientWebhookSecretRotated', data: { appKey: 'hk_1', signingSecret: 'whsec_2', rotatedAt: new Date(1000).toISOString() } }]));

    it('removes a webhook; removing or rotating when there is none is not found', () => {
      spec.given([registered, set()]).when({ type: 'RemoveWebhook', appKey: 'hk_1', now: 0 }).then([{ type: 'ClientWebhookRemoved', data: { appKey: 'hk_1', removedAt: new Date(0).toISOString() } }]);
      const removed: ClientEvent = { type: 'ClientWebhookRemoved', data: { appKey: 'hk_1', removedAt: '' } };
      spec.given([registered, set(), removed]).when({ type: 'RemoveWebhook', appKey: 'hk_1', now: 0 }).thenThrows((e) => e instanceof DomainError && e.code === 'not_found');
      spec.given([registered]).when({ type: 'RotateWebhookSecret', appKey: 'hk_1', newSigningSecret: 'x', now: 0 }).thenThrows((e) => e instanceof DomainError && e.code === 'not_found');
    });

    it('a rotated secret is the one the state keeps; a removed webhook is gone', () => {
      const rotated: ClientEvent = { type: 'ClientWebhookSecretRotated', data: { appKey: 'hk_1', signingSecret: 'whsec_2', rotatedAt: '' } };
      const state = [registered, set(), rotated].reduce(clientsDecider.evolve, clientsDecider.initialState());
      assert.equal(state.clients.get('hk_1')?.webhook?.signingSecret, 'whsec_2');
      const after = clientsDecider.evolve(state, { type: 'ClientWebhookRemoved', data: { appKey: 'hk_1', removedAt: '' } });
      assert.equal(after.clients.get('hk_1')?.webhook, undefined);
    });
  });

  describe('inbox origins', () => {
    const registered: ClientEvent = { type: 'ClientRegistered', data: { ...client, createdAt: '' } };
    const set = (origins: string[], now = 0): ClientEvent => ({ type: 'ClientInboxOriginsSet', data: { appKey: 'hk_1', origins, setAt: new Date(now).toISOString() } });

    it('sets the origins, each once', () =>
      spec.given([registered]).when({ type: 'SetInboxOrigins', appKey: 'hk_1', origins: ['https://app.example.com', 'http://localhost:3000', 'https://app.example.com'], now: 0 })
        .then([set(['https://app.example.com', 'http://localhost:3000'])]));

    it('the same list again, in any order, changes nothing', () =>
      spec.given([registered, set(['https://a.example', 'https://b.example'])]).when({ type: 'SetInboxOrigins', appKey: 'hk_1', origins: ['https://b.example', 'https://a.example'], now: 5 }).then([]));

    it('an empty list removes them', () =>
      spec.given([registered, set(['https://a.example'])]).when({ type: 'SetInboxOrigins', appKey: 'hk_1', origins: [], now: 5 }).then([set([], 5)]));

    it('refuses anything that is not a bare http(s) origin, naming the field', () => {
      for (const bad of ['https://app.example.com/', 'https://app.example.com/path', 'javascript:alert(1)', '*', 'app.example.com', 'ftp://files.example.com']) {
        spec.given([registered]).when({ type: 'SetInboxOrigins', appKey: 'hk_1', origins: [bad], now: 0 })
          .thenThrows((e) => e instanceof DomainError && e.code === 'invalid_argument' && e.field === 'origins' && e.message.includes(bad));
      }
    });

    it('refuses more than 50 origins, and an unknown client', () => {
      const many = Array.from({ length: 51 }, (_, i) => `https://app${i}.example.com`);
      spec.given([registered]).when({ type: 'SetInboxOrigins', appKey: 'hk_1', origins: many, now: 0 }).thenThrows((e) => e instanceof DomainError && e.field === 'origins');
      spec.given([]).when({ type: 'SetInboxOrigins', appKey: 'hk_1', origins: [], now: 0 }).thenThrows((e) => e instanceof DomainError && e.code === 'not_found');
    });

    it('the client holds the latest list', () => {
      const state = [registered, set(['https://a.example']), set(['https://b.example'], 9)].reduce((s, e) => clientsDecider.evolve(s, e), clientsDecider.initialState());
      assert.deepEqual(state.clients.get('hk_1')?.inboxOrigins, { origins: ['https://b.example'], updatedAt: new Date(9).toISOString() });
    });
  });
});
