import type { DeliveryLifecycleEvent } from '../domain/notification/delivery-lifecycle.js';
import type { RecipientEvent } from '../domain/recipient/events.js';
import { deliveryDueAt } from '../domain/recipient/deferral.js';
import type { EventType } from '../domain/events.js';
import type { RecordedEvent } from '../modules/event-store/event-store.port.js';
import { CHANNEL_QUEUES, type EnqueueBatch, type QueueBackend } from '../modules/queues/queue.port.js';
import type { DeliveryJob } from './delivery-job.js';
import type { CheckpointedSink } from './projection-runner.js';

/**
 * Turns each NotificationRequested into one job per delivery on its provider's queue
 * (job id = delivery id; delayed until it is due: sendAt, or the end of the quiet hours that
 * deferred it), then checkpoints. The checkpoint is stored
 * by the queue backend itself, so if the queues are lost, so is the checkpoint, and the
 * dispatcher refills them from the log; the job ids and the workers' terminal-state check
 * make the overlap harmless. A NotificationCanceled takes its deliveries' jobs back before
 * they start, so scheduled jobs of a canceled notification leave the queues' depth.
 */
export class DispatchProjection implements CheckpointedSink {
  readonly name = 'dispatch';
  readonly filter = { eventTypes: ['NotificationRequested', 'NotificationCanceled'] satisfies EventType[] };

  constructor(
    private readonly queues: QueueBackend,
    private readonly onEnqueued: (queue: string, channel: string, count: number) => void = () => undefined,
    private readonly clock: () => number = Date.now,
  ) {}

  async checkpoint(): Promise<bigint> {
    return (await this.queues.projectionCheckpoint(this.name)) ?? 0n;
  }

  async commit(events: RecordedEvent[], last: bigint): Promise<void> {
    const byQueue = new Map<string, EnqueueBatch & { channel: string }>();
    const now = this.clock();
    const canceled: string[] = [];
    for (const event of events) {
      if (event.type === 'NotificationCanceled') {
        canceled.push(...(event as RecordedEvent<Extract<DeliveryLifecycleEvent, { type: 'NotificationCanceled' }>['data']>).data.deliveryIds);
        continue;
      }
      const d = (event as RecordedEvent<Extract<RecipientEvent, { type: 'NotificationRequested' }>['data']>).data;
      for (const delivery of d.deliveries) {
        const dueAt = deliveryDueAt(d, delivery);
        const delayMs = dueAt ? Math.max(0, Date.parse(dueAt) - now) : 0;
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
    const batches = [...byQueue.values()].map(({ queue, jobs }) => ({ queue, jobs }));
    const checkpoint = { projection: this.name, position: last };
    if (canceled.length === 0) await this.queues.enqueue(batches, checkpoint);
    else {
      // In log order: a job requested and canceled within this batch is enqueued, then withdrawn.
      // The event does not say which queue holds a delivery; there are only four to ask.
      await this.queues.enqueue(batches);
      for (const queue of CHANNEL_QUEUES) await this.queues.withdraw(queue, canceled);
      await this.queues.enqueue([], checkpoint);
    }
    for (const batch of byQueue.values()) this.onEnqueued(batch.queue, batch.channel, batch.jobs.length);
  }
}
