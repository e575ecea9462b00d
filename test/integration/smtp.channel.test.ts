import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { type OutboundMessage } from '../../src/modules/channels/provider.port.js';
import { SmtpEmailChannel, type SmtpEmailChannelOptions } from '../../src/modules/channels/smtp.channel.js';
import { startSmtpFake } from '../fakes/smtp-fake.js';
import { rejectsWith } from '../support/provider-errors.js';

const FROM = 'Herald <noreply@mail.example.com>';
const DELIVERY_ID = '01JQ8ZK7R6V3M2N4P5Q6R7S8T9.email.1';

const message = (content: OutboundMessage['message'] = { subject: 'Your order', text: 'On its way', html: '<p>On its way</p>' }, email = 'ada@example.com'): OutboundMessage => ({
  deliveryId: DELIVERY_ID, notificationId: 'n1', userId: 'u1', category: 'orders', priority: 'normal', target: { channel: 'email', email }, message: content,
});

/** An SMTP server of its own (STARTTLS unless `secure`), closed when the test ends, and a channel pointed at it. */
async function setup(t: TestContext, { secure = false, offerStartTls = true, ...options }: Partial<SmtpEmailChannelOptions> & { offerStartTls?: boolean } = {}) {
  const fake = await startSmtpFake({ user: 'herald', password: 'smtp-secret', secure, offerStartTls });
  const channel = new SmtpEmailChannel({
    host: fake.host, port: fake.port, secure, requireTls: true, auth: { user: 'herald', password: 'smtp-secret' },
    from: FROM, messageIdDomain: 'mail.example.com', timeoutMs: 2000, ...options,
  });
  t.after(async () => {
    await channel.close();
    await fake.close();
  });
  return { fake, channel };
}

