import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { type OutboundMessage } from '../../src/modules/channels/provider.port.js';
import { TwilioSmsChannel, type TwilioSmsChannelOptions } from '../../src/modules/channels/twilio.channel.js';
import { startTwilioFake } from '../fakes/twilio-fake.js';
import { rejectsWith } from '../support/provider-errors.js';

const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
const SERVICE_SID = `MG${'fedcba9876543210'.repeat(2)}`;
const DELIVERY_ID = '01JQ8ZK7R6V3M2N4P5Q6R7S8T9.sms.1';

const message = (text: string | undefined, phone = '+447700900123', body?: string): OutboundMessage => ({
  deliveryId: DELIVERY_ID, notificationId: 'n1', userId: 'u1', category: 'orders', priority: 'normal', target: { channel: 'sms', phone }, message: { text, body },
});

/** A Twilio fake of its own, closed when the test ends, and a channel pointed at it. */
async function setup(t: TestContext, options: Partial<TwilioSmsChannelOptions> = {}) {
  const fake = await startTwilioFake({ accountSid: ACCOUNT_SID, authToken: 'token' });
  const channel = new TwilioSmsChannel({ accountSid: ACCOUNT_SID, authToken: 'token', from: '+15005550006', apiUrl: fake.url, timeoutMs: 2000, ...options });
  t.after(async () => {
    await channel.close();
    await fake.close();
  });
  return { fake, channel };
}

