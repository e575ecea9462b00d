import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { type OutboundMessage } from '../../src/modules/channels/provider.port.js';
import { SmsChannel, isGsm7 } from '../../src/modules/channels/sms.channel.js';
import { startVonageFake } from '../fakes/vonage-fake.js';
import { rejectsWith } from '../support/provider-errors.js';

const DELIVERY_ID = '01JQ8ZK7R6V3M2N4P5Q6R7S8T9.sms.1';

const message = (text: string | undefined, phone = '+447700900123', body?: string): OutboundMessage => ({
  deliveryId: DELIVERY_ID, notificationId: 'n1', userId: 'u1', category: 'orders', priority: 'normal', target: { channel: 'sms', phone }, message: { text, body },
});

/** A Vonage fake of its own, closed when the test ends, and a channel pointed at it. */
async function setup(t: TestContext, { secret = 'secret', timeoutMs = 2000 } = {}) {
  const fake = await startVonageFake({ apiKey: 'key', apiSecret: 'secret' });
  t.after(() => fake.close());
  return { fake, channel: new SmsChannel({ apiKey: 'key', apiSecret: secret, from: 'Herald', restUrl: fake.url, timeoutMs }) };
}

describe('isGsm7', () => {
  it('accepts the GSM 03.38 basic set and extension table, nothing else', () => {
    assert.equal(isGsm7('Your code is 1234 - £5 @ 10:00 {€} [ok] ~ ÄÖÑÜ Ç\n'), true);
    assert.equal(isGsm7('Votre commande 🚚 est partie'), false);
    assert.equal(isGsm7('Ваш код 1234'), false);
    assert.equal(isGsm7('naïve'), false);
  });
});

