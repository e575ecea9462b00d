import type { DeliveryLifecycleEvent } from '../domain/notification/delivery-lifecycle.js';
import type { DigestFlushedData, RecipientEvent } from '../domain/recipient/events.js';
import { deliveryDueAt } from '../domain/recipient/deferral.js';
import type { EventType } from '../domain/events.js';
import type { RecordedEvent } from '../modules/event-store/event-store.port.js';
import { DELIVERY_QUEUES, broadcastLane, type ChannelQueue, type EnqueueBatch, type QueueBackend } from '../modules/queues/queue.port.js';
import type { DeliveryJob } from './delivery-job.js';
import type { CheckpointedSink } from './projection-runner.js';

/**
 * Turns each NotificationRequested (and each DigestFlushed) into one job per delivery on its provider's queue
 * (job id = delivery id; delayed until it is due: sendAt, or the end of the quiet hours that
 * deferred it), then checkpoints. The checkpoint is stored
 * by the queue backend itself, so if the queues are lost, so is the checkpoint, and the
 * dispatcher refills them from the log; the job ids and the workers' terminal-state check
 * make the overlap harmless. A NotificationCanceled takes its deliveries' jobs back before
 * they start, so scheduled jobs of a canceled notification leave the queues' depth. A broadcast
 * member's deliveries go to the channel's broadcast lane instead (see `broadcastLane`).
 */
type Requested = Extract<RecipientEvent, { type: 'NotificationRequested' }>['data'];
const textOf = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function requestJobs(event: RecordedEvent<Requested>): { data: DeliveryJob; dueAt: string | null }[] {
  const d = event.data;
  return d.deliveries.map((delivery) => ({
    dueAt: deliveryDueAt(d, delivery),
    data: {
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
      correlationId: textOf(event.metadata.correlationId),
      appKey: textOf(event.metadata.appKey),
      ...(d.broadcastId ? { broadcastId: d.broadcastId } : {}),
    },
  }));
}

/** A digest's deliveries are the digest's own: its id names their lifecycle, its items are the template's params. */
function digestJobs(event: RecordedEvent<DigestFlushedData>): { data: DeliveryJob; dueAt: string | null }[] {
  const d = event.data;
  const params = { items: d.items, count: d.count, firstAt: d.firstAt, lastAt: d.lastAt };
  return d.deliveries.map((delivery) => ({
    dueAt: delivery.deferred?.until ?? null,
    data: {
      notificationId: d.digestId,
      deliveryId: delivery.deliveryId,
      digestId: d.digestId,
      userId: d.userId,
      category: d.category,
      priority: 'normal',
      critical: false,
      channel: delivery.channel,
      queue: delivery.queue,
      target: delivery.target,
      content: { kind: 'template', templateId: d.templateId, version: null, params },
      sendAt: null,
      requestedAt: d.flushedAt,
      correlationId: textOf(event.metadata.correlationId),
      appKey: null,
    },
  }));
}

export class DispatchProjection implements CheckpointedSink {
  readonly name = 'dispatch';
  readonly filter = { eventTypes: ['NotificationRequested', 'DigestFlushed', 'NotificationCanceled'] satisfies EventType[] };

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
      for (const job of event.type === 'DigestFlushed' ? digestJobs(event as RecordedEvent<DigestFlushedData>) : requestJobs(event as RecordedEvent<Requested>)) {
        const dueAt = job.dueAt;
        const delayMs = dueAt ? Math.max(0, Date.parse(dueAt) - now) : 0;
        const queue = job.data.broadcastId ? broadcastLane(job.data.queue as ChannelQueue) : job.data.queue;
        const batch = byQueue.get(queue) ?? { queue, channel: job.data.channel, jobs: [] };
        batch.jobs.push({ jobId: job.data.deliveryId, data: job.data, ...(delayMs > 0 ? { delayMs } : {}) });
        byQueue.set(queue, batch);
      }
    }
    const batches = [...byQueue.values()].map(({ queue, jobs }) => ({ queue, jobs }));
    const checkpoint = { projection: this.name, position: last };
    if (canceled.length === 0) await this.queues.enqueue(batches, checkpoint);
    else {
      // In log order: a job requested and canceled within this batch is enqueued, then withdrawn.
      // The event does not say which queue holds a delivery; there are only a few to ask.
      await this.queues.enqueue(batches);
      for (const queue of DELIVERY_QUEUES) await this.queues.withdraw(queue, canceled);
      await this.queues.enqueue([], checkpoint);
    }
    for (const batch of byQueue.values()) this.onEnqueued(batch.queue, batch.channel, batch.jobs.length);
  }
}
