import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import { TRACKING_TOKENS } from '../tracking/tracking-keys.js';
import type { TrackingTokens } from '../tracking/tracking-token.js';

export interface InboxToken {
  token: string;
  /** ISO 8601. */
  expiresAt: string;
}

/** What a presented subscriber token comes to: whose feed, until when (epoch ms), or why not. */
export type TokenCheck = { ok: true; userId: string; expiresAtMs: number; appKey?: string } | { ok: false; reason: 'missing' | 'invalid' | 'expired' };

/**
 * Subscriber tokens: a browser's short-lived access to one user's in-app feed, minted by the
 * customer's backend (which holds the appSecret) and signed like every tracking link, with the
 * same key ring, so rotating TRACKING_SECRET rotates these too.
 */
@Injectable()
export class InboxTokens {
  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    @Inject(TRACKING_TOKENS) private readonly tokens: TrackingTokens,
  ) {}

  /** `appKey` is the minting client's: its inbox origins are the pages that may use the token. */
  mint(userId: string, appKey: string, nowMs: number, ttlMs = this.config.inbox.tokenTtlMs): InboxToken {
    const expiresAt = Math.floor((nowMs + ttlMs) / 1000);
    return { token: this.tokens.sign({ kind: 'inbox', userId, expiresAt, appKey }), expiresAt: new Date(expiresAt * 1000).toISOString() };
  }

  check(token: string | undefined, nowMs: number): TokenCheck {
    if (!token) return { ok: false, reason: 'missing' };
    const claim = this.tokens.verify(token);
    if (claim?.kind !== 'inbox') return { ok: false, reason: 'invalid' };
    if (claim.expiresAt * 1000 <= nowMs) return { ok: false, reason: 'expired' };
    return { ok: true, userId: claim.userId, expiresAtMs: claim.expiresAt * 1000, ...(claim.appKey === undefined ? {} : { appKey: claim.appKey }) };
  }
}
