import { DomainError, type Decider } from '../shared/decider.js';
import { keysOf } from '../shared/keys-of.js';
import { isWebOrigin } from './web-origin.js';

export const SCOPES = [
  'notifications:send',
  'notifications:read',
  'users:write',
  'users:read',
  'devices:register',
  'templates:write',
  'audit:read',
  'analytics:read',
  'topics:write',
  'topics:read',
  'broadcasts:send',
  'broadcasts:read',
  /** Signing in to the operator console (/console): it reads what the other read scopes read, and may cancel a notification. */
  'console',
  /** Mints subscriber tokens: a user's browser reads that user's in-app feed with one. */
  'inbox:token',
  'admin',
] as const;
export type Scope = (typeof SCOPES)[number];

/** What is stored of a secret: never the secret, only its salted scrypt digest. */
export interface SecretDigest {
  algorithm: 'scrypt';
  salt: string;
  hash: string;
  N: number;
  r: number;
  p: number;
}

export interface ApiClient {
  appKey: string;
  name: string;
  scopes: Scope[];
  secret: SecretDigest;
  /** Requests per second this client may make (null: the deployment's default). */
  rateLimitPerSecond: number | null;
  createdAt: string;
  /** Where Herald POSTs this client's notification outcomes; absent: no webhooks. */
  webhook?: ClientWebhook;
  /** After a rotation, the replaced secret keeps working until `validUntil` (the grace period). */
  previousSecret?: { secret: SecretDigest; validUntil: string };
  /** Origins whose pages may call the subscriber API with this client's inbox tokens (CORS); absent: none beyond the deployment's. */
  inboxOrigins?: { origins: string[]; updatedAt: string };
}

/** Enough for every staging and production front end of one client; a longer list is a sign of a wildcard in disguise. */
export const MAX_INBOX_ORIGINS = 50;

/** Outcomes a client can be told about, by the name its webhook payload carries. */
export const WEBHOOK_EVENTS = ['notification.sent', 'notification.failed', 'notification.opened', 'notification.clicked'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface ClientWebhook {
  url: string;
  events: WebhookEvent[];
  /**
   * Herald signs each payload with HMAC-SHA256 under this key, so it must be kept in the clear
   * (unlike the appSecret); it is redacted from logs and from the audit API.
   */
  signingSecret: string;
  updatedAt: string;
}

export type ClientEvent =
  | { type: 'ClientRegistered'; data: ApiClient }
  | { type: 'ClientWebhookSet'; data: { appKey: string; url: string; events: WebhookEvent[]; signingSecret: string; setAt: string } }
  | { type: 'ClientWebhookSecretRotated'; data: { appKey: string; signingSecret: string; rotatedAt: string } }
  | { type: 'ClientWebhookRemoved'; data: { appKey: string; removedAt: string } }
  | { type: 'ClientSecretRotated'; data: { appKey: string; secret: SecretDigest; previousValidUntil: string; rotatedAt: string } }
  | { type: 'ClientPreviousSecretRevoked'; data: { appKey: string; revokedAt: string } }
  | { type: 'ClientInboxOriginsSet'; data: { appKey: string; origins: string[]; setAt: string } };

export const CLIENT_EVENT_TYPES = keysOf({
  ClientRegistered: true,
  ClientWebhookSet: true,
  ClientWebhookSecretRotated: true,
  ClientWebhookRemoved: true,
  ClientSecretRotated: true,
  ClientPreviousSecretRevoked: true,
  ClientInboxOriginsSet: true,
} satisfies Record<ClientEvent['type'], true>);

/** Generated values (appKey, secrets) and the time come in through the command: the decider stays pure. */
export type ClientCommand =
  | { type: 'RegisterClient'; client: Omit<ApiClient, 'createdAt' | 'webhook' | 'inboxOrigins'>; now: number }
  | { type: 'SetWebhook'; appKey: string; url: string; events: WebhookEvent[]; newSigningSecret: string; now: number }
  | { type: 'RotateWebhookSecret'; appKey: string; newSigningSecret: string; now: number }
  | { type: 'RemoveWebhook'; appKey: string; now: number }
  /** A new appSecret (its digest); the current one stays valid for `graceMs` so callers can roll over. */
  | { type: 'RotateSecret'; appKey: string; newSecret: SecretDigest; graceMs: number; now: number }
  /** Ends the grace at once: the replaced secret leaked. */
  | { type: 'RevokePreviousSecret'; appKey: string; now: number }
  /** Replaces the client's inbox origins; an empty list removes them all. */
  | { type: 'SetInboxOrigins'; appKey: string; origins: string[]; now: number };

export interface ClientsState {
  clients: Map<string, ApiClient>;
}

/** All clients live in one small stream, so creating the first admin is a race only one can win. */
export const CLIENTS_STREAM = 'clients-registry';

const iso = (ms: number): string => new Date(ms).toISOString();

/** Webhooks go over the web only: no file:, data: or other schemes a URL parser accepts. */
function checkWebhookUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DomainError('invalid_argument', 'url must be an absolute http or https URL', 'url');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new DomainError('invalid_argument', 'url must use http or https', 'url');
  if (parsed.username || parsed.password) throw new DomainError('invalid_argument', 'url must not carry credentials: verify the signature instead', 'url');
}

function existing(state: ClientsState, appKey: string): ApiClient {
  const client = state.clients.get(appKey);
  if (!client) throw new DomainError('not_found', `no client ${appKey}`, 'appKey');
  return client;
}

function withClient(state: ClientsState, appKey: string, change: (client: ApiClient) => ApiClient): ClientsState {
  const client = state.clients.get(appKey);
  if (!client) return state;
  const clients = new Map(state.clients);
  clients.set(appKey, change(client));
  return { clients };
}

