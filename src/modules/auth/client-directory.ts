import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { CLIENTS_STREAM, acceptedSecrets, clientsDecider, type ApiClient, type ClientCommand, type ClientEvent, type ClientWebhook, type ClientsState, type Scope, type WebhookEvent } from '../../domain/client/client.js';
import { EVENT_STORE, WrongExpectedRevisionError, type EventStore } from '../event-store/event-store.port.js';
import { SharedRead } from '../event-store/shared-read.js';
import { digestSecret, fingerprint, newAppKey, newAppSecret, newWebhookSigningSecret, sameFingerprint, verifySecret } from './secrets.js';

export interface NewClientCredentials {
  appKey: string;
  appSecret: string;
  name: string;
  scopes: Scope[];
}

/** Makes an unknown key cost as much as a known one, so timing does not reveal which keys exist. */
let decoyDigest: Promise<ApiClient['secret']> | null = null;

/** How stale this process's view of the clients may be: a rotation or revocation elsewhere reaches it within this. */
const REFRESH_MS = 5_000;

/**
 * API clients, event-sourced in one stream. Secrets are verified with scrypt once; after that a
 * SHA-256 fingerprint in memory, tied to the digest it matched, lets the hot path skip the slow
 * hash for as long as that digest is accepted.
 */
@Injectable()
export class ClientDirectory {
  private readonly logger = new Logger(ClientDirectory.name);
  private state: ClientsState = clientsDecider.initialState();
  private revision = -1;
  /** appKey -> fingerprints of secrets verified by scrypt, each with the hash of the digest it matched. */
  private readonly verified = new Map<string, { digestHash: string; fingerprint: Buffer }[]>();
  private refreshedAt = 0;

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  private readonly tail = new SharedRead(() => this.readNewClients());

  /** Reads clients added since the last look; concurrent callers share one read. */
  refresh(): Promise<void> {
    this.refreshedAt = Date.now();
    return this.tail.any();
  }

  private async readNewClients(): Promise<void> {
    const events = await this.store.readStream(CLIENTS_STREAM, { fromRevision: this.revision + 1 });
    for (const e of events) {
      this.state = clientsDecider.evolve(this.state, { type: e.type, data: e.data } as ClientEvent);
      this.revision = e.revision;
    }
  }

  /** Reads the tail only when this process's view is older than REFRESH_MS: for paths too hot to read it each time. */
  async refreshIfStale(): Promise<void> {
    if (Date.now() - this.refreshedAt > REFRESH_MS) await this.refresh();
  }

  /** Reads the tail with a read that starts after this call: a change committed before it is seen (a read already under way may have missed it). */
  readLatest(): Promise<void> {
    this.refreshedAt = Date.now();
    return this.tail.fresh();
  }

  /** Every client, as this process last read it. */
  all(): Iterable<ApiClient> {
    return this.state.clients.values();
  }

  get count(): number {
    return this.state.clients.size;
  }

  /** Authenticates appKey/appSecret; undefined when either is wrong. */
  async authenticate(appKey: string, appSecret: string): Promise<ApiClient | undefined> {
    // A client created or changed by another process (or the CLI) is found by reading the stream's tail.
    if (!this.state.clients.has(appKey)) await this.refresh();
    else await this.refreshIfStale();
    const presented = fingerprint(appSecret);
    const found = await this.check(appKey, appSecret, presented);
    if (found || !this.state.clients.has(appKey)) return found;
    // A secret rotated by another process since the last look: read the tail once more.
    const revision = this.revision;
    await this.refresh();
    return this.revision === revision ? undefined : this.check(appKey, appSecret, presented);
  }

  private async check(appKey: string, appSecret: string, presented: Buffer): Promise<ApiClient | undefined> {
    const client = this.state.clients.get(appKey);
    const accepted = client ? acceptedSecrets(client, Date.now()) : [];
    const cached = this.verified.get(appKey)?.filter((v) => accepted.some((d) => d.hash === v.digestHash));
    if (cached?.some((v) => sameFingerprint(v.fingerprint, presented))) return client;
    if (client && cached && cached.length >= accepted.length) return undefined; // every accepted secret is known, and this is none of them
    decoyDigest ??= digestSecret(newAppSecret());
    let matched: ApiClient['secret'] | undefined;
    for (const digest of accepted.length > 0 ? accepted : [await decoyDigest]) {
      if (await verifySecret(appSecret, digest)) {
        matched = digest;
        break;
      }
    }
    if (!client || !matched) return undefined;
    this.verified.set(appKey, [...(cached ?? []), { digestHash: matched.hash, fingerprint: presented }]);
    return client;
  }

