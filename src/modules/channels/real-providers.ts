import type { HeraldConfig } from '../../config/herald-config.js';
import type { ChannelQueue } from '../queues/queue.port.js';
import type { ChannelProvider } from './provider.port.js';

/** The providers whose credentials are configured; the others fall back to the sandbox. */
export function realProviders(config: HeraldConfig): Partial<Record<ChannelQueue, ChannelProvider>> {
  void config;
  return {};
}
