import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import { READ_MODEL_DB, type ReadModelDb } from '../read-models/read-model-db.port.js';

export interface ConsoleSession {
  appKey: string;
  expiresAt: number;
}

/** The table keeps a digest: the id itself exists only in the browser's cookie. */
const digest = (id: string): string => createHash('sha256').update(id).digest('hex');

/**
 * Server-side sessions of the operator console, in the read-model database so that any API
 * process answers any session, and signing out (deleting the row) takes effect everywhere.
 * An id is 32 random bytes: guessing one is not a plan.
 */
@Injectable()
export class ConsoleSessions {
  constructor(
    @Inject(READ_MODEL_DB) private readonly db: ReadModelDb,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
  ) {}

  get ttlMs(): number {
    return this.config.console.sessionTtlMs;
  }

  /** A new session for the client; returns the id to put in the cookie. Expired sessions are swept on the way. */
  async open(appKey: string, now = Date.now()): Promise<{ id: string; expiresAt: number }> {
    const id = randomBytes(32).toString('base64url');
    const expiresAt = now + this.ttlMs;
    await this.db.execute('DELETE FROM console_sessions WHERE expires_at <= $1', [now]);
    await this.db.execute('INSERT INTO console_sessions (id_hash, app_key, created_at, expires_at) VALUES ($1, $2, $3, $4)', [digest(id), appKey, new Date(now).toISOString(), expiresAt]);
    return { id, expiresAt };
  }

  /** The live session with this id, or undefined (unknown, signed out or expired). */
  async find(id: string, now = Date.now()): Promise<ConsoleSession | undefined> {
    const [row] = await this.db.query<{ app_key: string; expires_at: number | string }>('SELECT app_key, expires_at FROM console_sessions WHERE id_hash = $1', [digest(id)]);
    if (!row || Number(row.expires_at) <= now) return undefined;
    return { appKey: row.app_key, expiresAt: Number(row.expires_at) };
  }

  async close(id: string): Promise<void> {
    await this.db.execute('DELETE FROM console_sessions WHERE id_hash = $1', [digest(id)]);
  }
}
