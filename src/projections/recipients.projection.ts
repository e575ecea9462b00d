import type { RecipientEvent } from '../domain/recipient/events.js';
import type { RecordedEvent } from '../modules/event-store/event-store.port.js';
import type { SqlExecutor } from '../modules/read-models/read-model-db.port.js';
import type { Projection } from './sql-sink.js';
import { positionKey } from '../modules/read-models/log-position.js';

type ProfileUpdated = Extract<RecipientEvent, { type: 'RecipientProfileUpdated' }>['data'];

/**
 * One row per user with their contact details as last set: who has a phone (the SMS keywords
 * look a sender up here), and the list of users for anything that goes to all of them. A row
 * moves forward only (by its stream revision), so a replay of any part of the log changes nothing;
 * first_position (where the user first appeared in the log) is set once: a broadcast to all
 * reads the users who were there at its own position.
 */
export class RecipientsProjection implements Projection {
  readonly name = 'recipients';
  readonly filter = { eventTypes: ['RecipientProfileUpdated'] };

  async handle(events: RecordedEvent[], tx: SqlExecutor): Promise<void> {
    for (const event of events) {
      const d = event.data as ProfileUpdated;
      await tx.execute(
        `INSERT INTO recipients (user_id, email, phone, locale, timezone, updated_at, stream_revision, first_position)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, phone = excluded.phone, locale = excluded.locale,
           timezone = excluded.timezone, updated_at = excluded.updated_at, stream_revision = excluded.stream_revision
         WHERE recipients.stream_revision < excluded.stream_revision`,
        [d.userId, d.email, d.phone, d.locale, d.timezone, d.updatedAt, event.revision, positionKey(event.position)],
      );
    }
  }
}
