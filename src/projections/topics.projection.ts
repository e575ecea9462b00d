import type { MembershipEvent } from '../domain/topic/membership.js';
import type { TopicEvent } from '../domain/topic/topic.js';
import type { RecordedEvent } from '../modules/event-store/event-store.port.js';
import type { SqlExecutor } from '../modules/read-models/read-model-db.port.js';
import type { Projection } from './sql-sink.js';
import { positionKey } from '../modules/read-models/log-position.js';

type Defined = Extract<TopicEvent, { type: 'TopicDefined' }>['data'];
type Subscribed = Extract<MembershipEvent, { type: 'TopicSubscribed' }>['data'];
type Unsubscribed = Extract<MembershipEvent, { type: 'TopicUnsubscribed' }>['data'];

/**
 * Topics and who is in each, for enumeration: a topic's subscribers by cursor, their count
 * (kept on the topic's row), and the members a broadcast reaches. A row moves forward only
 * (topics by stream revision, memberships by log position), so a replay of any part of the log
 * changes nothing.
 */
export class TopicsProjection implements Projection {
  readonly name = 'topics';
  readonly filter = { eventTypes: ['TopicDefined', 'TopicSubscribed', 'TopicUnsubscribed'] };

  async handle(events: RecordedEvent[], tx: SqlExecutor): Promise<void> {
    for (const event of events) {
      if (event.type === 'TopicDefined') {
        const d = event.data as Defined;
        await tx.execute(
          `INSERT INTO topics (topic_key, name, description, created_at, updated_at, stream_revision) VALUES ($1, $2, $3, $4, $4, $5)
           ON CONFLICT (topic_key) DO UPDATE SET name = excluded.name, description = excluded.description, updated_at = excluded.updated_at, stream_revision = excluded.stream_revision
           WHERE topics.stream_revision < excluded.stream_revision`,
          [d.topicKey, d.name, d.description, d.definedAt, event.revision],
        );
        continue;
      }
      const subscribed = event.type === 'TopicSubscribed';
      const d = event.data as Subscribed | Unsubscribed;
      const at = subscribed ? (d as Subscribed).subscribedAt : (d as Unsubscribed).unsubscribedAt;
      const [before] = await tx.query<{ subscribed: number | boolean }>('SELECT subscribed FROM topic_subscribers WHERE topic_key = $1 AND user_id = $2', [d.topicKey, d.userId]);
      const { changes } = await tx.execute(
        `INSERT INTO topic_subscribers (topic_key, user_id, subscribed, subscribed_at, position) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (topic_key, user_id) DO UPDATE SET subscribed = excluded.subscribed,
           subscribed_at = CASE WHEN excluded.subscribed = 1 THEN excluded.subscribed_at ELSE topic_subscribers.subscribed_at END,
           position = excluded.position
         WHERE topic_subscribers.position < excluded.position`,
        [d.topicKey, d.userId, subscribed ? 1 : 0, at, positionKey(event.position)],
      );
      // The count moves only when the row did (a replayed or older event leaves both) and the membership flipped.
      const delta = changes === 0 ? 0 : (subscribed ? 1 : 0) - (before && Number(before.subscribed) === 1 ? 1 : 0);
      if (delta !== 0) await tx.execute('UPDATE topics SET subscriber_count = subscriber_count + $2 WHERE topic_key = $1', [d.topicKey, delta]);
    }
  }
}
