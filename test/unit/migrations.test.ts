import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MIGRATIONS, pendingMigrations } from '../../src/modules/read-models/migrations.js';

describe('read-model migrations', () => {
  it('each id is used once, and pending ones apply by ascending id whatever their order in the list', () => {
    const ids = MIGRATIONS.map((m) => m.id);
    assert.equal(new Set(ids).size, ids.length, 'no id twice');
    const pending = pendingMigrations(new Set()).map((m) => m.id);
    assert.deepEqual(pending, [...ids].sort((a, b) => a - b));
    assert.deepEqual(
      pendingMigrations(new Set(ids.filter((id) => id !== 12 && id !== 3))).map((m) => m.id),
      [3, 12],
      'a gap filled later still applies, in id order',
    );
  });
});
