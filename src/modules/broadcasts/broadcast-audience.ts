import { Inject, Injectable } from '@nestjs/common';
import type { BroadcastAudience } from '../../domain/broadcast/broadcast.js';
import type { ProjectionRunner } from '../../projections/projection-runner.js';
import { READ_MODEL_DB, type ReadModelDb } from '../read-models/read-model-db.port.js';
import { RECIPIENTS_RUNNER, TOPICS_RUNNER } from '../read-models/read-models.module.js';
import { positionKey } from '../read-models/log-position.js';

/** One page of members: their ids, and where the next page starts. */
export interface AudiencePage {
  userIds: string[];
  cursor: string;
}

/**
 * Who a broadcast reaches, as of its acceptance (its position in the log): a topic's members
 * who had joined by then (and have not left by the time their page is read), every user known
 * by then, or the ids it names. Read from the read models, page by page, so a topic of a
 * million members is never held in memory at once.
 */
@Injectable()
export class BroadcastAudienceReader {
  constructor(
    @Inject(READ_MODEL_DB) private readonly db: ReadModelDb,
    @Inject(TOPICS_RUNNER) private readonly topics: ProjectionRunner,
    @Inject(RECIPIENTS_RUNNER) private readonly recipients: ProjectionRunner,
  ) {}

  /** Whether the read model the audience comes from has applied the log up to the broadcast. */
  ready(audience: BroadcastAudience, asOf: bigint): Promise<boolean> {
    if (audience.kind === 'users') return Promise.resolve(true);
    return (audience.kind === 'topic' ? this.topics : this.recipients).waitFor(asOf, 1000);
  }

  async count(audience: BroadcastAudience, asOf: bigint): Promise<number> {
    if (audience.kind === 'users') return audience.userIds.length;
    const [row] =
      audience.kind === 'topic'
        ? await this.db.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM topic_subscribers WHERE topic_key = $1 AND subscribed = 1 AND position <= $2', [audience.topicKey, positionKey(asOf)])
        : await this.db.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM recipients WHERE first_position IS NULL OR first_position <= $1', [positionKey(asOf)]);
    return Number(row?.n ?? 0);
  }

  async page(audience: BroadcastAudience, asOf: bigint, cursor: string, size: number): Promise<AudiencePage> {
    if (audience.kind === 'users') {
      const from = cursor === '' ? 0 : Number(cursor);
      const userIds = audience.userIds.slice(from, from + size);
      return { userIds, cursor: String(from + userIds.length) };
    }
    const rows =
      audience.kind === 'topic'
        ? await this.db.query<{ user_id: string }>(
            'SELECT user_id FROM topic_subscribers WHERE topic_key = $1 AND subscribed = 1 AND position <= $2 AND user_id > $3 ORDER BY user_id LIMIT $4',
            [audience.topicKey, positionKey(asOf), cursor, size],
          )
        : await this.db.query<{ user_id: string }>(
            'SELECT user_id FROM recipients WHERE (first_position IS NULL OR first_position <= $1) AND user_id > $2 ORDER BY user_id LIMIT $3',
            [positionKey(asOf), cursor, size],
          );
    const userIds = rows.map((r) => r.user_id);
    return { userIds, cursor: userIds[userIds.length - 1] ?? cursor };
  }
}
