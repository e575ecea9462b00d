import { resolve } from 'node:path';
import type { CategoryPolicy, RecipientPolicy } from '../domain/recipient/policy.js';
import { CHANNELS } from '../domain/recipient/values.js';
import { parseRate } from './duration.js';
import { ConfigError, EnvReader, type Env } from './env-reader.js';
import { processPlan, type ChildProcessSpec } from './process-plan.js';
import { ROLES, type Role } from './roles.js';

export const HERALD_CONFIG = Symbol('HeraldConfig');

export { ROLES, type Role } from './roles.js';
export { ConfigError, type ConfigIssue } from './env-reader.js';

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

const HTTP = ['http', 'https'];
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const CATEGORY_SETTINGS = ['critical', ...CHANNELS];

/**
 * CATEGORY_POLICIES is JSON: {"security": {"critical": true}, "marketing": {"push": "2/1d"}}.
 * A misspelt setting would otherwise be ignored without a word, so every key is checked.
 */
function categoryPolicies(read: EnvReader): Record<string, CategoryPolicy> {
  const raw = read.string('CATEGORY_POLICIES');
  const out: Record<string, CategoryPolicy> = Object.create(null);
  if (raw === undefined) return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    read.report('CATEGORY_POLICIES', `not valid JSON (${(error as Error).message})`);
    return out;
  }
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(parsed)) {
    read.report('CATEGORY_POLICIES', 'not a JSON object of categories, like {"security": {"critical": true}, "marketing": {"push": "2/1d"}}');
    return out;
  }
  for (const [category, value] of Object.entries(parsed)) {
    if (!isObject(value)) {
      read.report('CATEGORY_POLICIES', `${category}: must be an object of settings (${CATEGORY_SETTINGS.join(', ')})`);
      continue;
    }
    const policy: CategoryPolicy = { critical: false, rateLimits: {} };
    for (const [key, setting] of Object.entries(value)) {
      if (key === 'critical') {
        if (typeof setting === 'boolean') policy.critical = setting;
        else read.report('CATEGORY_POLICIES', `${category}.critical: ${JSON.stringify(setting)} is not true or false`);
      } else if ((CHANNELS as readonly string[]).includes(key)) {
        const rate = typeof setting === 'string' ? parseRate(setting) : undefined;
        if (rate) policy.rateLimits![key as (typeof CHANNELS)[number]] = rate;
        else read.report('CATEGORY_POLICIES', `${category}.${key}: ${JSON.stringify(setting)} is not a rate like "20/1h"`);
      } else {
        read.report('CATEGORY_POLICIES', `${category}.${key}: unknown setting (known: ${CATEGORY_SETTINGS.join(', ')})`);
      }
    }
    out[category] = policy;
  }
  return out;
}

/** A provider is configured when all its credentials are; partly configured is an error. */
function provider<T>(read: EnvReader, name: string, values: Record<string, string | undefined>, build: (v: Record<string, string>) => T): T | null {
  const missing = Object.entries(values).filter(([, v]) => !v).map(([k]) => k);
  if (missing.length === Object.keys(values).length) return null;
  if (missing.length > 0) {
    for (const variable of missing) read.report(variable, `not set, but ${name} is partly configured: set all of ${Object.keys(values).join(', ')}, or none of them for the sandbox`);
    return null;
  }
  return build(values as Record<string, string>);
}

function serviceAccount(read: EnvReader): { project_id: string; client_email: string; private_key: string } | undefined {
  const account = read.secret('FCM_SERVICE_ACCOUNT');
  if (account === undefined) return undefined;
  const variable = read.string('FCM_SERVICE_ACCOUNT_FILE') ? 'FCM_SERVICE_ACCOUNT_FILE' : 'FCM_SERVICE_ACCOUNT';
  let parsed: unknown;
  try {
    parsed = JSON.parse(account);
  } catch {
    read.report(variable, 'not a service-account JSON document');
    return undefined;
  }
  const fields = ['project_id', 'client_email', 'private_key'] as const;
  const missing = fields.filter((f) => typeof (parsed as Record<string, unknown> | null)?.[f] !== 'string');
  if (missing.length > 0) {
    read.report(variable, `not a service-account JSON document: it lacks ${missing.join(', ')}`);
    return undefined;
  }
  return parsed as { project_id: string; client_email: string; private_key: string };
}

