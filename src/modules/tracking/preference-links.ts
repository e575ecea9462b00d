import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import { TRACKING_TOKENS } from './tracking-keys.js';
import type { TrackingTokens } from './tracking-token.js';

/** As long as an unsubscribe link is meant to keep working: an email read months later still opens its page. */
export const PREFERENCE_LINK_LIFETIME_MS = 365 * 24 * 3_600_000;

export interface PreferenceLink {
  url: string;
  token: string;
  /** ISO 8601. */
  expiresAt: string;
}

/** Links to a user's hosted preference page (/p/:token), signed like every tracking link. */
@Injectable()
export class PreferenceLinks {
  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    @Inject(TRACKING_TOKENS) private readonly tokens: TrackingTokens,
  ) {}

  /**
   * Valid for a year from `issuedAtMs`. An email's link is issued at the notification's request
   * time, so a retried send carries the same link; a minted one at the moment it is asked for.
   */
  linkFor(userId: string, issuedAtMs: number): PreferenceLink {
    const expiresAt = Math.floor((issuedAtMs + PREFERENCE_LINK_LIFETIME_MS) / 1000);
    const token = this.tokens.sign({ kind: 'preferences', userId, expiresAt });
    return { url: `${this.config.tracking.publicBaseUrl}/p/${token}`, token, expiresAt: new Date(expiresAt * 1000).toISOString() };
  }
}