describe('TwilioSmsChannel through the twilio SDK against the Twilio fake', () => {
  it('posts To (E.164), From and Body to the account’s Messages.json with Basic auth; returns the message SID', async (t) => {
    const { fake, channel } = await setup(t);
    const result = await channel.send(message('Your code is 1234'));
    assert.equal(fake.requests.length, 1);
    const r = fake.requests[0]!;
    assert.deepEqual([r.accountSid, r.to, r.from, r.messagingServiceSid, r.body, r.statusCallback, r.status], [ACCOUNT_SID, '+447700900123', '+15005550006', undefined, 'Your code is 1234', undefined, 201]);
    assert.match(result.providerMessageId!, /^SM[0-9a-f]{32}$/);
    assert.equal(result.providerMessageId, r.sid);
  });

  it('sends through a Messaging Service instead of a sender, and falls back to the body when there is no text', async (t) => {
    const { fake, channel } = await setup(t, { from: null, messagingServiceSid: SERVICE_SID });
    await channel.send(message(undefined, '+447700900123', 'Shipped'));
    const r = fake.requests[0]!;
    assert.deepEqual([r.from, r.messagingServiceSid, r.body, r.status], [undefined, SERVICE_SID, 'Shipped', 201]);
  });

  it('the StatusCallback, when set, carries the delivery and notification ids in its query', async (t) => {
    const { fake, channel } = await setup(t, { statusCallbackUrl: 'https://hooks.example.com/twilio/status?source=herald' });
    await channel.send(message('x'));
    const callback = new URL(fake.requests[0]!.statusCallback!);
    assert.equal(callback.origin + callback.pathname, 'https://hooks.example.com/twilio/status');
    assert.deepEqual(Object.fromEntries(callback.searchParams), { source: 'herald', deliveryId: DELIVERY_ID, notificationId: 'n1' });
  });

  it('the fake’s own checks: invalid number 21211, unsubscribed 21610, not a mobile 21614, too long 21617 are permanent', async (t) => {
    const { fake, channel } = await setup(t);
    fake.unsubscribed.add('+447700900111');
    fake.landlines.add('+442071234567');
    await assert.rejects(channel.send(message('x', '+44 7700 900123')), rejectsWith('permanent', 'error 21211', { httpStatus: 400 }));
    await assert.rejects(channel.send(message('x', '+447700900111')), rejectsWith('permanent', 'error 21610', { httpStatus: 400 }));
    await assert.rejects(channel.send(message('x', '+442071234567')), rejectsWith('permanent', 'error 21614', { httpStatus: 400 }));
    await assert.rejects(channel.send(message('x'.repeat(1601))), rejectsWith('permanent', 'error 21617', { httpStatus: 400 }));
    assert.deepEqual(fake.requests.map((r) => r.code), [21211, 21610, 21614, 21617]);
  });

  it('wrong credentials (401, 20003) are permanent', async (t) => {
    const { fake, channel } = await setup(t, { authToken: 'wrong' });
    await assert.rejects(channel.send(message('x')), rejectsWith('permanent', 'error 20003', { httpStatus: 401 }));
    assert.equal(fake.requests[0]!.status, 401);
  });

  it('429 is retryable with Retry-After; 500 and 503 are retryable; a rate-limit code on a 400 is retryable too', async (t) => {
    const { fake, channel } = await setup(t);
    fake.failNext(1, { status: 429, code: 20429, message: 'Too Many Requests', retryAfterSeconds: 4 });
    await assert.rejects(channel.send(message('x')), rejectsWith('retryable', 'error 20429', { retryAfterMs: 4000, httpStatus: 429, answered: true }));
    for (const status of [500, 503]) {
      fake.failNext(1, { status });
      await assert.rejects(channel.send(message('x')), rejectsWith('retryable', 'error 20500', { retryAfterMs: undefined, httpStatus: status }));
    }
    fake.failNext(1, { status: 400, code: 14107, message: 'SMS send rate limit exceeded' });
    await assert.rejects(channel.send(message('x')), rejectsWith('retryable', 'error 14107', { httpStatus: 400 }));
    assert.ok((await channel.send(message('x'))).providerMessageId, 'and the next send goes through');
  });

  it('concurrent sends each get their own answer and Retry-After', async (t) => {
    const { fake, channel } = await setup(t);
    fake.failWhen((request) => (request.body.To === '+447700900222' ? { status: 429, code: 20429, retryAfterSeconds: 7 } : undefined));
    const outcomes = await Promise.allSettled(['+447700900221', '+447700900222', '+447700900223'].map((phone) => channel.send(message('x', phone))));
    assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'rejected', 'fulfilled']);
    rejectsWith('retryable', 'error 20429', { retryAfterMs: 7000 })((outcomes[1] as PromiseRejectedResult).reason);
  });

  it('a provider slower than the timeout is retryable', async (t) => {
    const { fake, channel } = await setup(t, { timeoutMs: 150 });
    fake.failNext(1, { hang: true });
    await assert.rejects(channel.send(message('x')), rejectsWith('retryable', 'timeout', { answered: false }));
  });

  it('a reset connection and a refused one are retryable', async (t) => {
    const { fake, channel } = await setup(t);
    fake.failNext(1, { reset: true });
    await assert.rejects(channel.send(message('x')), rejectsWith('retryable', 'ECONNRESET'));
    await fake.close();
    await assert.rejects(channel.send(message('x')), rejectsWith('retryable', 'ECONNREFUSED', { answered: true }), 'refused: nothing left');
  });

  it('refuses a non-SMS target without calling Twilio', async (t) => {
    const { fake, channel } = await setup(t);
    await assert.rejects(channel.send({ ...message('x'), target: { channel: 'email', email: 'ada@example.com' } }), rejectsWith('permanent', 'wrong_target'));
    assert.equal(fake.requests.length, 0);
  });

  it('the fake also takes the documented call made by hand, and answers Twilio’s error JSON', async (t) => {
    const { fake } = await setup(t);
    const post = (token: string, form: Record<string, string>) =>
      fetch(`${fake.url}/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${ACCOUNT_SID}:${token}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form),
      });
    const ok = await post('token', { To: '+447700900123', From: '+15005550006', Body: 'hi' });
    assert.equal(ok.status, 201);
    assert.equal(((await ok.json()) as { status: string }).status, 'queued');
    const bad = await post('nope', { To: '+447700900123', From: '+15005550006', Body: 'hi' });
    assert.deepEqual(await bad.json(), { code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 });
  });
});
