import { DomainError, type Decider } from '../shared/decider.js';

export const SCOPES = [
  'notifications:send',
  'notifications:read',
  'users:write',
  'users:read',
  'devices:register',
  'templates:write',
  'audit:read',
  'analytics:read',
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
}

export type ClientEvent = { type: 'ClientRegistered'; data: ApiClient };
export type ClientCommand = { type: 'RegisterClient'; client: Omit<ApiClient, 'createdAt'>; now: number };
export interface ClientsState {
  clients: Map<string, ApiClient>;
}

/** All clients live in one small stream, so creating the first admin is a race only one can win. */
export const CLIENTS_STREAM = 'clients-registry';

export const clientsDecider: Decider<ClientCommand, ClientsState, ClientEvent> = {
  initialState: () => ({ clients: new Map() }),
  decide(command, state) {
    const { client } = command;
    if (state.clients.has(client.appKey)) throw new DomainError('conflict', 'a client with this appKey exists', 'appKey');
    if (client.scopes.length === 0) throw new DomainError('invalid_argument', 'a client needs at least one scope', 'scopes');
    return [{ type: 'ClientRegistered', data: { ...client, createdAt: new Date(command.now).toISOString() } }];
  },
  evolve(state, event) {
    const clients = new Map(state.clients);
    clients.set(event.data.appKey, event.data);
    return { clients };
  },
};

export function hasScope(client: Pick<ApiClient, 'scopes'>, anyOf: readonly Scope[]): boolean {
  return client.scopes.includes('admin') || anyOf.some((s) => client.scopes.includes(s));
}
