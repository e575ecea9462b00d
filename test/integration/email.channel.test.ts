import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { EmailChannel } from '../../src/modules/channels/email.channel.js';
import { ProviderError, type OutboundMessage } from '../../src/modules/channels/provider.port.js';
import { startMailgunFake } from '../fakes/mailgun-fake.js';

const message = (overrides: Partial<OutboundMessage['message']> = {}, email = 'ada@example.com'): OutboundMessage => ({
  deliveryId: 'n1.1', notificationId: 'n1', userId: 'u1', category: 'orders', priority: 'normal', target: { channel: 'email', email },
  message: { subject: 'Your order', text: 'On its way', html: '<p>On its way</p>', ...overrides }, tags: ['orders'], variables: { category: 'orders' },
});

async function setup(t: TestContext, key = 'mg-key', timeoutMs = 2000) {
  const fake = await startMailgunFake({ apiKey: 'mg-key', domain: 'mg.example.com' });
  t.after(() => fake.close());
  return { fake, channel: new EmailChannel({ apiKey: key, domain: 'mg.example.com', from: 'Herald <noreply@mg.example.com>', url: fake.url, timeoutMs }) };
}

const rejects = (kind: string, code: RegExp) => (e: unknown) => {
  assert.ok(e instanceof ProviderError, String(e));
  assert.equal(e.kind, kind);
  assert.match(e.code, code);
  return true;
};

describe('EmailChannel through mailgun.js against the Mailgun fake', () => {
  it('sends from, to, subject, text and html, Message-Id from the delivery id, tags and variables', async (t) => {
    const { fake, channel } = await setup(t);
    const result = await channel.send(message());
    assert.ok(result.providerMessageId?.endsWith('@mg.example.com'));
    const r = fake.requests[0]!;
    assert.deepEqual([r.from, r.to, r.subject, r.text, r.html], ['Herald <noreply@mg.example.com>', ['ada@example.com'], 'Your order', 'On its way', '<p>On its way</p>']);
    assert.equal(r.messageId, '<n1.1@mg.example.com>');
    assert.deepEqual(r.tags, ['orders']);
    assert.deepEqual(r.variables, { deliveryId: 'n1.1', notificationId: 'n1', category: 'orders' });
  });

  it('a rejected address is permanent; a bad key is permanent', async (t) => {
    const { fake, channel } = await setup(t);
    fake.rejectedAddresses.add('bounce@example.com');
    await assert.rejects(channel.send(message({}, 'bounce@example.com')), rejects('permanent', /http 400/));
    const { channel: wrongKey } = await setup(t, 'nope');
    await assert.rejects(wrongKey.send(message()), rejects('permanent', /http 401/));
  });

  it('429 and 5xx are retryable', async (t) => {
    const { fake, channel } = await setup(t);
    fake.failNext(1, { status: 429, message: 'rate limited' });
    await assert.rejects(channel.send(message()), rejects('retryable', /http 429/));
    fake.failNext(1, { status: 502 });
    await assert.rejects(channel.send(message()), rejects('retryable', /http 502/));
  });

  it('refuses a subject with a line break before anything reaches Mailgun', async (t) => {
    const { fake, channel } = await setup(t);
    await assert.rejects(channel.send(message({ subject: 'Hi\r\nBcc: victim@example.com' })), rejects('permanent', /header_injection/));
    assert.equal(fake.requests.length, 0);
  });

  it('a provider slower than the timeout is retryable', async (t) => {
    const { fake, channel } = await setup(t, 'mg-key', 200);
    fake.setDelay(1000);
    await assert.rejects(channel.send(message()), rejects('retryable', /./));
  });
});
