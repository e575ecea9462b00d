import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import type { RenderedMessage } from '../channels/provider.port.js';
import { appendOpenPixel, rewriteHtmlLinks, rewriteTextLinks } from './email-links.js';
import { TRACKING_TOKENS } from './tracking-keys.js';
import type { TrackingTokens } from './tracking-token.js';

/** Makes an email trackable: each http(s) link goes through /t/c/:token, and the HTML gets an open pixel. */
@Injectable()
export class EmailTracking {
  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    @Inject(TRACKING_TOKENS) private readonly tokens: TrackingTokens,
  ) {}

  apply(delivery: { notificationId: string; deliveryId: string; channel: string }, message: RenderedMessage): RenderedMessage {
    if (delivery.channel !== 'email' || !this.config.tracking.email) return message;
    const { notificationId, deliveryId } = delivery;
    const base = this.config.tracking.publicBaseUrl;
    const click = (url: string) => `${base}/t/c/${this.tokens.sign({ kind: 'click', notificationId, deliveryId, url })}`;
    const tracked = { ...message };
    if (message.text) tracked.text = rewriteTextLinks(message.text, click);
    if (message.html) tracked.html = appendOpenPixel(rewriteHtmlLinks(message.html, click), `${base}/t/o/${this.tokens.sign({ kind: 'open', notificationId, deliveryId })}`);
    return tracked;
  }
}
