import { EventStoreUnavailableError, WrongExpectedRevisionError, type AppendResult, type ExpectedRevision } from './event-store.port.js';
import type { Append, BatchCommitter } from './group-commit.js';

/** One append as `herald_append` takes it, already JSON (see SCHEMA_SQL). */
export interface PostgresAppend {
  streamName: string;
  expected: ExpectedRevision;
  json: string;
}

interface AppendRow {
  ord: number;
  outcome: string;
  next_revision: number;
  last_position: string | null;
}

/** Runs one statement, answering EventStoreUnavailableError when the server cannot be reached. */
export type PostgresQuery = <T>(sql: string, params: unknown[]) => Promise<T[]>;

/**
 * Commits a batch of appends with one call of the schema's `herald_append`, hence one round
 * trip and one commit, in which the advisory lock orders it after every other process's appends.
 */
export class PostgresCommitter implements BatchCommitter<PostgresAppend> {
  constructor(
    private readonly schema: string,
    private readonly query: PostgresQuery,
  ) {}

  prepare({ streamName, events, expected }: Append): PostgresAppend {
    const json = JSON.stringify({
      stream: streamName,
      expected: String(expected),
      events: events.map((e) => ({ id: e.id, type: e.type, data: e.data ?? null, metadata: e.metadata ?? {} })),
    });
    return { streamName, expected, json };
  }

  async commitBatch(batch: PostgresAppend[]): Promise<(AppendResult | Error)[]> {
    let rows: AppendRow[];
    try {
      rows = await this.query(`SELECT ord, outcome, next_revision, last_position FROM ${this.schema}.herald_append($1::json)`, [`[${batch.map((a) => a.json).join(',')}]`]);
    } catch (error) {
      if (error instanceof EventStoreUnavailableError || batch.length === 1) throw error;
      // One bad append (say, text PostgreSQL refuses) must not fail the others: one at a time.
      const outcomes: (AppendResult | Error)[] = [];
      for (const item of batch) outcomes.push(...(await this.commitBatch([item]).catch((e: unknown) => [e instanceof Error ? e : new Error(String(e))])));
      return outcomes;
    }
    const outcomes: (AppendResult | Error)[] = [];
    for (const row of rows) {
      const { streamName, expected } = batch[row.ord]!;
      outcomes[row.ord] =
        row.outcome === 'ok'
          ? { nextRevision: row.next_revision, position: BigInt(row.last_position ?? 0) }
          : new WrongExpectedRevisionError(streamName, expected, row.next_revision < 0 ? 'no_stream' : row.next_revision);
    }
    return outcomes;
  }
}
