import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import { TRACKING_TOKENS } from './tracking-keys.js';
import type { TrackingTokens } from './tracking-token.js';

/** What an email's unsubscribe link is minted from: the delivery job's fields. */
export interface UnsubscribableEmail {
  userId: string;
  category: string;
  channel: string;
  critical: boolean;
  requestedAt: string;
}

/**
 * The List-Unsubscribe headers (RFC 2369) with one-click (RFC 8058) of a non-critical email:
 * mailbox providers show an unsubscribe button and POST to the URL. Critical categories
 * (security, billing) cannot be opted out of, so they offer no unsubscribe.
 */
@Injectable()
export class UnsubscribeLinks {
  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    @Inject(TRACKING_TOKENS) private readonly tokens: TrackingTokens,
  ) {}

  headersFor(email: UnsubscribableEmail): Record<string, string> {
    if (email.channel !== 'email' || email.critical) return {};
    // Issued at the request, not the attempt, so a retried send carries the same link.
    const issuedAt = Math.floor(Date.parse(email.requestedAt) / 1000);
    const token = this.tokens.sign({ kind: 'unsubscribe', userId: email.userId, category: email.category, channel: 'email', issuedAt });
    const { publicBaseUrl, unsubscribeMailto } = this.config.tracking;
    const mailto = unsubscribeMailto ? `, <mailto:${unsubscribeMailto}?subject=unsubscribe-${token}>` : '';
    return { 'List-Unsubscribe': `<${publicBaseUrl}/u/${token}>${mailto}`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
  }
}
