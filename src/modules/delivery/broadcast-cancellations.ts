import { Inject, Injectable } from '@nestjs/common';
import { broadcastStream } from '../../domain/broadcast/broadcast.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { SharedRead } from '../event-store/shared-read.js';

/**
 * Whether a broadcast was canceled, as a worker asks right before calling a provider for a
 * member's delivery. A cancel is followed on the broadcast's stream by at most its
 * BroadcastFinished, so the last two events tell. Each answer comes from a read of the stream
 * begun after the question was asked, so a delivery started after a cancel was recorded is never
 * sent; workers asking together share that one read.
 */
@Injectable()
export class BroadcastCancellations {
  private readonly canceled = new Set<string>();
  private readonly reads = new Map<string, SharedRead<boolean>>();

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async isCanceled(broadcastId: string): Promise<boolean> {
    if (this.canceled.has(broadcastId)) return true;
    let read = this.reads.get(broadcastId);
    if (!read) this.reads.set(broadcastId, (read = new SharedRead(() => this.read(broadcastId))));
    try {
      return await read.fresh();
    } finally {
      if (read.idle && this.reads.get(broadcastId) === read) this.reads.delete(broadcastId);
    }
  }

  private async read(broadcastId: string): Promise<boolean> {
    const events = await this.store.readStream(broadcastStream(broadcastId), { direction: 'backwards', maxCount: 2 });
    const canceled = events.some((e) => e.type === 'BroadcastCanceled' || (e.type === 'BroadcastFinished' && (e.data as { outcome: string }).outcome === 'canceled'));
    if (canceled) this.canceled.add(broadcastId);
    return canceled;
  }
}
