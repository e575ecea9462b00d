import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HeraldConfig } from '../../config/herald-config.js';
import { TrackingTokens } from './tracking-token.js';

export const TRACKING_TOKENS = Symbol('TrackingTokens');
export const TRACKING_SECRET_FILE = 'tracking-secret';

/**
 * TRACKING_SECRET when set; otherwise a key generated on first start and kept in DATA_DIR
 * (owner-only), like the bootstrap admin's credentials, so the embedded profile needs no setup
 * and links survive restarts. Processes that do not share DATA_DIR must share TRACKING_SECRET.
 */
export function loadTrackingTokens(config: HeraldConfig): TrackingTokens {
  return new TrackingTokens(config.tracking.secret ?? persistedSecret(config.dataDir), config.tracking.previousSecrets);
}

function persistedSecret(dataDir: string): string {
  const file = join(dataDir, TRACKING_SECRET_FILE);
  try {
    // 'wx': of two processes starting together, one writes and the other reads what it wrote.
    writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    new Logger('Tracking').warn({ msg: 'TRACKING_SECRET is not set: generated a tracking-link key in this file (owner-only)', file });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < 32) throw new Error(`${file}: the tracking key is too short; delete the file to generate a new one`);
  return secret;
}
