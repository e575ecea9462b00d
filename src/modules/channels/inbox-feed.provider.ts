import type { ChannelProvider, OutboundMessage, SendResult } from './provider.port.js';

/**
 * The in-app channel's provider: the user's feed in Herald itself. There is no one to call; the
 * delivery worker records the item on the notification's stream (InboxItemAdded with
 * NotificationSent), and the feed read model shows it from there. Its message id is the
 * delivery id, which is also the item's id.
 */
export class InboxFeedProvider implements ChannelProvider {
  readonly name = 'inbox';
  readonly queue = 'inapp' as const;

  async send(message: OutboundMessage): Promise<SendResult> {
    return { providerMessageId: message.deliveryId };
  }

  async close(): Promise<void> {}
}
