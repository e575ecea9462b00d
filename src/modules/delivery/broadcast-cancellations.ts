import { Inject, Injectable } from '@nestjs/common';
import { broadcastStream } from '../../domain/broadcast/broadcast.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';

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
  private readonly reads = new Map<string, { current: Promise<boolean> | null; next: Promise<boolean> | null }>();

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  isCanceled(broadcastId: string): Promise<boolean> {
    if (this.canceled.has(broadcastId)) return Promise.resolve(true);
    let slot = this.reads.get(broadcastId);
    if (!slot) this.reads.set(broadcastId, (slot = { current: null, next: null }));
    if (!slot.current) return (slot.current = this.read(broadcastId, slot));
    // A read in flight began before this question: join the one after it.
    slot.next ??= slot.current.then(() => {
      slot.next = null;
      return (slot.current = this.read(broadcastId, slot));
    });
    return slot.next;
  }

  private async read(broadcastId: string, slot: { current: Promise<boolean> | null; next: Promise<boolean> | null }): Promise<boolean> {
    try {
      const events = await this.store.readStream(broadcastStream(broadcastId), { direction: 'backwards', maxCount: 2 });
      const canceled = events.some((e) => e.type === 'BroadcastCanceled' || (e.type === 'BroadcastFinished' && (e.data as { outcome: string }).outcome === 'canceled'));
      if (canceled) this.canceled.add(broadcastId);
      return canceled;
    } finally {
      slot.current = null;
      if (!slot.next) this.reads.delete(broadcastId);
    }
  }
}
