import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { EmailChannel } from '../../src/modules/channels/email.channel.js';
import { type OutboundMessage } from '../../src/modules/channels/provider.port.js';
import { startMailgunFake } from '../fakes/mailgun-fake.js';
import { rejectsWith } from '../support/provider-errors.js';

const DOMAIN = 'mg.example.com';
const FROM = 'Herald <noreply@mg.example.com>';
const DELIVERY_ID = '01JQ8ZK7R6V3M2N4P5Q6R7S8T9.email.1';

const message = (content: OutboundMessage['message'] = { subject: 'Your order', text: 'On its way', html: '<p>On its way</p>' }, email = 'ada@example.com'): OutboundMessage => ({
  deliveryId: DELIVERY_ID, notificationId: 'n1', userId: 'u1', category: 'orders', priority: 'normal', target: { channel: 'email', email },
  message: content, tags: ['orders', 'transactional'], variables: { category: 'orders', userId: 'u1' },
});

const UNSUBSCRIBE = { 'List-Unsubscribe': '<https://herald.example.com/u/k.p.s>, <mailto:unsubscribe@example.com?subject=unsubscribe-k.p.s>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };

/** A Mailgun fake of its own, closed when the test ends, and a channel pointed at it. */
async function setup(t: TestContext, { key = 'mg-key', domain = DOMAIN, from = FROM, timeoutMs = 2000 } = {}) {
  const fake = await startMailgunFake({ apiKey: 'mg-key', domain: DOMAIN });
  t.after(() => fake.close());
  return { fake, channel: new EmailChannel({ apiKey: key, domain, from, url: fake.url, timeoutMs }) };
}

describe('EmailChannel through mailgun.js against the Mailgun fake', () => {
  it('sends from, to, subject, text and html, Message-Id from the delivery id, tags and v: variables', async (t) => {
    const { fake, channel } = await setup(t);
    const result = await channel.send(message());
    assert.equal(fake.requests.length, 1);
    const { at: _at, id, ...seen } = fake.requests[0]!;
    assert.deepEqual(seen, {
      domain: DOMAIN, from: FROM, to: ['ada@example.com'], subject: 'Your order', text: 'On its way', html: '<p>On its way</p>',
      messageId: `<${DELIVERY_ID}@${DOMAIN}>`, listUnsubscribe: undefined, listUnsubscribePost: undefined, tags: ['orders', 'transactional'],
      variables: { category: 'orders', userId: 'u1', deliveryId: DELIVERY_ID, notificationId: 'n1' }, deliveryId: DELIVERY_ID, status: 200,
    });
    assert.equal(result.providerMessageId, id!.slice(1, -1), 'the id Mailgun answered, without its angle brackets');
  });

  it('sends the message’s List-Unsubscribe headers as h: fields, and refuses one that spans lines', async (t) => {
    const { fake, channel } = await setup(t);
    await channel.send({ ...message(), headers: UNSUBSCRIBE });
    const r = fake.requests[0]!;
    assert.deepEqual([r.listUnsubscribe, r.listUnsubscribePost], [UNSUBSCRIBE['List-Unsubscribe'], 'List-Unsubscribe=One-Click']);
    await assert.rejects(channel.send({ ...message(), headers: { 'List-Unsubscribe': '<https://x.example>\r\nBcc: victim@example.com' } }), rejectsWith('permanent', 'header_injection'));
    assert.equal(fake.requests.length, 1);
  });

  it('falls back to title and body; a variable named deliveryId cannot replace the delivery id', async (t) => {
    const { fake, channel } = await setup(t);
    await channel.send({ ...message({ title: 'Shipped', body: 'Plain body' }), variables: { deliveryId: 'spoofed' } });
    const r = fake.requests[0]!;
    assert.deepEqual([r.subject, r.text, r.html, r.deliveryId], ['Shipped', 'Plain body', undefined, DELIVERY_ID]);
  });

  it('4xx answers are permanent: rejected address 400, bad key 401, unknown domain 404, and scripted 402 and 413', async (t) => {
    const { fake, channel } = await setup(t);
    fake.rejectedAddresses.add('bounce@example.com');
    await assert.rejects(channel.send(message(undefined, 'bounce@example.com')), rejectsWith('permanent', 'http 400', { httpStatus: 400 }));
    await assert.rejects(channel.send(message(undefined, 'not-an-address')), rejectsWith('permanent', 'http 400'));
    for (const status of [402, 413]) {
      fake.failNext(1, { status, message: 'nope' });
      await assert.rejects(channel.send(message()), rejectsWith('permanent', `http ${status}`, { httpStatus: status }));
    }
    const { channel: wrongKey } = await setup(t, { key: 'nope' });
    await assert.rejects(wrongKey.send(message()), rejectsWith('permanent', 'http 401', { httpStatus: 401 }));
    const { channel: wrongDomain } = await setup(t, { domain: 'other.example.com' });
    await assert.rejects(wrongDomain.send(message()), rejectsWith('permanent', 'http 404', { httpStatus: 404 }));
  });

  it('429 is retryable with Retry-After; 500, 502, 503 and 504 are retryable', async (t) => {
    const { fake, channel } = await setup(t);
    fake.failNext(1, { status: 429, message: 'rate limited', retryAfterSeconds: 5 });
    await assert.rejects(channel.send(message()), rejectsWith('retryable', 'http 429', { retryAfterMs: 5000, httpStatus: 429 }));
    for (const status of [500, 502, 503, 504]) {
      fake.failNext(1, { status });
      await assert.rejects(channel.send(message()), rejectsWith('retryable', `http ${status}`, { retryAfterMs: undefined, httpStatus: status }));
    }
    assert.ok((await channel.send(message())).providerMessageId, 'and the next send goes through');
  });

  it('concurrent sends each get their own answer', async (t) => {
    const { fake, channel } = await setup(t);
    fake.failWhen((request) => (request.body.to === 'slow@example.com' ? { status: 429, retryAfterSeconds: 9 } : undefined));
    const outcomes = await Promise.allSettled(['a@example.com', 'slow@example.com', 'b@example.com'].map((email) => channel.send(message(undefined, email))));
    assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'rejected', 'fulfilled']);
    rejectsWith('retryable', 'http 429', { retryAfterMs: 9000 })((outcomes[1] as PromiseRejectedResult).reason);
  });

  it('a provider slower than the timeout is retryable', async (t) => {
    const { fake, channel } = await setup(t, { timeoutMs: 150 });
    fake.setDelay(600);
    await assert.rejects(channel.send(message()), rejectsWith('retryable', 'timeout'));
  });

  it('a reset connection and a refused one are retryable', async (t) => {
    const { fake, channel } = await setup(t);
    fake.failNext(1, { reset: true });
    await assert.rejects(channel.send(message()), rejectsWith('retryable', 'ECONNRESET'));
    await fake.close();
    await assert.rejects(channel.send(message()), rejectsWith('retryable', 'ECONNREFUSED'));
  });

  it('refuses a line break in subject, from or to before anything reaches Mailgun', async (t) => {
    const { fake, channel } = await setup(t);
    await assert.rejects(channel.send(message({ subject: 'Hi\r\nBcc: victim@example.com', text: 'x' })), rejectsWith('permanent', 'header_injection'));
    await assert.rejects(channel.send(message({ title: 'Hi\nBcc: victim@example.com', text: 'x' })), rejectsWith('permanent', 'header_injection'));
    await assert.rejects(channel.send(message(undefined, 'ada@example.com\r\nBcc: victim@example.com')), rejectsWith('permanent', 'header_injection'));
    const { fake: other, channel: badFrom } = await setup(t, { from: 'Herald <noreply@mg.example.com>\nBcc: victim@example.com' });
    await assert.rejects(badFrom.send(message()), rejectsWith('permanent', 'header_injection'));
    assert.equal(fake.requests.length + other.requests.length, 0);
  });

  it('refuses a non-email target without calling Mailgun', async (t) => {
    const { fake, channel } = await setup(t);
    await assert.rejects(channel.send({ ...message(), target: { channel: 'sms', phone: '+447700900123' } }), rejectsWith('permanent', 'wrong_target'));
    assert.equal(fake.requests.length, 0);
  });
});
