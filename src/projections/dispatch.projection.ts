import type { RecipientEvent } from '../domain/recipient/events.js';
import type { RecordedEvent } from '../modules/event-store/event-store.port.js';
import type { EnqueueBatch, QueueBackend } from '../modules/queues/queue.port.js';
import type { CheckpointedSink } from './projection-runner.js';

export interface DeliveryJob {
  notificationId: string;
  deliveryId: string;
  userId: string;
  category: string;
  priority: 'high' | 'normal' | 'low';
  critical: boolean;
  channel: 'push' | 'sms' | 'email';
  queue: string;
  target: Extract<RecipientEvent, { type: 'NotificationRequested' }>['data']['deliveries'][number]['target'];
  content: Extract<RecipientEvent, { type: 'NotificationRequested' }>['data']['content'];
  sendAt: string | null;
  requestedAt: string;
  correlationId: string | null;
  appKey: string | null;
}

export const DISPATCH_CHECKPOINT = 'dispatch';

/**
 * Turns each NotificationRequested into one job per delivery on its provider's queue
 * (job id = delivery id; delayed until sendAt), then checkpoints. The checkpoint is stored
 * by the queue backend itself, so if the queues are lost, so is the checkpoint, and the
 * dispatcher refills them from the log; the job ids and the workers' terminal-state check
 * make the overlap harmless.
 */
export class DispatchProjection implements CheckpointedSink {
  readonly name = DISPATCH_CHECKPOINT;
  readonly filter = { eventTypes: ['NotificationRequested'] };

  constructor(
    private readonly queues: QueueBackend,
    private readonly onEnqueued: (queue: string, channel: string, count: number) => void = () => undefined,
    private readonly clock: () => number = Date.now,
  ) {}

  async checkpoint(): Promise<bigint> {
    return (await this.queues.checkpoint(DISPATCH_CHECKPOINT)) ?? 0n;
  }

  async commit(events: RecordedEvent[], last: bigint): Promise<void> {
    const byQueue = new Map<string, EnqueueBatch & { channel: string }>();
    const now = this.clock();
    for (const event of events) {
      const d = (event as RecordedEvent<Extract<RecipientEvent, { type: 'NotificationRequested' }>['data']>).data;
      const delayMs = d.sendAt ? Math.max(0, Date.parse(d.sendAt) - now) : 0;
      for (const delivery of d.deliveries) {
        const job: DeliveryJob = {
          notificationId: d.notificationId,
          deliveryId: delivery.deliveryId,
          userId: d.userId,
          category: d.category,
          priority: d.priority,
          critical: d.critical,
          channel: delivery.channel,
          queue: delivery.queue,
          target: delivery.target,
          content: d.content,
          sendAt: d.sendAt,
          requestedAt: d.requestedAt,
          correlationId: typeof event.metadata.correlationId === 'string' ? event.metadata.correlationId : null,
          appKey: typeof event.metadata.appKey === 'string' ? event.metadata.appKey : null,
        };
        const batch = byQueue.get(delivery.queue) ?? { queue: delivery.queue, channel: delivery.channel, jobs: [] };
        batch.jobs.push({ jobId: delivery.deliveryId, data: job, ...(delayMs > 0 ? { delayMs } : {}) });
        byQueue.set(delivery.queue, batch);
      }
    }
    await this.queues.enqueue([...byQueue.values()].map(({ queue, jobs }) => ({ queue, jobs })), { name: DISPATCH_CHECKPOINT, position: last });
    for (const batch of byQueue.values()) this.onEnqueued(batch.queue, batch.channel, batch.jobs.length);
  }
}
