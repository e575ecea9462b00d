import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CategoryPolicy, RecipientPolicy } from '../domain/recipient/policy.js';
import { CHANNELS } from '../domain/recipient/values.js';
import { parseDuration, parseRate } from './duration.js';
import { processPlan, type ChildProcessSpec } from './process-plan.js';
import { ROLES, type Role } from './roles.js';

export const HERALD_CONFIG = Symbol('HeraldConfig');

export { ROLES, type Role } from './roles.js';

export interface ChannelSettings {
  concurrency: number;
  /** Provider calls started per second (0: unlimited). */
  ratePerSecond: number;
  maxAttempts: number;
}

export interface ProviderSettings {
  apns: { teamId: string; keyId: string; signingKey: string; topic: string; endpoint: string } | null;
  fcm: { serviceAccount: { project_id: string; client_email: string; private_key: string }; endpoint: string; tokenUrl: string } | null;
  vonage: { apiKey: string; apiSecret: string; from: string; restUrl: string } | null;
  mailgun: { apiKey: string; domain: string; from: string; url: string } | null;
  timeoutMs: number;
  /** Whether a call that got no answer (it may have been delivered) goes to the next provider of the chain at once. */
  failoverAfterTimeout: boolean;
}

export interface WebhookSettings {
  /** Webhook calls in flight per worker process. */
  concurrency: number;
  timeoutMs: number;
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Outcomes older than this are not turned into webhooks (a refill of lost queues does not replay history). */
  maxEventAgeMs: number;
}

export interface HeraldConfig {
  /** The roles this process runs itself. */
  roles: Set<Role>;
  /** Processes this one starts and supervises (HERALD_PROCESSES=split). */
  children: ChildProcessSpec[];
  /** leaseMs: how long a job stays with a worker that stopped renewing it (a killed worker's job then runs again). */
  queue: ({ kind: 'sqlite'; file: string } | { kind: 'bullmq'; redisUrl: string; prefix: string }) & { leaseMs: number };
  channels: Record<'apns' | 'fcm' | 'sms' | 'email', ChannelSettings>;
  retry: { baseDelayMs: number; maxDelayMs: number };
  breaker: { failureRate: number; minimumCalls: number; windowMs: number; openMs: number };
  providers: ProviderSettings;
  alerts: { webhookUrl: string | null; dedupWindowMs: number };
  queueAlerts: { maxDepth: number; maxAgeMs: number; intervalMs: number };
  webhooks: WebhookSettings;
  host: string;
  port: number;
  dataDir: string;
  eventStore:
    | { kind: 'sqlite'; file: string; synchronous: 'FULL' | 'NORMAL'; busyTimeoutMs: number }
    | { kind: 'eventstoredb'; url: string }
    | { kind: 'postgres'; url: string; schema: string };
  readModels: { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; schema: string };
  policy: RecipientPolicy;
  actors: { maxActors: number; idleMs: number };
  http: { bodyLimitBytes: number; clientRateLimitPerSecond: number; trustProxy: boolean; clientSecretGraceMs: number };
  bootstrapAdmin: boolean;
  tracking: TrackingSettings;
  shutdownGraceMs: number;
  /** How long a dead projector or dispatcher keeps its lease before a standby takes over. */
  projectionLeaseMs: number;
  logLevel: string;
  /** One info line per answered request. */
  accessLog: boolean;
}

