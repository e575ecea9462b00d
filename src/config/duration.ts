import type { RateLimit } from '../domain/recipient/policy.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "500ms", "30s", "5m", "24h", "7d" -> milliseconds; undefined when it is not a duration. */
export function parseDuration(value: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value.trim());
  return match ? Math.round(Number(match[1]) * UNITS[match[2]!]!) : undefined;
}

/** "20/1h" -> 20 per hour; undefined when it is not a rate. */
export function parseRate(value: string): RateLimit | undefined {
  const [count, window, ...rest] = value.split('/');
  const limit = count?.trim() ? Number(count) : Number.NaN;
  const windowMs = window === undefined ? undefined : parseDuration(window);
  return Number.isInteger(limit) && limit >= 0 && windowMs !== undefined && rest.length === 0 ? { limit, windowMs } : undefined;
}
