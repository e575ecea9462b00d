import type { ChannelQueue } from '../queues/queue.port.js';
import type { ChannelProvider, OutboundMessage, SendResult } from './provider.port.js';
import type { SandboxOutbox } from './sandbox-outbox.port.js';

/**
 * Where messages go when a channel has no provider credentials: the outbox records exactly what
 * would have been sent, so the embedded profile works end to end.
 */
export class SandboxProvider implements ChannelProvider {
  readonly name = 'sandbox';

  constructor(
    readonly queue: ChannelQueue,
    private readonly outbox: SandboxOutbox,
  ) {}

  async send(message: OutboundMessage): Promise<SendResult> {
    return { providerMessageId: await this.outbox.record(this.queue, message) };
  }

  async close(): Promise<void> {}
}
