import { readFileSync } from 'node:fs';
import type { RateLimit } from '../domain/recipient/policy.js';
import { parseDuration, parseRate } from './duration.js';

export type Env = Record<string, string | undefined>;

export interface ConfigIssue {
  variable: string;
  message: string;
}

/** The configuration does not parse: every bad variable, so an operator fixes them in one go. */
export class ConfigError extends Error {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(
      `Herald's configuration is invalid (${issues.length === 1 ? '1 variable' : `${issues.length} variables`}):\n${issues.map((i) => `  ${i.variable}: ${i.message}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

/**
 * Reads environment variables. A value that does not parse is recorded, not thrown, and the
 * default stands in for it so the rest is still read; `assertValid` then names them all.
 * An empty variable counts as unset.
 */
export class EnvReader {
  private readonly issues: ConfigIssue[] = [];

  constructor(private readonly env: Env) {}

  report(variable: string, message: string): void {
    this.issues.push({ variable, message });
  }

  /** Throws a ConfigError when any variable was reported. */
  assertValid(): void {
    if (this.issues.length > 0) throw new ConfigError(this.issues);
  }

  string(name: string): string | undefined;
  string(name: string, fallback: string): string;
  string(name: string, fallback?: string): string | undefined {
    const raw = this.env[name];
    return raw === undefined || raw === '' ? fallback : raw;
  }

  int(name: string, fallback: number, { min = 0, max = Number.MAX_SAFE_INTEGER }: { min?: number; max?: number } = {}): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (Number.isInteger(value) && value >= min && value <= max) return value;
    this.report(name, `"${raw}" is not a whole number${max === Number.MAX_SAFE_INTEGER ? ` of at least ${min}` : ` from ${min} to ${max}`}`);
    return fallback;
  }

  /** A fraction greater than 0 and at most 1. */
  fraction(name: string, fallback: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (value > 0 && value <= 1) return value;
    this.report(name, `"${raw}" is not a number greater than 0 and at most 1`);
    return fallback;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
    this.report(name, `"${raw}" is not true or false (also accepted: 1/0, yes/no)`);
    return fallback;
  }

  /** Milliseconds, from "500ms", "30s", "5m", "24h" or "7d"; `fallback` is written the same way. */
  duration(name: string, fallback: string): number {
    const raw = this.string(name, fallback);
    const value = parseDuration(raw);
    if (value !== undefined) return value;
    this.report(name, `"${raw}" is not a duration like 500ms, 30s, 5m, 24h or 7d`);
    return parseDuration(fallback)!;
  }

  /** "20/1h": at most 20 in any hour. */
  rate(name: string, fallback: string): RateLimit {
    const raw = this.string(name, fallback);
    const value = parseRate(raw);
    if (value !== undefined) return value;
    this.report(name, `"${raw}" is not a rate like 20/1h (a count, then a duration)`);
    return parseRate(fallback)!;
  }

  oneOf<T extends string>(name: string, options: readonly T[], fallback: T, { caseInsensitive = false } = {}): T {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const value = caseInsensitive ? raw.toUpperCase() : raw;
    if ((options as readonly string[]).includes(value)) return value as T;
    this.report(name, `"${raw}" must be ${options.slice(0, -1).join(', ')}${options.length > 1 ? ' or ' : ''}${options[options.length - 1]}`);
    return fallback;
  }

  /**
   * An absolute URL with one of `schemes` ("https", "redis"...), as written. Unset: the
   * fallback, or undefined; `requiredWhen` ("when QUEUE=bullmq") makes unset an error.
   */
  url(name: string, schemes: readonly string[], { fallback, requiredWhen }: { fallback?: string; requiredWhen?: string } = {}): string | undefined {
    const raw = this.string(name) ?? fallback;
    if (raw === undefined) {
      if (requiredWhen) this.report(name, `not set; it is required ${requiredWhen}`);
      return undefined;
    }
    if (URL.canParse(raw) && schemes.includes(new URL(raw).protocol.slice(0, -1))) return raw;
    // A connection URL may carry a password: the message does not repeat it.
    const shown = raw.replace(/(\/\/[^/@:]*:)[^/@]*@/, '$1***@');
    this.report(name, `"${shown}" is not a URL starting with ${schemes.map((s) => `${s}://`).join(' or ')}`);
    return fallback;
  }

  /** A PostgreSQL schema name: it is written into SQL, so only lowercase letters, digits and _. */
  schema(name: string, fallback: string): string {
    const raw = this.string(name, fallback);
    if (/^[a-z_][a-z0-9_]*$/.test(raw)) return raw;
    this.report(name, `"${raw}" is not a schema name (lowercase letters, digits and _, not starting with a digit)`);
    return fallback;
  }

  /** A secret from NAME, or read from the file NAME_FILE names (a mounted secret). */
  secret(name: string): string | undefined {
    const file = this.string(`${name}_FILE`);
    if (file === undefined) return this.string(name);
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      this.report(`${name}_FILE`, `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
      return undefined;
    }
  }
}
