import { resolve } from 'node:path';
import type { CategoryPolicy, RecipientPolicy } from '../domain/recipient/policy.js';
import { CHANNELS } from '../domain/recipient/values.js';
import { parseDuration, parseRate } from './duration.js';

export const HERALD_CONFIG = Symbol('HeraldConfig');

export interface HeraldConfig {
  host: string;
  port: number;
  dataDir: string;
  eventStore: { kind: 'sqlite'; file: string; synchronous: 'FULL' | 'NORMAL' } | { kind: 'eventstoredb'; url: string };
  readModelFile: string;
  policy: RecipientPolicy;
  actors: { maxActors: number; idleMs: number };
  http: { bodyLimitBytes: number; clientRateLimitPerSecond: number; trustProxy: boolean };
  bootstrapAdmin: boolean;
  logLevel: string;
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

export function loadConfig(env: Env = process.env): HeraldConfig {
  const dataDir = resolve(env.DATA_DIR || 'data');
  const kind = env.EVENT_STORE || 'sqlite';
  if (kind !== 'sqlite' && kind !== 'eventstoredb') throw new Error(`EVENT_STORE: "${kind}" must be sqlite or eventstoredb`);
  if (kind === 'eventstoredb' && !env.EVENTSTORE_URL) throw new Error('EVENTSTORE_URL is required when EVENT_STORE=eventstoredb');
  const synchronous = (env.SQLITE_SYNCHRONOUS || 'FULL').toUpperCase();
  if (synchronous !== 'FULL' && synchronous !== 'NORMAL') throw new Error('SQLITE_SYNCHRONOUS must be FULL or NORMAL');
  return {
    host: env.HOST || '127.0.0.1',
    port: int(env, 'PORT', 3000),
    dataDir,
    eventStore:
      kind === 'sqlite'
        ? { kind, file: resolve(dataDir, 'events.db'), synchronous }
        : { kind, url: env.EVENTSTORE_URL! },
    readModelFile: resolve(dataDir, 'read-models.db'),
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
    },
    bootstrapAdmin: bool(env, 'BOOTSTRAP_ADMIN', true),
    logLevel: env.LOG_LEVEL || 'info',
  };
}
