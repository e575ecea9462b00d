import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Upcaster } from '../../src/domain/shared/upcasters.js';
import type { RecordedEvent } from '../../src/modules/event-store/event-store.port.js';
import { SqliteEventStore } from '../../src/modules/event-store/sqlite-event-store.js';
import { upcast, withUpcasting } from '../../src/modules/event-store/upcasting.js';
import { tempDir } from '../support/temp.js';

// A schema change as it would be made: v1 had `name`, v2 splits it, v3 adds a default.
const upcasters: Upcaster[] = [
  { type: 'ContactChanged', fromVersion: 1, upcast: (d) => { const { name, ...rest } = d as { name: string }; const [given, family = ''] = name.split(' '); return { ...rest, givenName: given, familyName: family }; } },
  { type: 'ContactChanged', fromVersion: 2, upcast: (d) => ({ locale: 'en', ...(d as object) }) },
];

const recorded = (type: string, data: unknown, schemaVersion?: number): RecordedEvent => ({
  id: 'e1', streamName: 's', type, revision: 0, position: 1n, data, metadata: schemaVersion ? { schemaVersion } : {}, createdAt: new Date(0),
});

describe('upcasting', () => {
  it('chains upcasters from the stored version to the current one', () => {
    const event = upcast(recorded('ContactChanged', { name: 'Ada Lovelace' }, 1), upcasters);
    assert.deepEqual(event.data, { locale: 'en', givenName: 'Ada', familyName: 'Lovelace' });
    assert.equal(event.metadata.schemaVersion, 3);
  });

  it('treats an event without a version as version 1, and leaves current and other events alone', () => {
    assert.deepEqual(upcast(recorded('ContactChanged', { name: 'Grace Hopper' }), upcasters).data, { locale: 'en', givenName: 'Grace', familyName: 'Hopper' });
    const current = recorded('ContactChanged', { givenName: 'x', familyName: 'y', locale: 'fr' }, 3);
    assert.equal(upcast(current, upcasters), current);
    const other = recorded('DeviceRegistered', { name: 'x' }, 1);
    assert.equal(upcast(other, upcasters), other);
  });

  it('applies on every read path of a real store, never rewriting the log', async (t) => {
    const raw = new SqliteEventStore(`${tempDir(t)}/events.db`);
    t.after(() => raw.close());
    const store = withUpcasting(raw, upcasters);
    await store.append('user-1', [{ id: crypto.randomUUID(), type: 'ContactChanged', data: { name: 'Ada Lovelace' }, metadata: { schemaVersion: 1 } }], 'no_stream');
    const want = { locale: 'en', givenName: 'Ada', familyName: 'Lovelace' };
    assert.deepEqual((await store.readStream('user-1'))[0]!.data, want);
    assert.deepEqual((await store.readAll())[0]!.data, want);
    const subscription = store.subscribeToAll();
    for await (const event of subscription) {
      assert.deepEqual(event.data, want);
      break;
    }
    assert.equal(subscription.scannedPosition(), await raw.headPosition(), 'how far it has read passes through');
    await subscription.close();
    assert.deepEqual((await raw.readStream('user-1'))[0]!.data, { name: 'Ada Lovelace' }, 'the stored event is unchanged');
  });
});
