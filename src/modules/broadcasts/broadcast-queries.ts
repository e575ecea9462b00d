import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { BroadcastState } from '../../domain/broadcast/broadcast.js';
import type { ProjectionRunner } from '../../projections/projection-runner.js';
import { READ_MODEL_DB, type ReadModelDb } from '../read-models/read-model-db.port.js';
import { BROADCASTS_RUNNER } from '../read-models/read-models.module.js';
import { BROADCAST_DELIVERY_STATUSES } from '../read-models/migrations.js';
import { BROADCAST_ACTORS, type BroadcastActors } from './broadcast-actors.js';

export interface BroadcastFilters {
  status?: string;
  topic?: string;
  category?: string;
  cursor?: string;
  limit: number;
}

const audienceView = (kind: string, topic: string | null) => ({ kind, ...(topic ? { topic } : {}) });

/**
 * A broadcast's progress: its decisions from its own stream (exact, at once), its members'
 * deliveries from the broadcasts read model (which trails the log a little); the list from the
 * read model.
 */
@Injectable()
export class BroadcastQueries {
  constructor(
    @Inject(BROADCAST_ACTORS) private readonly broadcasts: BroadcastActors,
    @Inject(READ_MODEL_DB) private readonly db: ReadModelDb,
    @Inject(BROADCASTS_RUNNER) private readonly projection: ProjectionRunner,
  ) {}

  async state(broadcastId: string): Promise<BroadcastState> {
    const { state } = await this.broadcasts.read(broadcastId, { fresh: true });
    if (state.request === null) throw new NotFoundException({ statusCode: 404, error: 'Not Found', message: `no broadcast ${broadcastId}` });
    return state;
  }

  async get(broadcastId: string) {
    const state = await this.state(broadcastId);
    const request = state.request!;
    await this.projection.caughtUpWithLog();
    type Row = { canceled_at: string | null; finished_at: string | null } & Record<`deliveries_${(typeof BROADCAST_DELIVERY_STATUSES)[number]}`, number | string>;
    const [row] = await this.db.query<Row>(`SELECT canceled_at, finished_at, ${BROADCAST_DELIVERY_STATUSES.map((s) => `deliveries_${s}`).join(', ')} FROM broadcasts WHERE broadcast_id = $1`, [broadcastId]);
    const deliveries = Object.fromEntries(BROADCAST_DELIVERY_STATUSES.map((s) => [s, Number(row?.[`deliveries_${s}`] ?? 0)])) as Record<(typeof BROADCAST_DELIVERY_STATUSES)[number], number>;
    const { decided, accepted, suppressed, unknownUser } = state.totals;
    return {
      broadcastId,
      status: state.status!,
      audience: audienceView(request.audience.kind, request.audience.kind === 'topic' ? request.audience.topicKey : null),
      category: request.category,
      audienceSize: state.audienceSize,
      decided,
      accepted,
      suppressed,
      unknownUser,
      remaining: state.audienceSize === null ? 0 : Math.max(0, state.audienceSize - decided),
      deliveries: { total: Object.values(deliveries).reduce((n, c) => n + c, 0), ...deliveries },
      requestedAt: request.requestedAt,
      canceledAt: row?.canceled_at ?? null,
      finishedAt: row?.finished_at ?? null,
    };
  }

  async list(filters: BroadcastFilters) {
    await this.projection.caughtUpWithLog();
    const where: string[] = [];
    const params: (string | number)[] = [];
    const add = (sql: string, value: string) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filters.status) add('status = ?', filters.status);
    if (filters.topic) add('topic_key = ?', filters.topic);
    if (filters.category) add('category = ?', filters.category);
    // Newest first; the cursor is the last row's requested_at and id.
    if (filters.cursor) {
      const [at, id] = filters.cursor.split('|');
      params.push(at ?? '', id ?? '');
      where.push(`(requested_at < $${params.length - 1} OR (requested_at = $${params.length - 1} AND broadcast_id < $${params.length}))`);
    }
    params.push(filters.limit + 1);
    const rows = await this.db.query<{ broadcast_id: string; status: string; audience_kind: string; topic_key: string | null; category: string; audience_size: number | null; decided: number; requested_at: string }>(
      `SELECT broadcast_id, status, audience_kind, topic_key, category, audience_size, decided, requested_at FROM broadcasts
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY requested_at DESC, broadcast_id DESC LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, filters.limit);
    const last = page[page.length - 1];
    return {
      broadcasts: page.map((r) => ({
        broadcastId: r.broadcast_id,
        status: r.status,
        audience: audienceView(r.audience_kind, r.topic_key),
        category: r.category,
        audienceSize: r.audience_size === null ? null : Number(r.audience_size),
        decided: Number(r.decided),
        requestedAt: r.requested_at,
      })),
      next: rows.length > filters.limit && last ? `${last.requested_at}|${last.broadcast_id}` : null,
    };
  }
}
