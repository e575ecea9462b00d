import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config/herald-config.js';
import { ADMIN_CREDENTIALS_FILE } from '../../src/modules/auth/bootstrap-admin.js';
import { eventually, tempDir } from './temp.js';
import { mapLimited } from './concurrency.js';

export interface Credentials {
  appKey: string;
  appSecret: string;
}

export interface Response<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** A tiny HTTP client for e2e tests: JSON in, JSON out, HTTP Basic credentials. */
export class Api {
  constructor(
    readonly baseUrl: string,
    readonly credentials?: Credentials,
  ) {}

  as(credentials: Credentials | undefined): Api {
    return new Api(this.baseUrl, credentials);
  }

  async request<T = any>(method: string, path: string, body?: unknown, init: { raw?: string; headers?: Record<string, string>; redirect?: 'follow' | 'manual' } = {}): Promise<Response<T>> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.credentials) headers.authorization = `Basic ${Buffer.from(`${this.credentials.appKey}:${this.credentials.appSecret}`).toString('base64')}`;
    let payload: string | undefined;
    if (init.raw !== undefined) payload = init.raw;
    else if (body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body: payload, redirect: init.redirect });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: keep the text.
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  get = <T = any>(path: string) => this.request<T>('GET', path);
  post = <T = any>(path: string, body?: unknown) => this.request<T>('POST', path, body);
  put = <T = any>(path: string, body?: unknown) => this.request<T>('PUT', path, body);
  delete = <T = any>(path: string) => this.request<T>('DELETE', path);
}

export interface RunningApp {
  app: NestFastifyApplication;
  api: Api;
  admin: Credentials;
  dataDir: string;
  baseUrl: string;
  /** Stops the app; safe to call again (the test's cleanup calls it too). */
  close: () => Promise<void>;
}

/**
 * Starts Herald in this process on a free loopback port with its own data directory.
 * `beforeListen` sees the app before its routes are registered (to add a Fastify hook).
 */
export async function startApp(t: TestContext, env: Record<string, string> = {}, beforeListen?: (app: NestFastifyApplication) => void): Promise<RunningApp> {
  const dataDir = env.DATA_DIR ?? tempDir(t); // a second app may share the first one's data
  const config = loadConfig({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'error', ...env });
  const app = await createApp(config);
  beforeListen?.(app);
  await app.listen(0, '127.0.0.1');
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= app.close());
  t.after(close);
  const address = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const admin = JSON.parse(readFileSync(join(dataDir, ADMIN_CREDENTIALS_FILE), 'utf8')) as Credentials;
  return { app, api: new Api(baseUrl, admin), admin, dataDir, baseUrl, close };
}

export const apnsToken = (n: number): string => n.toString(16).padStart(64, '0');

export async function createUser(api: Api, userId: string, profile: Record<string, unknown> = { email: `${userId}@example.com`, phone: '+447700900123' }): Promise<void> {
  const res = await api.put(`/v1/users/${userId}`, profile);
  if (res.status !== 201 && res.status !== 200) throw new Error(`could not create ${userId}: ${res.status} ${JSON.stringify(res.body)}`);
}

const ENDED = new Set(['sent', 'failed', 'canceled']);
/** Whether every delivery of a notification's view has ended (sent, failed or canceled). */
const finished = (view: { deliveries?: { status: string }[] }): boolean => !!view.deliveries?.length && view.deliveries.every((d) => ENDED.has(d.status));

/** Waits until every delivery of a notification has ended (sent, failed or canceled); returns its view. */
export function notificationFinished(api: Api, id: string, timeoutMs = 15_000) {
  return eventually(async () => {
    const view = (await api.get(`/v1/notifications/${id}`)).body;
    return finished(view) ? view : undefined;
  }, timeoutMs, `notification ${id} to finish`);
}

/** Waits until every delivery of every one of these notifications has ended; returns their answers, in order. */
export function notificationsFinished(api: Api, ids: string[], timeoutMs: number) {
  return eventually(async () => {
    const all = await mapLimited(ids, 16, (id) => api.get(`/v1/notifications/${id}`));
    return all.every((v) => v.status === 200 && finished(v.body)) ? all : undefined;
  }, timeoutMs, `${ids.length} notifications to finish`);
}

/** Every entry of the sandbox outbox, oldest first, over every page (`query`: more filters, e.g. `&userId=ada`). */
export async function sandboxOutbox(api: Api, query = ''): Promise<{ deliveryId: string; userId: string; recordedAt: string }[]> {
  const entries: { deliveryId: string; userId: string; recordedAt: string }[] = [];
  for (let after = 0; ; ) {
    const page = await api.get<{ entries: { deliveryId: string; userId: string; recordedAt: string }[]; next: number }>(`/v1/sandbox/outbox?limit=1000&after=${after}${query}`);
    if (page.status !== 200) throw new Error(`GET /v1/sandbox/outbox: ${page.status} ${JSON.stringify(page.body)}`);
    if (page.body.entries.length === 0) return entries;
    entries.push(...page.body.entries);
    after = page.body.next;
  }
}

/** How many times the sandbox provider was called for each delivery, over every page of the outbox (`query`: more filters, e.g. `&userId=ada`). */
export async function sandboxSendsPerDelivery(api: Api, query = ''): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const e of await sandboxOutbox(api, query)) counts.set(e.deliveryId, (counts.get(e.deliveryId) ?? 0) + 1);
  return counts;
}
