import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createUser, startApp, type Api } from '../support/app.js';
import { eventually } from '../support/temp.js';

interface ItemResult {
  index: number;
  statusCode: number;
  notificationId?: string;
  errors?: { field: string; messages: string[] }[];
}

const good = (userId: string, n: number) => ({ userId, category: 'orders', channels: ['email'], content: { subject: `Order ${n}`, text: `Order ${n} shipped` } });

async function batch(api: Api, notifications: object[]): Promise<ItemResult[]> {
  const res = await api.post('/v1/notifications/batch', { notifications });
  assert.equal(res.status, 200, `the batch itself is answered 200: ${JSON.stringify(res.body)}`);
  return res.body.results;
}

/** Each kind of item error is that item's result, with its index and the bad field, while the other items go through. */
describe('a batch answers each item for itself', () => {
  it('every kind of item error is a per-item result; the accepted items are sent once, also when the batch is sent again', { timeout: 60_000 }, async (t) => {
    const { api } = await startApp(t);
    await createUser(api, 'u1');
    await createUser(api, 'u2');
    assert.equal((await api.post('/v1/templates', { id: 'shipped', defaultLocale: 'en', channels: { email: { en: { subject: 'Order {{ order }} shipped', text: 'Hi {{ name }}' } } } })).status, 201);

    const items = [
      good('u1', 1),
      { ...good('u1', 2), content: undefined, template: { id: 'no-such-template', params: {} } },
      { ...good('u1', 3), content: undefined, template: { id: 'shipped', params: { order: 3 } } },
      { ...good('u1', 4), content: undefined, template: { id: 'shipped', params: { order: 4, name: 'Ada' } }, channels: ['sms'] },
      { ...good('u1', 5), priority: 'urgent' },
      { ...good('u1', 6), template: { id: 'shipped', params: {} } },
      { ...good('u1', 7), sendAt: '2030-01-01T09:00:00' },
      good('no-such-user', 8),
      good('u2', 9),
    ];
    const results = await batch(api, items);
    const expected: [number, number, string | null][] = [
      [0, 202, null],
      [1, 400, 'template.id'],
      [2, 400, 'template.params'],
      [3, 400, 'channels'],
      [4, 400, 'priority'],
      [5, 400, 'content'],
      [6, 400, 'sendAt'],
      [7, 404, 'userId'],
      [8, 202, null],
    ];
    assert.equal(results.length, items.length);
    for (const [index, statusCode, field] of expected) {
      const result = results[index]!;
      assert.equal(result.index, index);
      assert.equal(result.statusCode, statusCode, `item ${index}: ${JSON.stringify(result)}`);
      if (field === null) continue;
      assert.ok(Array.isArray(result.errors), `item ${index} has errors`);
      assert.ok(result.errors!.some((e) => e.field === field), `item ${index} names ${field}: ${JSON.stringify(result.errors)}`);
    }

    const accepted = [results[0]!.notificationId!, results[8]!.notificationId!];
    const sent = await eventually(async () => {
      const { entries } = (await api.get('/v1/sandbox/outbox?queue=email&limit=100')).body as { entries: { notificationId: string }[] };
      return accepted.every((id) => entries.some((e) => e.notificationId === id)) ? entries : undefined;
    }, 20_000, 'the two accepted items to be sent');
    assert.deepEqual(sent.map((e) => e.notificationId).sort(), [...accepted].sort(), 'only the accepted items were sent');

    // A client resending after the per-item answers resends only the failed items, so nobody is notified twice.
    const retried = await batch(api, [items[1]!, items[2]!]);
    assert.deepEqual(retried.map((r) => r.statusCode), [400, 400]);
  });

  it('an item whose user is unknown does not stop the items after it', async (t) => {
    const { api } = await startApp(t);
    await createUser(api, 'u1');
    const results = await batch(api, [good('ghost', 1), good('u1', 2)]);
    assert.deepEqual(results.map((r) => r.statusCode), [404, 202]);
  });
});
