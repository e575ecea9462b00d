const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "500ms", "30s", "5m", "24h", "7d" -> milliseconds. */
export function parseDuration(value: string, name: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value.trim());
  if (!match) throw new Error(`${name}: "${value}" is not a duration like 30s, 5m, 24h or 7d`);
  return Math.round(Number(match[1]) * UNITS[match[2]!]!);
}

/** "20/1h" -> 20 per hour. */
export function parseRate(value: string, name: string): { limit: number; windowMs: number } {
  const [count, window] = value.split('/');
  const limit = Number(count);
  if (!Number.isInteger(limit) || limit < 0 || !window) throw new Error(`${name}: "${value}" is not a rate like 20/1h`);
  return { limit, windowMs: parseDuration(window, name) };
}
