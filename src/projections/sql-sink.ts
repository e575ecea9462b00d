import type { SubscriptionFilter, RecordedEvent } from '../modules/event-store/event-store.port.js';
import type { ReadModelDb, SqlExecutor } from '../modules/read-models/read-model-db.port.js';
import type { ProjectionLease } from './projection-lease.js';
import type { CheckpointedSink } from './projection-runner.js';

/** A SQL read model: how it applies events to its tables (see `SQL_PROJECTIONS` for the list). */
export interface Projection {
  readonly name: string;
  readonly filter?: SubscriptionFilter;
  /** Applies a batch in the caller's transaction; must be harmless when replayed. */
  handle(events: RecordedEvent[], tx: SqlExecutor): Promise<void>;
}

/**
 * A SQL read model: rows and checkpoint commit in one transaction; with a lease, only while
 * this process still holds it.
 */
export function sqlSink(db: ReadModelDb, projection: Projection, lease?: ProjectionLease): CheckpointedSink {
  return {
    name: projection.name,
    filter: projection.filter,
    async checkpoint() {
      const [row] = await db.query<{ position: string }>('SELECT position FROM projection_checkpoints WHERE name = $1', [projection.name]);
      return row ? BigInt(row.position) : 0n;
    },
    commit: (events, last) =>
      db.transaction(async (tx) => {
        if (lease) await lease.fence(tx);
        await projection.handle(events, tx);
        await tx.execute(
          `INSERT INTO projection_checkpoints (name, position, updated_at) VALUES ($1, $2, $3)
           ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
          [projection.name, last.toString(), new Date().toISOString()],
        );
      }),
  };
}