function providers(read: EnvReader): ProviderSettings {
  const account = serviceAccount(read);
  return {
    apns: provider(read, 'APNs', { APNS_TEAM_ID: read.string('APNS_TEAM_ID'), APNS_KEY_ID: read.string('APNS_KEY_ID'), APNS_SIGNING_KEY: read.secret('APNS_SIGNING_KEY'), APNS_TOPIC: read.string('APNS_TOPIC') }, (v) => ({
      teamId: v.APNS_TEAM_ID!,
      keyId: v.APNS_KEY_ID!,
      signingKey: v.APNS_SIGNING_KEY!,
      topic: v.APNS_TOPIC!,
      endpoint: read.url('APNS_ENDPOINT', HTTP, { fallback: 'https://api.push.apple.com' })!,
    })),
    fcm: account
      ? { serviceAccount: account, endpoint: read.url('FCM_ENDPOINT', HTTP, { fallback: 'https://fcm.googleapis.com' })!, tokenUrl: read.url('FCM_TOKEN_URL', HTTP, { fallback: 'https://oauth2.googleapis.com/token' })! }
      : null,
    vonage: provider(read, 'Vonage', { VONAGE_API_KEY: read.string('VONAGE_API_KEY'), VONAGE_API_SECRET: read.secret('VONAGE_API_SECRET'), VONAGE_FROM: read.string('VONAGE_FROM') }, (v) => ({
      apiKey: v.VONAGE_API_KEY!,
      apiSecret: v.VONAGE_API_SECRET!,
      from: v.VONAGE_FROM!,
      restUrl: read.url('VONAGE_REST_URL', HTTP, { fallback: 'https://rest.nexmo.com' })!,
    })),
    mailgun: provider(read, 'Mailgun', { MAILGUN_API_KEY: read.secret('MAILGUN_API_KEY'), MAILGUN_DOMAIN: read.string('MAILGUN_DOMAIN'), MAILGUN_FROM: read.string('MAILGUN_FROM') }, (v) => ({
      apiKey: v.MAILGUN_API_KEY!,
      domain: v.MAILGUN_DOMAIN!,
      from: v.MAILGUN_FROM!,
      url: read.url('MAILGUN_URL', HTTP, { fallback: 'https://api.mailgun.net' })!,
    })),
    timeoutMs: read.duration('PROVIDER_TIMEOUT', '10s'),
    failoverAfterTimeout: read.bool('FAILOVER_AFTER_TIMEOUT', false),
  };
}