describe('SmsChannel through @vonage/server-sdk against the Vonage fake', () => {
  it('sends to (without +), from, text, type text and client-ref = delivery id; returns the message-id', async (t) => {
    const { fake, channel } = await setup(t);
    const result = await channel.send(message('Your code is 1234'));
    assert.equal(fake.requests.length, 1);
    const r = fake.requests[0]!;
    assert.deepEqual([r.to, r.from, r.text, r.type, r.clientRef, r.status], ['447700900123', 'Herald', 'Your code is 1234', 'text', DELIVERY_ID, '0']);
    assert.equal(result.providerMessageId, r.messageIds[0]);
  });

  it('sends non-GSM text as unicode, and falls back to the body when there is no text', async (t) => {
    const { fake, channel } = await setup(t);
    await channel.send(message('Votre commande 🚚 est partie'));
    await channel.send(message(undefined, '+447700900123', 'Shipped €5'));
    assert.deepEqual(fake.requests.map((r) => [r.text, r.type]), [['Votre commande 🚚 est partie', 'unicode'], ['Shipped €5', 'text']]);
  });

  it('a long text goes as several parts: the first part id stands for the SMS', async (t) => {
    const { fake, channel } = await setup(t);
    const result = await channel.send(message('x'.repeat(400)));
    assert.equal(fake.requests[0]!.messageIds.length, 3);
    assert.equal(result.providerMessageId, fake.requests[0]!.messageIds[0]);
  });

  it('classifies every documented rejection status as permanent', async (t) => {
    const { fake, channel } = await setup(t);
    for (const status of ['2', '3', '4', '6', '7', '8', '12', '14', '15', '22', '29', '32', '33']) {
      fake.failNext(1, { status });
      await assert.rejects(channel.send(message('x')), rejectsWith('permanent', `status ${status}`), `status ${status}`);
    }
  });

  it('throttled, internal error, quota (out of credit), too many binds and unknown statuses are retryable', async (t) => {
    const { fake, channel } = await setup(t);
    for (const status of ['1', '5', '9', '10', '99']) {
      fake.failNext(1, { status });
      await assert.rejects(channel.send(message('x')), rejectsWith('retryable', `status ${status}`), `status ${status}`);
    }
  });

  it("the fake's own checks: a barred number (7) and a non-numeric destination (3) are permanent", async (t) => {
    const { fake, channel } = await setup(t);
    fake.barredNumbers.add('447700900999');
    await assert.rejects(channel.send(message('x', '+447700900999')), rejectsWith('permanent', 'status 7'));
    await assert.rejects(channel.send(message('x', '+44 7700 900123')), rejectsWith('permanent', 'status 3'));
    assert.deepEqual(fake.requests.map((r) => r.status), ['7', '3']);
  });

  it('wrong credentials (status 4, still HTTP 200) are permanent', async (t) => {
    const { fake, channel } = await setup(t, { secret: 'wrong' });
    await assert.rejects(channel.send(message('x')), rejectsWith('permanent', 'status 4'));
    assert.deepEqual([fake.requests[0]!.status, fake.requests[0]!.httpStatus], ['4', 200]);
  });

  it('HTTP 429 is retryable with Retry-After; 500 and 503 are retryable; 401 is permanent', async (t) => {
    const { fake, channel } = await setup(t);
    fake.failNext(1, { httpStatus: 429, retryAfterSeconds: 3 });
    await assert.rejects(channel.send(message('x')), rejectsWith('retryable', 'http 429', { retryAfterMs: 3000, httpStatus: 429 }));
    for (const httpStatus of [500, 503]) {
      fake.failNext(1, { httpStatus });
      await assert.rejects(channel.send(message('x')), rejectsWith('retryable', `http ${httpStatus}`, { httpStatus }));
    }
    fake.failNext(1, { httpStatus: 401 });
    await assert.rejects(channel.send(message('x')), rejectsWith('permanent', 'http 401', { httpStatus: 401 }));
  });

  it('an outage fails every send until the fake is up again', async (t) => {
    const { fake, channel } = await setup(t);
    fake.down({ httpStatus: 503 });
    await assert.rejects(channel.send(message('x')), rejectsWith('retryable', 'http 503'));
    await assert.rejects(channel.send(message('x')), rejectsWith('retryable', 'http 503'));
    fake.up();
    assert.ok((await channel.send(message('x'))).providerMessageId);
  });

  it('a provider slower than the timeout is retryable', async (t) => {
    const { fake, channel } = await setup(t, { timeoutMs: 150 });
    fake.setDelay(600);
    await assert.rejects(channel.send(message('x')), rejectsWith('retryable', 'timeout'));
  });

  it('a reset connection and a refused one are retryable', async (t) => {
    const { fake, channel } = await setup(t);
    fake.failNext(1, { reset: true });
    await assert.rejects(channel.send(message('x')), rejectsWith('retryable', 'ECONNRESET'));
    await fake.close();
    await assert.rejects(channel.send(message('x')), rejectsWith('retryable', 'ECONNREFUSED'));
  });

  it('refuses a non-SMS target without calling Vonage', async (t) => {
    const { fake, channel } = await setup(t);
    const email: OutboundMessage = { ...message('x'), target: { channel: 'email', email: 'ada@example.com' } };
    await assert.rejects(channel.send(email), rejectsWith('permanent', 'wrong_target'));
    assert.equal(fake.requests.length, 0);
  });

  it('the fake also takes the documented form-encoded call with credentials in the body', async (t) => {
    const { fake } = await setup(t);
    const form = (secret: string) => new URLSearchParams({ api_key: 'key', api_secret: secret, to: '447700900123', from: 'Herald', text: 'hi', 'client-ref': 'r1' });
    const ok: any = await (await fetch(`${fake.url}/sms/json`, { method: 'POST', body: form('secret') })).json();
    const bad: any = await (await fetch(`${fake.url}/sms/json`, { method: 'POST', body: form('nope') })).json();
    assert.equal(ok.messages[0].status, '0');
    assert.equal(ok.messages[0]['client-ref'], 'r1');
    assert.deepEqual(bad, { 'message-count': '1', messages: [{ status: '4', 'error-text': 'Bad Credentials' }] });
  });
});
