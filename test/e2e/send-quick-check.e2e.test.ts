import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stripProtoKeys } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import fc from 'fast-check';
import { requestSchemas } from '../../src/modules/http/request-schemas.js';
import { VALIDATION_OPTIONS, createValidationPipe, fieldErrors } from '../../src/modules/http/validation.js';
import { SendBatchDto, SendNotificationDto } from '../../src/modules/notifications/dto/send-notification.dto.js';
import { SEND_BATCH_EXAMPLES, SEND_EXAMPLES } from '../../src/modules/notifications/dto/send-notification.examples.js';
import { createUser, startApp } from '../support/app.js';

/**
 * The hot routes take a body the schemas compiled from the OpenAPI document accept without
 * class-validator (http/request-schemas.ts). That is safe only while those schemas accept no
 * body class-validator would refuse, and take it as class-transformer would have made it.
 */

/** Mostly a good value, sometimes a bad one, so that the property reaches whole bodies either checker accepts. */
const mostly = <T>(good: fc.Arbitrary<T>, ...bad: fc.Arbitrary<unknown>[]) => fc.oneof({ arbitrary: good, weight: 6 }, ...bad.map((arbitrary) => ({ arbitrary, weight: 1 })));
/** Strings around each limit: astral characters and variation selectors count differently in the two checkers. */
const around = (max: number) => fc.constantFrom(max - 1, max, max + 1).chain((n) => fc.constantFrom('a', '😀', '\uFE0F', 'é', '\n').map((c) => c.repeat(Math.max(0, n))));
const odd = fc.oneof(fc.constant(null), fc.integer(), fc.boolean(), fc.constant([]), fc.constant({}), fc.string({ maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 6 }));
const text = (max: number) => mostly(fc.string({ minLength: 1, maxLength: 8 }), around(max), odd);
const pattern = (good: string[], bad: string[]) => mostly(fc.constantFrom(...good), fc.constantFrom(...bad), fc.string({ unit: 'binary', maxLength: 4 }), odd);
/** Now and then a key no DTO has. */
const extra = { extra: fc.oneof({ arbitrary: fc.constant(undefined), weight: 10 }, { arbitrary: odd, weight: 1 }) };
const noUndefined = <T extends object>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

const content = fc
  .record(
    {
      title: text(256),
      body: text(4000),
      subject: mostly(text(998), fc.constantFrom('two\r\nlines', 'cr\r')),
      text: text(100_000),
      html: mostly(fc.string({ maxLength: 8 }), odd),
      data: mostly(fc.dictionary(fc.string({ maxLength: 4 }), mostly(fc.string({ maxLength: 4 }), odd), { maxKeys: 3 }), odd),
      actionUrl: mostly(fc.constantFrom('https://example.com/a'), fc.constant('javascript:alert(1)'), text(2048)),
      ...extra,
    },
    { requiredKeys: [] },
  )
  .map(noUndefined);
const template = fc
  .record({ id: pattern(['order-shipped', 'a'.repeat(100)], ['-bad', 'a'.repeat(101)]), params: mostly(fc.dictionary(fc.string({ maxLength: 4 }), odd, { maxKeys: 3 }), odd), ...extra }, { requiredKeys: ['id'] })
  .map(noUndefined);
const sendAt = mostly(
  fc.constantFrom('2020-01-01T00:00:00Z', { localTime: '09:00' }, { localTime: '09:00', date: '2020-01-01' }),
  fc.constantFrom('2020-01-01T00:00:00', 'tomorrow', { localTime: '24:00' }, { localTime: '09:00', other: 1 }),
  odd,
);
const body = fc
  .record(
    {
      userId: pattern(['user-42', 'u1', 'a'.repeat(128)], ['a'.repeat(129), 'has space', '']),
      category: pattern(['orders', 'a'.repeat(64)], ['.bad', 'a'.repeat(65)]),
      channels: mostly(fc.subarray(['push', 'sms', 'email', 'inapp'], { minLength: 1 }), fc.constantFrom([], ['email', 'email'], ['fax'], ['push', 'sms', 'email', 'inapp', 'push']), odd),
      content: mostly(content, odd),
      template: mostly(template, odd),
      idempotencyKey: mostly(fc.constantFrom('key-1', '~!'), fc.constantFrom('naïve', 'with space', ''), around(255), odd),
      sendAt,
      priority: pattern(['high', 'normal', 'low'], ['urgent']),
      ...extra,
    },
    { requiredKeys: [] },
  )
  .map(noUndefined);

async function classValidatorErrors(value: object): Promise<unknown[]> {
  return fieldErrors(await validate(plainToInstance(SendNotificationDto, value), VALIDATION_OPTIONS));
}

describe('the quick check of POST /v1/notifications and /batch', () => {
  it('accepts only what class-validator accepts, taken as class-transformer would make it; the documented examples and a well-formed batch take it', { timeout: 120_000 }, async (t) => {
    const { api } = await startApp(t);

    let quick = 0;
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        const copy = structuredClone(value);
        stripProtoKeys(copy); // as every check of the body does first
        if (!requestSchemas.accepts(SendNotificationDto.name, copy)) return;
        quick += 1;
        assert.deepEqual(await classValidatorErrors(copy), [], `quick check accepted what class-validator refuses: ${JSON.stringify(value)}`);
        assert.deepEqual(JSON.parse(JSON.stringify(plainToInstance(SendNotificationDto, copy))), JSON.parse(JSON.stringify(copy)), 'class-transformer would have made the same request');
      }),
      { numRuns: 3_000 },
    );
    assert.ok(quick > 50, `the property reached accepted bodies (${quick})`);

    for (const { value } of Object.values(SEND_EXAMPLES)) assert.ok(requestSchemas.accepts(SendNotificationDto.name, structuredClone(value)), JSON.stringify(value));
    const batch = SEND_BATCH_EXAMPLES.batch.value;
    assert.ok(requestSchemas.accepts(SendBatchDto.name, structuredClone(batch)));

    const pipe = createValidationPipe();
    const item = SEND_EXAMPLES.content.value;
    for (const envelope of [{ notifications: [] }, { notifications: Array(1001).fill(item) }, { notifications: [item], extra: 1 }, { notifications: [item, 'x'] }, { notifications: {} }]) {
      assert.equal(requestSchemas.accepts(SendBatchDto.name, envelope), false, JSON.stringify(envelope).slice(0, 80));
      await assert.rejects(pipe.transform(envelope, { type: 'body', metatype: SendBatchDto }), 'the pipe refuses it too');
    }
    assert.ok(requestSchemas.accepts(SendBatchDto.name, { notifications: Array(1000).fill(item) }));

    // Over HTTP: a quick-checked request is decided as before; the batch's bad item is its own 400.
    await createUser(api, 'user-42');
    const sent = await api.post('/v1/notifications', SEND_EXAMPLES.content.value);
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    const mixed = await api.post('/v1/notifications/batch', { notifications: [SEND_EXAMPLES.content.value, { ...SEND_EXAMPLES.content.value, priority: 'urgent' }] });
    assert.equal(mixed.status, 200, JSON.stringify(mixed.body));
    assert.deepEqual(
      mixed.body.results.map((r: { statusCode: number }) => r.statusCode),
      [202, 400],
    );
    assert.deepEqual(mixed.body.results[1], { index: 1, statusCode: 400, error: 'Bad Request', message: 'request validation failed', errors: [{ field: 'priority', messages: ['priority must be one of the following values: high, normal, low'] }] });
  });
});
