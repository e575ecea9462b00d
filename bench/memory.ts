/**
 * Resident memory with many registered users: 1,000,000 users registered through the actor
 * system (as the API does), with eviction bounding the actors kept. Runs in its own process
 * and prints one JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_POLICY, RECIPIENT_EVENT_TYPES, createRecipientDecider, recipientStream } from '../src/domain/recipient/index.js';
import { ActorSystem } from '../src/modules/actors/actor-system.js';
import { SqliteEventStore } from '../src/modules/event-store/sqlite-event-store.js';

const users = Number(process.argv[2] ?? 1_000_000);
const maxActors = Number(process.argv[3] ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'bench-memory-'));
const store = new SqliteEventStore(join(dir, 'events.db'));
const actors = new ActorSystem(store, createRecipientDecider(DEFAULT_POLICY), recipientStream, { maxActors, idleMs: 300_000 }, RECIPIENT_EVENT_TYPES);
const start = performance.now();
let next = 0;
let peakActors = 0;
await Promise.all(
  Array.from({ length: 512 }, async () => {
    while (next < users) {
      const u = next++;
      await actors.execute(`u${u}`, { type: 'UpdateProfile', userId: `u${u}`, profile: { email: `u${u}@example.com`, phone: '+447700900123', locale: 'en', timezone: 'Europe/London' }, now: Date.now() });
      if (u % 10_000 === 0) peakActors = Math.max(peakActors, actors.size);
    }
  }),
);
const seconds = (performance.now() - start) / 1000;
globalThis.gc?.();
const rssMb = Math.round(process.memoryUsage().rss / 1024 / 1024);
const heapMb = Math.round(process.memoryUsage().heapUsed / 1024 / 1024);
process.stdout.write(`${JSON.stringify({ users, maxActors, actorsCached: actors.size, peakActors, seconds: Math.round(seconds), registrationsPerSecond: Math.round(users / seconds), rssMb, heapMb })}\n`);
actors.close();
await store.close();
rmSync(dir, { recursive: true, force: true });
