import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/** One member's decision for a broadcast, as its recipient stream recorded it. */
export interface MemberDecision {
  position: number;
  userId: string;
  notificationId: string;
  accepted: boolean;
  deliveryIds: string[];
}

/** A delivery's terminal outcome (sent, failed or canceled) and where the log has it. */
export interface DeliveryOutcome {
  type: 'NotificationSent' | 'NotificationFailed' | 'NotificationCanceled';
  position: number;
}

/** What an embedded data directory's log holds of one broadcast: its members' decisions, their deliveries' outcomes, its pages and its end. */
export interface BroadcastLog {
  decisions: MemberDecision[];
  /** Every terminal outcome of each of the members' deliveries (exactly one each, once they all ended). */
  outcomes: Map<string, DeliveryOutcome[]>;
  pages: { page: number; decided: number; position: number }[];
  /** The cancel, when there was one: its position and the time it was written (ms). */
  canceled: { position: number; at: number } | null;
  finished: { position: number; outcome: string } | null;
}

const TYPES = ['NotificationRequested', 'NotificationSuppressed', 'NotificationSent', 'NotificationFailed', 'NotificationCanceled', 'BroadcastPageDecided', 'BroadcastCanceled', 'BroadcastFinished'];

/** Read straight from events.db (read-only, beside a running Herald or after it). */
export function readBroadcastLog(dataDir: string, broadcastId: string): BroadcastLog {
  const db = new DatabaseSync(join(dataDir, 'events.db'), { readOnly: true });
  try {
    const rows = db.prepare(`SELECT position, type, data, created_at FROM events WHERE type IN (${TYPES.map(() => '?').join(', ')}) ORDER BY position`).all(...TYPES) as {
      position: number;
      type: string;
      data: string;
      created_at: number;
    }[];
    const log: BroadcastLog = { decisions: [], outcomes: new Map(), pages: [], canceled: null, finished: null };
    const ended: { deliveryId: string; outcome: DeliveryOutcome }[] = [];
    for (const row of rows) {
      const data = JSON.parse(row.data);
      switch (row.type) {
        case 'NotificationRequested':
        case 'NotificationSuppressed':
          if (data.broadcastId !== broadcastId) break;
          log.decisions.push({
            position: row.position,
            userId: data.userId,
            notificationId: data.notificationId,
            accepted: row.type === 'NotificationRequested',
            deliveryIds: (data.deliveries ?? []).map((d: { deliveryId: string }) => d.deliveryId),
          });
          break;
        case 'NotificationSent':
        case 'NotificationFailed':
          ended.push({ deliveryId: data.deliveryId, outcome: { type: row.type, position: row.position } });
          break;
        case 'NotificationCanceled':
          for (const deliveryId of data.deliveryIds) ended.push({ deliveryId, outcome: { type: 'NotificationCanceled', position: row.position } });
          break;
        case 'BroadcastPageDecided':
          if (data.broadcastId === broadcastId) log.pages.push({ page: data.page, decided: data.decided, position: row.position });
          break;
        case 'BroadcastCanceled':
          if (data.broadcastId === broadcastId) log.canceled = { position: row.position, at: row.created_at };
          break;
        case 'BroadcastFinished':
          if (data.broadcastId === broadcastId) log.finished = { position: row.position, outcome: data.outcome };
          break;
      }
    }
    const members = new Set(log.decisions.flatMap((d) => d.deliveryIds));
    for (const { deliveryId, outcome } of ended) {
      if (members.has(deliveryId)) log.outcomes.set(deliveryId, [...(log.outcomes.get(deliveryId) ?? []), outcome]);
    }
    return log;
  } finally {
    db.close();
  }
}