  /** Issues a new appSecret; the current one keeps working for `graceMs`. The new secret is returned once. */
  async rotateSecret(appKey: string, graceMs: number, metadata: Record<string, unknown>): Promise<{ appKey: string; appSecret: string; previousSecretValidUntil: string }> {
    const appSecret = newAppSecret();
    const secret = await digestSecret(appSecret);
    await this.execute(() => ({ type: 'RotateSecret', appKey, newSecret: secret, graceMs, now: Date.now() }), metadata);
    this.logger.log({ msg: 'api client secret rotated', appKey });
    return { appKey, appSecret, previousSecretValidUntil: this.state.clients.get(appKey)!.previousSecret!.validUntil };
  }

  /** Ends the previous secret's grace at once. */
  async revokePreviousSecret(appKey: string, metadata: Record<string, unknown>): Promise<void> {
    await this.execute(() => ({ type: 'RevokePreviousSecret', appKey, now: Date.now() }), metadata);
    this.logger.log({ msg: 'api client previous secret revoked', appKey });
  }

  /** A client as this process last read it (call `refresh` first for another process's changes). */
  get(appKey: string): ApiClient | undefined {
    return this.state.clients.get(appKey);
  }

  async create(
    input: { name: string; scopes: Scope[]; rateLimitPerSecond?: number | null },
    metadata: Record<string, unknown> = {},
    expected?: 'no_stream',
  ): Promise<NewClientCredentials> {
    const appKey = newAppKey();
    const appSecret = newAppSecret();
    const secret = await digestSecret(appSecret);
    await this.execute(
      () => ({ type: 'RegisterClient', client: { appKey, name: input.name, scopes: input.scopes, secret, rateLimitPerSecond: input.rateLimitPerSecond ?? null }, now: Date.now() }),
      metadata,
      expected,
    );
    this.logger.log({ msg: 'api client created', appKey, name: input.name, scopes: input.scopes });
    return { appKey, appSecret, name: input.name, scopes: input.scopes };
  }

  async setWebhook(appKey: string, webhook: { url: string; events: WebhookEvent[] }, metadata: Record<string, unknown>): Promise<ClientWebhook> {
    await this.execute(() => ({ type: 'SetWebhook', appKey, ...webhook, newSigningSecret: newWebhookSigningSecret(), now: Date.now() }), metadata);
    this.logger.log({ msg: 'client webhook set', appKey, url: webhook.url, events: webhook.events });
    return this.state.clients.get(appKey)!.webhook!;
  }

  async rotateWebhookSecret(appKey: string, metadata: Record<string, unknown>): Promise<ClientWebhook> {
    await this.execute(() => ({ type: 'RotateWebhookSecret', appKey, newSigningSecret: newWebhookSigningSecret(), now: Date.now() }), metadata);
    this.logger.log({ msg: 'client webhook signing secret rotated', appKey });
    return this.state.clients.get(appKey)!.webhook!;
  }

  async setInboxOrigins(appKey: string, origins: string[], metadata: Record<string, unknown>): Promise<{ origins: string[]; updatedAt: string | null }> {
    await this.execute(() => ({ type: 'SetInboxOrigins', appKey, origins, now: Date.now() }), metadata);
    this.logger.log({ msg: 'client inbox origins set', appKey, origins });
    return this.inboxOriginsOf(this.state.clients.get(appKey)!);
  }

  inboxOriginsOf(client: ApiClient): { origins: string[]; updatedAt: string | null } {
    return { origins: client.inboxOrigins?.origins ?? [], updatedAt: client.inboxOrigins?.updatedAt ?? null };
  }

  async removeWebhook(appKey: string, metadata: Record<string, unknown>): Promise<void> {
    await this.execute(() => ({ type: 'RemoveWebhook', appKey, now: Date.now() }), metadata);
    this.logger.log({ msg: 'client webhook removed', appKey });
  }

  /** Decides on the latest state and appends; another writer in between means read and decide again. */
  private async execute(command: () => ClientCommand, metadata: Record<string, unknown>, expected?: 'no_stream'): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      await this.refresh();
      const events = clientsDecider.decide(command(), this.state);
      if (events.length === 0) return;
      try {
        await this.store.append(
          CLIENTS_STREAM,
          events.map((e) => ({ id: randomUUID(), type: e.type, data: e.data, metadata: { schemaVersion: 1, ...metadata } })),
          expected ?? (this.revision < 0 ? 'no_stream' : this.revision),
        );
      } catch (error) {
        if (error instanceof WrongExpectedRevisionError && expected === undefined && attempt < 5) continue;
        throw error;
      }
      await this.refresh();
      return;
    }
  }
}
