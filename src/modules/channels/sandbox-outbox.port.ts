import type { ChannelQueue } from '../queues/queue.port.js';
import type { OutboundMessage } from './provider.port.js';

export const SANDBOX_OUTBOX = Symbol('SandboxOutbox');

export interface OutboxEntry {
  /** Orders the entries; page with `after`. */
  seq: number;
  id: string;
  queue: string;
  deliveryId: string;
  notificationId: string;
  userId: string;
  target: unknown;
  message: unknown;
  recordedAt: string;
}

export interface OutboxFilter {
  queue?: string;
  userId?: string;
  notificationId?: string;
  /** Entries with a greater seq only. */
  after?: number;
  limit: number;
}

/**
 * What the sandbox provider would have sent: shared by every process of a deployment, so any
 * API process lists what any worker recorded.
 */
export interface SandboxOutbox {
  /** Records one message; answers the provider message id it was given. */
  record(queue: ChannelQueue, message: OutboundMessage): Promise<string>;
  /** Oldest first. */
  list(filter: OutboxFilter): Promise<OutboxEntry[]>;
}
