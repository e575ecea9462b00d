import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { ProviderError, type OutboundMessage } from '../../src/modules/channels/provider.port.js';
import { SmsChannel } from '../../src/modules/channels/sms.channel.js';
import { startVonageFake } from '../fakes/vonage-fake.js';

const message = (text: string, phone = '+447700900123'): OutboundMessage => ({
  deliveryId: 'n1.1', notificationId: 'n1', userId: 'u1', category: 'c', priority: 'normal', target: { channel: 'sms', phone }, message: { text },
});

async function setup(t: TestContext, secret = 'secret', timeoutMs = 2000) {
  const fake = await startVonageFake({ apiKey: 'key', apiSecret: 'secret' });
  t.after(() => fake.close());
  return { fake, channel: new SmsChannel({ apiKey: 'key', apiSecret: secret, from: 'Herald', restUrl: fake.url, timeoutMs }) };
}

const rejects = (kind: string, code: RegExp, retryAfterMs?: number) => (e: unknown) => {
  assert.ok(e instanceof ProviderError, String(e));
  assert.equal(e.kind, kind);
  assert.match(e.code, code);
  if (retryAfterMs !== undefined) assert.equal(e.retryAfterMs, retryAfterMs);
  return true;
};

describe('SmsChannel through @vonage/server-sdk against the Vonage fake', () => {
  it('sends with client-ref = delivery id, the sender id, and the provider message id back', async (t) => {
    const { fake, channel } = await setup(t);
    const result = await channel.send(message('Your code is 1234'));
    assert.ok(result.providerMessageId);
    assert.deepEqual(fake.requests.map((r) => [r.to, r.from, r.text, r.type, r.clientRef]), [['447700900123', 'Herald', 'Your code is 1234', 'text', 'n1.1']]);
  });

  it('sends non-GSM text as unicode', async (t) => {
    const { fake, channel } = await setup(t);
    await channel.send(message('Votre commande 🚚 est partie'));
    assert.equal(fake.requests[0]!.type, 'unicode');
  });

  it('classifies Vonage statuses: throttled is retryable, a barred number is permanent', async (t) => {
    const { fake, channel } = await setup(t);
    fake.failNext(1, { status: '1' });
    await assert.rejects(channel.send(message('x')), rejects('retryable', /status 1/));
    fake.barredNumbers.add('447700900999');
    await assert.rejects(channel.send(message('x', '+447700900999')), rejects('permanent', /status 7/));
  });

  it('wrong credentials are permanent', async (t) => {
    const { channel } = await setup(t, 'wrong');
    await assert.rejects(channel.send(message('x')), rejects('permanent', /status 4/));
  });

  it('HTTP 429 honours Retry-After; 5xx is retryable', async (t) => {
    const { fake, channel } = await setup(t);
    fake.failNext(1, { httpStatus: 429, retryAfterSeconds: 3 });
    await assert.rejects(channel.send(message('x')), rejects('retryable', /http 429/, 3000));
    fake.failNext(1, { httpStatus: 503 });
    await assert.rejects(channel.send(message('x')), rejects('retryable', /http 503/));
  });

  it('a provider slower than the timeout is retryable', async (t) => {
    const { fake, channel } = await setup(t, 'secret', 200);
    fake.setDelay(1000);
    await assert.rejects(channel.send(message('x')), rejects('retryable', /timeout|network/));
  });
});
