import { join } from 'node:path';
import { DEFAULT_POLICY, RECIPIENT_EVENT_TYPES, createRecipientDecider, recipientStream } from '../../src/domain/recipient/index.js';
import { ActorSystem } from '../../src/modules/actors/actor-system.js';
import { SqliteEventStore } from '../../src/modules/event-store/sqlite-event-store.js';

/**
 * Registers users with an email address in an embedded data directory's log before Herald starts
 * on it: the same recipient actors and decisions as PUT /v1/users, without HTTP, so tens of
 * thousands take seconds. Herald's projections pick them up from the log when it starts.
 */
export async function seedUsers(dataDir: string, userIds: readonly string[]): Promise<void> {
  const store = new SqliteEventStore(join(dataDir, 'events.db'));
  const actors = new ActorSystem(store, createRecipientDecider(DEFAULT_POLICY), recipientStream, { maxActors: 1000, idleMs: 60_000 }, RECIPIENT_EVENT_TYPES);
  try {
    let next = 0;
    await Promise.all(
      Array.from({ length: 500 }, async () => {
        while (next < userIds.length) {
          const userId = userIds[next++]!;
          await actors.execute(userId, { type: 'UpdateProfile', userId, profile: { email: `${userId}@example.com`, phone: null, locale: null, timezone: null }, now: Date.now() });
        }
      }),
    );
  } finally {
    actors.close();
    await store.close();
  }
}
