import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { ProjectionRunner } from '../../projections/projection-runner.js';
import { READ_MODEL_DB, type ReadModelDb } from '../read-models/read-model-db.port.js';
import { TOPICS_RUNNER } from '../read-models/read-models.module.js';

/** How long a read waits for the topics projection to reach the log's head before it answers with what it has. */

export interface TopicRow {
  topicKey: string;
  name: string;
  description: string | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * Reads of the topics read model, which trails the log: a read first waits (briefly) for the
 * projection to reach the log's head, so a caller sees the subscriptions it just made.
 */
@Injectable()
export class TopicQueries {
  constructor(
    @Inject(READ_MODEL_DB) private readonly db: ReadModelDb,
    @Inject(TOPICS_RUNNER) private readonly projection: ProjectionRunner,
  ) {}

  async topic(topicKey: string): Promise<TopicRow & { subscriberCount: number }> {
    await this.projection.caughtUpWithLog();
    const [row] = await this.db.query<{ name: string; description: string | null; created_at: string; updated_at: string; subscriber_count: number | string }>(
      'SELECT name, description, created_at, updated_at, subscriber_count FROM topics WHERE topic_key = $1',
      [topicKey],
    );
    if (!row) throw new NotFoundException({ statusCode: 404, error: 'Not Found', message: `no topic ${topicKey}` });
    return { topicKey, name: row.name, description: row.description, createdAt: row.created_at, updatedAt: row.updated_at, subscriberCount: Number(row.subscriber_count) };
  }

  async subscribers(topicKey: string, cursor: string, limit: number): Promise<{ topicKey: string; subscribers: { userId: string; subscribedAt: string }[]; next: string | null }> {
    await this.topic(topicKey);
    const rows = await this.db.query<{ user_id: string; subscribed_at: string }>(
      'SELECT user_id, subscribed_at FROM topic_subscribers WHERE topic_key = $1 AND subscribed = 1 AND user_id > $2 ORDER BY user_id LIMIT $3',
      [topicKey, cursor, limit + 1],
    );
    const page = rows.slice(0, limit);
    return { topicKey, subscribers: page.map((r) => ({ userId: r.user_id, subscribedAt: r.subscribed_at })), next: rows.length > limit ? page[page.length - 1]!.user_id : null };
  }
}