export const clientsDecider: Decider<ClientCommand, ClientsState, ClientEvent> = {
  initialState: () => ({ clients: new Map() }),
  decide(command, state) {
    switch (command.type) {
      case 'RegisterClient': {
        const { client } = command;
        if (state.clients.has(client.appKey)) throw new DomainError('conflict', 'a client with this appKey exists', 'appKey');
        if (client.scopes.length === 0) throw new DomainError('invalid_argument', 'a client needs at least one scope', 'scopes');
        return [{ type: 'ClientRegistered', data: { ...client, createdAt: iso(command.now) } }];
      }
      case 'SetWebhook': {
        const client = existing(state, command.appKey);
        checkWebhookUrl(command.url);
        const events = [...new Set(command.events)];
        if (events.length === 0) throw new DomainError('invalid_argument', 'a webhook needs at least one event', 'events');
        const unknown = events.filter((e) => !(WEBHOOK_EVENTS as readonly string[]).includes(e));
        if (unknown.length > 0) throw new DomainError('invalid_argument', `unknown webhook events: ${unknown.join(', ')}`, 'events');
        // Changing the URL or the events keeps the secret: receivers need not re-deploy for it.
        const signingSecret = client.webhook?.signingSecret ?? command.newSigningSecret;
        return [{ type: 'ClientWebhookSet', data: { appKey: command.appKey, url: command.url, events, signingSecret, setAt: iso(command.now) } }];
      }
      case 'RotateWebhookSecret': {
        if (!existing(state, command.appKey).webhook) throw new DomainError('not_found', 'this client has no webhook', 'appKey');
        return [{ type: 'ClientWebhookSecretRotated', data: { appKey: command.appKey, signingSecret: command.newSigningSecret, rotatedAt: iso(command.now) } }];
      }
      case 'RemoveWebhook': {
        if (!existing(state, command.appKey).webhook) throw new DomainError('not_found', 'this client has no webhook', 'appKey');
        return [{ type: 'ClientWebhookRemoved', data: { appKey: command.appKey, removedAt: iso(command.now) } }];
      }
      case 'RotateSecret': {
        existing(state, command.appKey);
        if (!(command.graceMs >= 0)) throw new DomainError('invalid_argument', 'the grace period cannot be negative', 'graceMs');
        return [{ type: 'ClientSecretRotated', data: { appKey: command.appKey, secret: command.newSecret, previousValidUntil: iso(command.now + command.graceMs), rotatedAt: iso(command.now) } }];
      }
      case 'RevokePreviousSecret': {
        const previous = existing(state, command.appKey).previousSecret;
        if (!previous || Date.parse(previous.validUntil) <= command.now) throw new DomainError('not_found', 'this client has no previous secret in its grace period', 'appKey');
        return [{ type: 'ClientPreviousSecretRevoked', data: { appKey: command.appKey, revokedAt: iso(command.now) } }];
      }
      case 'SetInboxOrigins': {
        const current = existing(state, command.appKey).inboxOrigins?.origins ?? [];
        const origins = [...new Set(command.origins)];
        const bad = origins.filter((o) => !isWebOrigin(o));
        if (bad.length > 0) throw new DomainError('invalid_argument', `not an origin like https://app.example.com (scheme, host and port only): ${bad.join(', ')}`, 'origins');
        if (origins.length > MAX_INBOX_ORIGINS) throw new DomainError('invalid_argument', `at most ${MAX_INBOX_ORIGINS} origins`, 'origins');
        if (origins.length === current.length && origins.every((o) => current.includes(o))) return [];
        return [{ type: 'ClientInboxOriginsSet', data: { appKey: command.appKey, origins, setAt: iso(command.now) } }];
      }
      default: {
        const never: never = command;
        return never;
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'ClientRegistered': {
        const clients = new Map(state.clients);
        clients.set(event.data.appKey, event.data);
        return { clients };
      }
      case 'ClientWebhookSet': {
        const { url, events, signingSecret, setAt } = event.data;
        return withClient(state, event.data.appKey, (c) => ({ ...c, webhook: { url, events, signingSecret, updatedAt: setAt } }));
      }
      case 'ClientWebhookSecretRotated':
        return withClient(state, event.data.appKey, (c) =>
          c.webhook ? { ...c, webhook: { ...c.webhook, signingSecret: event.data.signingSecret, updatedAt: event.data.rotatedAt } } : c,
        );
      case 'ClientWebhookRemoved':
        return withClient(state, event.data.appKey, ({ webhook: _removed, ...rest }) => rest);
      case 'ClientSecretRotated':
        return withClient(state, event.data.appKey, (c) => ({ ...c, secret: event.data.secret, previousSecret: { secret: c.secret, validUntil: event.data.previousValidUntil } }));
      case 'ClientPreviousSecretRevoked':
        return withClient(state, event.data.appKey, ({ previousSecret: _revoked, ...rest }) => rest);
      case 'ClientInboxOriginsSet':
        return withClient(state, event.data.appKey, (c) => ({ ...c, inboxOrigins: { origins: event.data.origins, updatedAt: event.data.setAt } }));
      default: {
        const never: never = event;
        return never;
      }
    }
  },
};

/** The digests a presented appSecret may match at `now`: the current one, and the previous one in its grace. */
export function acceptedSecrets(client: ApiClient, now: number): SecretDigest[] {
  const previous = client.previousSecret;
  return previous && Date.parse(previous.validUntil) > now ? [client.secret, previous.secret] : [client.secret];
}

export function hasScope(client: Pick<ApiClient, 'scopes'>, anyOf: readonly Scope[]): boolean {
  return client.scopes.includes('admin') || anyOf.some((s) => client.scopes.includes(s));
}