describe('SmtpEmailChannel through nodemailer against a real SMTP server', () => {
  it('over STARTTLS with AUTH: From, To, Subject, text and html, Message-Id from the delivery id and X-Herald-Delivery-Id', async (t) => {
    const { fake, channel } = await setup(t);
    const result = await channel.send(message());
    assert.equal(fake.messages.length, 1);
    const m = fake.messages[0]!;
    assert.deepEqual([m.user, m.secure, m.envelope, m.status], ['herald', true, { from: 'noreply@mail.example.com', to: ['ada@example.com'] }, 250]);
    assert.deepEqual([m.from, m.to, m.subject, m.text, m.html], ['noreply@mail.example.com', ['ada@example.com'], 'Your order', 'On its way', '<p>On its way</p>']);
    assert.equal(m.messageId, `<${DELIVERY_ID}@mail.example.com>`);
    assert.equal(m.headers['x-herald-delivery-id'], DELIVERY_ID);
    assert.equal(m.headers['x-herald-notification-id'], 'n1');
    assert.equal(result.providerMessageId, `${DELIVERY_ID}@mail.example.com`);
  });

  it('sends the message’s List-Unsubscribe headers (RFC 2369, RFC 8058), and refuses one that spans lines', async (t) => {
    const { fake, channel } = await setup(t);
    const headers = { 'List-Unsubscribe': '<https://herald.example.com/u/k.p.s>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
    await channel.send({ ...message(), headers });
    const m = fake.messages[0]!;
    assert.equal(m.rawHeaders['list-unsubscribe'], '<https://herald.example.com/u/k.p.s>');
    assert.equal(m.rawHeaders['list-unsubscribe-post'], 'List-Unsubscribe=One-Click');
    await assert.rejects(channel.send({ ...message(), headers: { 'List-Unsubscribe': '<https://x.example>\nBcc: victim@example.com' } }), rejectsWith('permanent', 'header_injection'));
    assert.equal(fake.messages.length, 1);
  });

  it('over implicit TLS (SMTPS), and falls back to title and body', async (t) => {
    const { fake, channel } = await setup(t, { secure: true });
    await channel.send(message({ title: 'Shipped', body: 'Plain body' }));
    const m = fake.messages[0]!;
    assert.deepEqual([m.secure, m.user, m.subject, m.text, m.html], [true, 'herald', 'Shipped', 'Plain body', undefined]);
  });

  it('keeps pooled connections: many sends, few sessions, each message its own', async (t) => {
    const { fake, channel } = await setup(t, { maxConnections: 2 });
    await Promise.all(Array.from({ length: 12 }, (_, i) => channel.send({ ...message({ subject: `n${i}`, text: 'x' }), deliveryId: `d${i}` })));
    assert.deepEqual(fake.messages.map((m) => m.subject).sort(), Array.from({ length: 12 }, (_, i) => `n${i}`).sort());
    assert.equal(new Set(fake.messages.map((m) => m.headers['x-herald-delivery-id'])).size, 12);
    assert.ok(fake.sessions.size <= 2, `${fake.sessions.size} SMTP sessions for 12 messages`);
  });

  it('4xx replies are retryable, at any stage: 421, 450 at RCPT, 451 at DATA, 452 at MAIL; each is an answer (nothing was taken)', async (t) => {
    const { fake, channel } = await setup(t);
    for (const [code, stage] of [[421, 'data'], [450, 'rcpt'], [451, 'data'], [452, 'mail']] as const) {
      fake.failNext(1, { code, stage, message: 'try again later' });
      await assert.rejects(channel.send(message()), rejectsWith('retryable', `smtp ${code}`, { answered: true }), `${code} at ${stage}`);
    }
    assert.ok((await channel.send(message())).providerMessageId, 'and the next send goes through');
  });

  it('5xx replies are permanent: an unknown recipient (550 at RCPT), 552 and 554 at DATA', async (t) => {
    const { fake, channel } = await setup(t);
    fake.rejectedRecipients.add('nobody@example.com');
    await assert.rejects(channel.send(message(undefined, 'nobody@example.com')), rejectsWith('permanent', 'smtp 550'));
    for (const code of [552, 554]) {
      fake.failNext(1, { code, message: 'rejected' });
      await assert.rejects(channel.send(message()), rejectsWith('permanent', `smtp ${code}`), String(code));
    }
    assert.deepEqual(fake.messages.map((m) => m.status), [552, 554], 'the rejected recipient never reached DATA');
  });

  it('wrong credentials are permanent (535)', async (t) => {
    const { channel } = await setup(t, { auth: { user: 'herald', password: 'wrong' } });
    await assert.rejects(channel.send(message()), rejectsWith('permanent', 'smtp 535'));
  });

  it('a server that does not take STARTTLS is refused before anything is sent (its 500 fails every message alike)', async (t) => {
    const { fake, channel } = await setup(t, { offerStartTls: false });
    await assert.rejects(channel.send(message()), (e) => rejectsWith('permanent', 'smtp 500')(e) && /STARTTLS/.test((e as Error).message));
    assert.equal(fake.messages.length, 0);
  });

  it('a server that stops answering after the message is retryable and may have taken it; one that is gone is refused before anything left', async (t) => {
    const { fake, channel } = await setup(t, { timeoutMs: 300 });
    fake.failNext(1, { code: 0, stage: 'data', hang: true });
    await assert.rejects(channel.send(message()), rejectsWith('retryable', 'timeout', { answered: false }));
    await channel.close();
    await fake.close();
    const gone = new SmtpEmailChannel({ host: fake.host, port: fake.port, secure: false, requireTls: true, auth: null, from: FROM, messageIdDomain: 'mail.example.com', timeoutMs: 1000 });
    t.after(() => gone.close());
    await assert.rejects(gone.send(message()), rejectsWith('retryable', 'ECONNREFUSED', { answered: true }));
  });

  it('refuses a line break in subject, from or to before anything reaches the server', async (t) => {
    const { fake, channel } = await setup(t);
    await assert.rejects(channel.send(message({ subject: 'Hi\r\nBcc: victim@example.com', text: 'x' })), rejectsWith('permanent', 'header_injection'));
    await assert.rejects(channel.send(message(undefined, 'ada@example.com\r\nBcc: victim@example.com')), rejectsWith('permanent', 'header_injection'));
    const { fake: other, channel: badFrom } = await setup(t, { from: 'Herald <noreply@mail.example.com>\nBcc: victim@example.com' });
    await assert.rejects(badFrom.send(message()), rejectsWith('permanent', 'header_injection'));
    assert.equal(fake.messages.length + other.messages.length, 0);
  });

  it('refuses a non-email target without calling the server', async (t) => {
    const { fake, channel } = await setup(t);
    await assert.rejects(channel.send({ ...message(), target: { channel: 'sms', phone: '+447700900123' } }), rejectsWith('permanent', 'wrong_target'));
    assert.equal(fake.messages.length, 0);
  });
});