function tracking(read: EnvReader, host: string, port: number): TrackingSettings {
  const secret = read.secret('TRACKING_SECRET')?.trim() || null;
  const previousSecrets = (read.secret('TRACKING_PREVIOUS_SECRETS') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (secret !== null && secret.length < 32) read.report('TRACKING_SECRET', 'a tracking key needs at least 32 characters');
  if (previousSecrets.some((s) => s.length < 32)) read.report('TRACKING_PREVIOUS_SECRETS', 'a tracking key needs at least 32 characters');
  const listening = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const base = read.url('PUBLIC_BASE_URL', HTTP) ?? listening;
  if (!URL.canParse(base)) read.report('HOST', `"${host}" does not make a URL for tracking links (${listening}): set PUBLIC_BASE_URL`);
  const publicBaseUrl = URL.canParse(base) ? new URL(base).href.replace(/\/+$/, '') : listening;
  return { email: read.bool('EMAIL_TRACKING', true), secret, previousSecrets, publicBaseUrl };
}

function channel(read: EnvReader, prefix: string, defaults: ChannelSettings): ChannelSettings {
  return {
    concurrency: Math.max(1, read.int(`${prefix}_CONCURRENCY`, defaults.concurrency)),
    ratePerSecond: read.int(`${prefix}_RATE_LIMIT`, defaults.ratePerSecond),
    maxAttempts: Math.max(1, read.int(`${prefix}_MAX_ATTEMPTS`, defaults.maxAttempts)),
  };
}

function roles(read: EnvReader): Set<Role> {
  const raw = read.string('HERALD_ROLES');
  if (raw === undefined) return new Set(ROLES);
  const list = raw.split(',').map((r) => r.trim()).filter(Boolean);
  const unknown = list.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (unknown.length > 0 || list.length === 0) {
    read.report('HERALD_ROLES', `"${raw}" must list roles from ${ROLES.join(', ')}`);
    return new Set(ROLES);
  }
  return new Set(list as Role[]);
}

/**
 * The configuration from the environment. Every variable that does not parse is reported
 * together in one ConfigError, not one per start.
 */
export function loadConfig(env: Env = process.env): HeraldConfig {
  const read = new EnvReader(env);
  const dataDir = resolve(read.string('DATA_DIR', 'data'));
  const kind = read.oneOf('EVENT_STORE', ['sqlite', 'eventstoredb', 'postgres'], 'sqlite');
  const eventStoreUrl = kind === 'eventstoredb' ? read.url('EVENTSTORE_URL', ['esdb', 'esdb+discover'], { requiredWhen: 'when EVENT_STORE=eventstoredb' }) : undefined;
  const databaseUrl = read.url('DATABASE_URL', ['postgres', 'postgresql'], kind === 'postgres' ? { requiredWhen: 'when EVENT_STORE=postgres' } : {});
  const synchronous = read.oneOf('SQLITE_SYNCHRONOUS', ['FULL', 'NORMAL'], 'FULL', { caseInsensitive: true });
  const queueKind = read.oneOf('QUEUE', ['sqlite', 'bullmq'], 'sqlite');
  const redisUrl = queueKind === 'bullmq' ? read.url('REDIS_URL', ['redis', 'rediss'], { requiredWhen: 'when QUEUE=bullmq' }) : undefined;
  const host = read.string('HOST', '127.0.0.1');
  const port = read.int('PORT', 3000, { max: 65_535 });
  const leaseMs = read.duration('JOB_LEASE', '30s');
  if (leaseMs < 1000) read.report('JOB_LEASE', `"${read.string('JOB_LEASE')}" is shorter than the 1s minimum`);
  const plan = processPlan(read, roles(read), port);
  const readModelsSchema = read.schema('DATABASE_SCHEMA', 'public');
  const config: HeraldConfig = {
    roles: plan.roles,
    children: plan.children,
    queue: queueKind === 'bullmq' && redisUrl ? { kind: 'bullmq', redisUrl, prefix: read.string('REDIS_PREFIX', 'herald'), leaseMs } : { kind: 'sqlite', file: resolve(dataDir, 'queue.db'), leaseMs },
    channels: {
      apns: channel(read, 'APNS', { concurrency: 64, ratePerSecond: 0, maxAttempts: 8 }),
      fcm: channel(read, 'FCM', { concurrency: 64, ratePerSecond: 0, maxAttempts: 8 }),
      sms: channel(read, 'SMS', { concurrency: 16, ratePerSecond: 30, maxAttempts: 6 }),
      email: channel(read, 'EMAIL', { concurrency: 32, ratePerSecond: 0, maxAttempts: 8 }),
    },
    retry: {
      baseDelayMs: read.duration('RETRY_BASE_DELAY', '2s'),
      maxDelayMs: read.duration('RETRY_MAX_DELAY', '10m'),
    },
    breaker: {
      failureRate: read.fraction('BREAKER_FAILURE_RATE', 0.5),
      minimumCalls: read.int('BREAKER_MIN_CALLS', 10),
      windowMs: read.duration('BREAKER_WINDOW', '30s'),
      openMs: read.duration('BREAKER_OPEN', '15s'),
    },
    providers: providers(read),
    alerts: { webhookUrl: read.url('ALERT_WEBHOOK_URL', HTTP) ?? null, dedupWindowMs: read.duration('ALERT_DEDUP_WINDOW', '10m') },
    queueAlerts: {
      maxDepth: read.int('QUEUE_ALERT_DEPTH', 50_000),
      maxAgeMs: read.duration('QUEUE_ALERT_AGE', '5m'),
      intervalMs: read.duration('QUEUE_ALERT_INTERVAL', '15s'),
    },
    webhooks: {
      concurrency: Math.max(1, read.int('WEBHOOK_CONCURRENCY', 16)),
      timeoutMs: read.duration('WEBHOOK_TIMEOUT', '10s'),
      maxAttempts: Math.max(1, read.int('WEBHOOK_MAX_ATTEMPTS', 10)),
      baseDelayMs: read.duration('WEBHOOK_RETRY_BASE_DELAY', '5s'),
      maxDelayMs: read.duration('WEBHOOK_RETRY_MAX_DELAY', '1h'),
      maxEventAgeMs: read.duration('WEBHOOK_MAX_EVENT_AGE', '24h'),
    },
    host,
    port,
    dataDir,
    eventStore:
      kind === 'eventstoredb' && eventStoreUrl
        ? { kind, url: eventStoreUrl }
        : kind === 'postgres' && databaseUrl
          ? // The log sits beside the read models unless told otherwise: one database to run and back up.
            { kind, url: databaseUrl, schema: read.schema('EVENT_STORE_SCHEMA', readModelsSchema) }
          : { kind: 'sqlite', file: resolve(dataDir, 'events.db'), synchronous, busyTimeoutMs: read.duration('SQLITE_BUSY_TIMEOUT', '5s') },
    readModels: databaseUrl ? { kind: 'postgres', url: databaseUrl, schema: readModelsSchema } : { kind: 'sqlite', file: resolve(dataDir, 'read-models.db') },
    policy: {
      rateLimits: {
        push: read.rate('RATE_LIMIT_PUSH', '20/1h'),
        sms: read.rate('RATE_LIMIT_SMS', '5/1d'),
        email: read.rate('RATE_LIMIT_EMAIL', '10/1h'),
      },
      categories: categoryPolicies(read),
      idempotencyWindowMs: read.duration('IDEMPOTENCY_WINDOW', '24h'),
      contentDedupWindowMs: read.duration('CONTENT_DEDUP_WINDOW', '5m'),
    },
    actors: {
      maxActors: read.int('ACTOR_MAX', 100_000, { min: 1 }),
      idleMs: read.duration('ACTOR_IDLE', '5m'),
    },
    http: {
      bodyLimitBytes: read.int('HTTP_BODY_LIMIT', 4 * 1024 * 1024),
      clientRateLimitPerSecond: read.int('CLIENT_RATE_LIMIT', 2000),
      trustProxy: read.bool('TRUST_PROXY', false),
      clientSecretGraceMs: read.duration('CLIENT_SECRET_GRACE', '24h'),
    },
    bootstrapAdmin: read.bool('BOOTSTRAP_ADMIN', true),
    tracking: tracking(read, host, port),
    shutdownGraceMs: read.duration('SHUTDOWN_GRACE', '30s'),
    projectionLeaseMs: read.duration('PROJECTION_LEASE', '15s'),
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    accessLog: read.bool('ACCESS_LOG', true),
  };
  read.assertValid();
  return config;
}

/**
 * For the entry points: a configuration that does not parse ends the process with exit code 1
 * and every bad variable named on stderr, rather than a stack trace from whichever came first.
 */
export function loadConfigOrExit(env: Env = process.env): HeraldConfig {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