export interface TrackingSettings {
  /** Rewrite email links and add an open pixel. */
  email: boolean;
  /** The signing key for tracking links; null: generated once and kept in DATA_DIR. */
  secret: string | null;
  /** Earlier signing keys: links signed with them still verify, so keys can rotate. */
  previousSecrets: string[];
  /** Where recipients reach Herald's /t/ routes, without a trailing slash. */
  publicBaseUrl: string;
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name}: "${raw}" is not a non-negative integer`);
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
  throw new Error(`${name}: "${raw}" is not true or false`);
}

/**
 * CATEGORY_POLICIES is JSON: {"security": {"critical": true}, "marketing": {"push": "2/1d"}}.
 */
function categoryPolicies(raw: string | undefined): Record<string, CategoryPolicy> {
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error('CATEGORY_POLICIES is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('CATEGORY_POLICIES must be a JSON object');
  const out: Record<string, CategoryPolicy> = Object.create(null);
  for (const [category, value] of Object.entries(parsed as Record<string, Record<string, unknown>>)) {
    const policy: CategoryPolicy = { critical: value.critical === true, rateLimits: {} };
    for (const channel of CHANNELS) {
      const rate = value[channel];
      if (typeof rate === 'string') policy.rateLimits![channel] = parseRate(rate, `CATEGORY_POLICIES.${category}.${channel}`);
    }
    out[category] = policy;
  }
  return out;
}

function readSecret(env: Env, name: string): string | undefined {
  const file = env[`${name}_FILE`];
  if (file) {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      throw new Error(`${name}_FILE: cannot read ${file}`);
    }
  }
  return env[name] || undefined;
}

/** A provider is configured when all its credentials are; partly configured is an error. */
function provider<T>(name: string, values: Record<string, string | undefined>, build: (v: Record<string, string>) => T): T | null {
  const missing = Object.entries(values).filter(([, v]) => !v).map(([k]) => k);
  if (missing.length === Object.keys(values).length) return null;
  if (missing.length > 0) throw new Error(`${name}: set ${missing.join(', ')} too, or none of its variables (sandbox)`);
  return build(values as Record<string, string>);
}

function providers(env: Env): ProviderSettings {
  const account = readSecret(env, 'FCM_SERVICE_ACCOUNT');
  let serviceAccount: { project_id: string; client_email: string; private_key: string } | undefined;
  if (account) {
    try {
      serviceAccount = JSON.parse(account);
    } catch {
      throw new Error('FCM_SERVICE_ACCOUNT is not a service-account JSON document');
    }
  }
  return {
    apns: provider('APNs', { APNS_TEAM_ID: env.APNS_TEAM_ID, APNS_KEY_ID: env.APNS_KEY_ID, APNS_SIGNING_KEY: readSecret(env, 'APNS_SIGNING_KEY'), APNS_TOPIC: env.APNS_TOPIC }, (v) => ({
      teamId: v.APNS_TEAM_ID!,
      keyId: v.APNS_KEY_ID!,
      signingKey: v.APNS_SIGNING_KEY!,
      topic: v.APNS_TOPIC!,
      endpoint: env.APNS_ENDPOINT || 'https://api.push.apple.com',
    })),
    fcm: serviceAccount
      ? { serviceAccount, endpoint: env.FCM_ENDPOINT || 'https://fcm.googleapis.com', tokenUrl: env.FCM_TOKEN_URL || 'https://oauth2.googleapis.com/token' }
      : null,
    vonage: provider('Vonage', { VONAGE_API_KEY: env.VONAGE_API_KEY, VONAGE_API_SECRET: readSecret(env, 'VONAGE_API_SECRET'), VONAGE_FROM: env.VONAGE_FROM }, (v) => ({
      apiKey: v.VONAGE_API_KEY!,
      apiSecret: v.VONAGE_API_SECRET!,
      from: v.VONAGE_FROM!,
      restUrl: env.VONAGE_REST_URL || 'https://rest.nexmo.com',
    })),
    mailgun: provider('Mailgun', { MAILGUN_API_KEY: readSecret(env, 'MAILGUN_API_KEY'), MAILGUN_DOMAIN: env.MAILGUN_DOMAIN, MAILGUN_FROM: env.MAILGUN_FROM }, (v) => ({
      apiKey: v.MAILGUN_API_KEY!,
      domain: v.MAILGUN_DOMAIN!,
      from: v.MAILGUN_FROM!,
      url: env.MAILGUN_URL || 'https://api.mailgun.net',
    })),
    timeoutMs: parseDuration(env.PROVIDER_TIMEOUT || '10s', 'PROVIDER_TIMEOUT'),
    failoverAfterTimeout: bool(env, 'FAILOVER_AFTER_TIMEOUT', false),
  };
}

function tracking(env: Env, host: string, port: number): TrackingSettings {
  const secret = readSecret(env, 'TRACKING_SECRET')?.trim() || null;
  const previousSecrets = (readSecret(env, 'TRACKING_PREVIOUS_SECRETS') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const [name, value] of [['TRACKING_SECRET', secret], ...previousSecrets.map((v) => ['TRACKING_PREVIOUS_SECRETS', v] as const)] as const) {
    if (value !== null && value.length < 32) throw new Error(`${name}: a tracking key needs at least 32 characters`);
  }
  const base = env.PUBLIC_BASE_URL || `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new Error(`PUBLIC_BASE_URL: "${base}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('PUBLIC_BASE_URL must be an http or https URL');
  return { email: bool(env, 'EMAIL_TRACKING', true), secret, previousSecrets, publicBaseUrl: url.href.replace(/\/+$/, '') };
}

function channel(env: Env, prefix: string, defaults: ChannelSettings): ChannelSettings {
  return {
    concurrency: Math.max(1, int(env, `${prefix}_CONCURRENCY`, defaults.concurrency)),
    ratePerSecond: int(env, `${prefix}_RATE_LIMIT`, defaults.ratePerSecond),
    maxAttempts: Math.max(1, int(env, `${prefix}_MAX_ATTEMPTS`, defaults.maxAttempts)),
  };
}

function roles(raw: string | undefined): Set<Role> {
  if (!raw) return new Set(ROLES);
  const list = raw.split(',').map((r) => r.trim()).filter(Boolean);
  const unknown = list.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (unknown.length > 0 || list.length === 0) throw new Error(`HERALD_ROLES: "${raw}" must list roles from ${ROLES.join(', ')}`);
  return new Set(list as Role[]);
}

export function loadConfig(env: Env = process.env): HeraldConfig {
  const dataDir = resolve(env.DATA_DIR || 'data');
  const kind = env.EVENT_STORE || 'sqlite';
  if (kind !== 'sqlite' && kind !== 'eventstoredb' && kind !== 'postgres') throw new Error(`EVENT_STORE: "${kind}" must be sqlite, eventstoredb or postgres`);
  if (kind === 'eventstoredb' && !env.EVENTSTORE_URL) throw new Error('EVENTSTORE_URL is required when EVENT_STORE=eventstoredb');
  if (kind === 'postgres' && !env.DATABASE_URL) throw new Error('DATABASE_URL is required when EVENT_STORE=postgres');
  const synchronous = (env.SQLITE_SYNCHRONOUS || 'FULL').toUpperCase();
  if (synchronous !== 'FULL' && synchronous !== 'NORMAL') throw new Error('SQLITE_SYNCHRONOUS must be FULL or NORMAL');
  const queueKind = env.QUEUE || 'sqlite';
  if (queueKind !== 'sqlite' && queueKind !== 'bullmq') throw new Error(`QUEUE: "${queueKind}" must be sqlite or bullmq`);
  if (queueKind === 'bullmq' && !env.REDIS_URL) throw new Error('REDIS_URL is required when QUEUE=bullmq');
  const port = int(env, 'PORT', 3000);
  const leaseMs = parseDuration(env.JOB_LEASE || '30s', 'JOB_LEASE');
  if (leaseMs < 1000) throw new Error('JOB_LEASE must be at least 1s');
  const plan = processPlan(env, roles(env.HERALD_ROLES), port);
  return {
    roles: plan.roles,
    children: plan.children,
    queue: queueKind === 'sqlite' ? { kind: 'sqlite', file: resolve(dataDir, 'queue.db'), leaseMs } : { kind: 'bullmq', redisUrl: env.REDIS_URL!, prefix: env.REDIS_PREFIX || 'herald', leaseMs },
    channels: {
      apns: channel(env, 'APNS', { concurrency: 64, ratePerSecond: 0, maxAttempts: 8 }),
      fcm: channel(env, 'FCM', { concurrency: 64, ratePerSecond: 0, maxAttempts: 8 }),
      sms: channel(env, 'SMS', { concurrency: 16, ratePerSecond: 30, maxAttempts: 6 }),
      email: channel(env, 'EMAIL', { concurrency: 32, ratePerSecond: 0, maxAttempts: 8 }),
    },
    retry: {
      baseDelayMs: parseDuration(env.RETRY_BASE_DELAY || '2s', 'RETRY_BASE_DELAY'),
      maxDelayMs: parseDuration(env.RETRY_MAX_DELAY || '10m', 'RETRY_MAX_DELAY'),
    },
    breaker: {
      failureRate: Number(env.BREAKER_FAILURE_RATE || '0.5'),
      minimumCalls: int(env, 'BREAKER_MIN_CALLS', 10),
      windowMs: parseDuration(env.BREAKER_WINDOW || '30s', 'BREAKER_WINDOW'),
      openMs: parseDuration(env.BREAKER_OPEN || '15s', 'BREAKER_OPEN'),
    },
    providers: providers(env),
    alerts: { webhookUrl: env.ALERT_WEBHOOK_URL || null, dedupWindowMs: parseDuration(env.ALERT_DEDUP_WINDOW || '10m', 'ALERT_DEDUP_WINDOW') },
    queueAlerts: {
      maxDepth: int(env, 'QUEUE_ALERT_DEPTH', 50_000),
      maxAgeMs: parseDuration(env.QUEUE_ALERT_AGE || '5m', 'QUEUE_ALERT_AGE'),
      intervalMs: parseDuration(env.QUEUE_ALERT_INTERVAL || '15s', 'QUEUE_ALERT_INTERVAL'),
    },
    webhooks: {
      concurrency: Math.max(1, int(env, 'WEBHOOK_CONCURRENCY', 16)),
      timeoutMs: parseDuration(env.WEBHOOK_TIMEOUT || '10s', 'WEBHOOK_TIMEOUT'),
      maxAttempts: Math.max(1, int(env, 'WEBHOOK_MAX_ATTEMPTS', 10)),
      baseDelayMs: parseDuration(env.WEBHOOK_RETRY_BASE_DELAY || '5s', 'WEBHOOK_RETRY_BASE_DELAY'),
      maxDelayMs: parseDuration(env.WEBHOOK_RETRY_MAX_DELAY || '1h', 'WEBHOOK_RETRY_MAX_DELAY'),
      maxEventAgeMs: parseDuration(env.WEBHOOK_MAX_EVENT_AGE || '24h', 'WEBHOOK_MAX_EVENT_AGE'),
    },
    host: env.HOST || '127.0.0.1',
    port,
    dataDir,
    eventStore:
      kind === 'sqlite'
        ? { kind, file: resolve(dataDir, 'events.db'), synchronous, busyTimeoutMs: parseDuration(env.SQLITE_BUSY_TIMEOUT || '5s', 'SQLITE_BUSY_TIMEOUT') }
        : kind === 'eventstoredb'
          ? { kind, url: env.EVENTSTORE_URL! }
          : // The log sits beside the read models unless told otherwise: one database to run and back up.
            { kind, url: env.DATABASE_URL!, schema: env.EVENT_STORE_SCHEMA || env.DATABASE_SCHEMA || 'public' },
    readModels: env.DATABASE_URL ? { kind: 'postgres', url: env.DATABASE_URL, schema: env.DATABASE_SCHEMA || 'public' } : { kind: 'sqlite', file: resolve(dataDir, 'read-models.db') },
    policy: {
      rateLimits: {
        push: parseRate(env.RATE_LIMIT_PUSH || '20/1h', 'RATE_LIMIT_PUSH'),
        sms: parseRate(env.RATE_LIMIT_SMS || '5/1d', 'RATE_LIMIT_SMS'),
        email: parseRate(env.RATE_LIMIT_EMAIL || '10/1h', 'RATE_LIMIT_EMAIL'),
      },
      categories: categoryPolicies(env.CATEGORY_POLICIES),
      idempotencyWindowMs: parseDuration(env.IDEMPOTENCY_WINDOW || '24h', 'IDEMPOTENCY_WINDOW'),
      contentDedupWindowMs: parseDuration(env.CONTENT_DEDUP_WINDOW || '5m', 'CONTENT_DEDUP_WINDOW'),
    },
    actors: {
      maxActors: int(env, 'ACTOR_MAX', 100_000),
      idleMs: parseDuration(env.ACTOR_IDLE || '5m', 'ACTOR_IDLE'),
    },
    http: {
      bodyLimitBytes: int(env, 'HTTP_BODY_LIMIT', 4 * 1024 * 1024),
      clientRateLimitPerSecond: int(env, 'CLIENT_RATE_LIMIT', 2000),
      trustProxy: bool(env, 'TRUST_PROXY', false),
      clientSecretGraceMs: parseDuration(env.CLIENT_SECRET_GRACE || '24h', 'CLIENT_SECRET_GRACE'),
    },
    bootstrapAdmin: bool(env, 'BOOTSTRAP_ADMIN', true),
    tracking: tracking(env, env.HOST || '127.0.0.1', port),
    shutdownGraceMs: parseDuration(env.SHUTDOWN_GRACE || '30s', 'SHUTDOWN_GRACE'),
    projectionLeaseMs: parseDuration(env.PROJECTION_LEASE || '15s', 'PROJECTION_LEASE'),
    logLevel: env.LOG_LEVEL || 'info',
    accessLog: bool(env, 'ACCESS_LOG', true),
  };
}
