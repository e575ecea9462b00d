import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { CLIENTS_STREAM, clientsDecider, type ApiClient, type ClientCommand, type ClientEvent, type ClientWebhook, type ClientsState, type Scope, type WebhookEvent } from '../../domain/client/client.js';
import { EVENT_STORE, WrongExpectedRevisionError, type EventStore } from '../event-store/event-store.port.js';
import { digestSecret, fingerprint, newAppKey, newAppSecret, newWebhookSigningSecret, sameFingerprint, verifySecret } from './secrets.js';

export interface NewClientCredentials {
  appKey: string;
  appSecret: string;
  name: string;
  scopes: Scope[];
}

/** Makes an unknown key cost as much as a known one, so timing does not reveal which keys exist. */
let decoyDigest: Promise<ApiClient['secret']> | null = null;

/**
 * API clients, event-sourced in one stream. Secrets are verified with scrypt once; after that a
 * SHA-256 fingerprint in memory lets the hot path skip the slow hash.
 */
@Injectable()
export class ClientDirectory {
  private readonly logger = new Logger(ClientDirectory.name);
  private state: ClientsState = clientsDecider.initialState();
  private revision = -1;
  private readonly verified = new Map<string, Buffer>();

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  private refreshing: Promise<void> | null = null;

  /** Reads clients added since the last look; concurrent callers share one read. */
  refresh(): Promise<void> {
    this.refreshing ??= this.readNewClients().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async readNewClients(): Promise<void> {
    const events = await this.store.readStream(CLIENTS_STREAM, { fromRevision: this.revision + 1 });
    for (const e of events) {
      this.state = clientsDecider.evolve(this.state, { type: e.type, data: e.data } as ClientEvent);
      this.revision = e.revision;
    }
  }

  get count(): number {
    return this.state.clients.size;
  }

  /** Authenticates appKey/appSecret; undefined when either is wrong. */
  async authenticate(appKey: string, appSecret: string): Promise<ApiClient | undefined> {
    let client = this.state.clients.get(appKey);
    // A client created by another process (or the CLI) is found by reading the stream's tail.
    if (!client) {
      await this.refresh();
      client = this.state.clients.get(appKey);
    }
    const presented = fingerprint(appSecret);
    const cached = this.verified.get(appKey);
    if (client && cached) return sameFingerprint(cached, presented) ? client : undefined;
    decoyDigest ??= digestSecret(newAppSecret());
    const ok = await verifySecret(appSecret, client?.secret ?? (await decoyDigest));
    if (!client || !ok) return undefined;
    this.verified.set(appKey, presented);
    return client;
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

  async removeWebhook(appKey: string, metadata: Record<string, unknown>): Promise<void> {
    await this.execute(() => ({ type: 'RemoveWebhook', appKey, now: Date.now() }), metadata);
    this.logger.log({ msg: 'client webhook removed', appKey });
  }

  /** Decides on the latest state and appends; another writer in between means read and decide again. */
  private async execute(command: () => ClientCommand, metadata: Record<string, unknown>, expected?: 'no_stream'): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      await this.refresh();
      const events = clientsDecider.decide(command(), this.state);
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
