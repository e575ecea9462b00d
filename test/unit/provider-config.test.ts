import assert from 'node:assert/strict';
import { createECDH } from 'node:crypto';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/herald-config.js';

const SID = `AC${'0123456789abcdef'.repeat(2)}`;
const TWILIO = { TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: 'token', TWILIO_FROM: '+15005550006' };
const VONAGE = { VONAGE_API_KEY: 'k', VONAGE_API_SECRET: 's', VONAGE_FROM: 'Herald' };
const MAILGUN = { MAILGUN_API_KEY: 'k', MAILGUN_DOMAIN: 'mg.example.com', MAILGUN_FROM: 'Herald <noreply@mg.example.com>' };
const SMTP = { SMTP_HOST: 'smtp.example.com', SMTP_FROM: 'Herald <noreply@example.com>' };

const providers = (env: Record<string, string>) => loadConfig({ DATA_DIR: '/nonexistent', ...env }).providers;
const fails = (env: Record<string, string>, message: RegExp) => assert.throws(() => providers(env), message);

function vapidKeys() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { VAPID_PUBLIC_KEY: ecdh.getPublicKey('base64url'), VAPID_PRIVATE_KEY: Buffer.from(ecdh.getPrivateKey('hex').padStart(64, '0'), 'hex').toString('base64url'), VAPID_SUBJECT: 'mailto:push@example.com' };
}

describe('provider lists: SMS_PROVIDERS and EMAIL_PROVIDERS', () => {
  it('unset: the one provider configured, or none (the sandbox)', () => {
    assert.deepEqual(providers({}).chains, { sms: [], email: [] });
    assert.deepEqual(providers({ ...TWILIO, ...SMTP }).chains, { sms: ['twilio'], email: ['smtp'] });
    assert.deepEqual(providers({ ...VONAGE, ...MAILGUN }).chains, { sms: ['vonage'], email: ['mailgun'] });
  });

  it('in the order given, each one configured', () => {
    assert.deepEqual(providers({ ...TWILIO, ...VONAGE, SMS_PROVIDERS: 'twilio, vonage', ...SMTP, ...MAILGUN, EMAIL_PROVIDERS: 'mailgun,smtp' }).chains, { sms: ['twilio', 'vonage'], email: ['mailgun', 'smtp'] });
    assert.deepEqual(providers({ ...TWILIO, ...VONAGE, SMS_PROVIDERS: 'vonage' }).chains.sms, ['vonage']);
  });

  it('stops start-up naming the variable: an unknown name, a repeated one, one not configured, two configured and no order', () => {
    fails({ SMS_PROVIDERS: 'vonage,nexmo' }, /^Error: SMS_PROVIDERS: unknown provider "nexmo"; it takes vonage, twilio$/);
    fails({ ...MAILGUN, EMAIL_PROVIDERS: 'mailgun,sendgrid' }, /^Error: EMAIL_PROVIDERS: unknown provider "sendgrid"; it takes mailgun, smtp$/);
    fails({ ...VONAGE, SMS_PROVIDERS: 'vonage,vonage' }, /SMS_PROVIDERS: vonage listed twice/);
    fails({ ...VONAGE, SMS_PROVIDERS: 'vonage,twilio' }, /SMS_PROVIDERS: twilio is not configured \(set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID\)/);
    fails({ ...MAILGUN, ...SMTP }, /EMAIL_PROVIDERS: mailgun and smtp are both configured; list the ones to use, in order, e.g. EMAIL_PROVIDERS=mailgun,smtp/);
  });
});

describe('Twilio settings', () => {
  it('a sender or a Messaging Service; the API and status callback URLs', () => {
    assert.deepEqual(providers(TWILIO).twilio, { accountSid: SID, authToken: 'token', from: '+15005550006', messagingServiceSid: null, apiUrl: 'https://api.twilio.com/', statusCallbackUrl: null });
    const service = `MG${'f'.repeat(32)}`;
    const twilio = providers({ TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: 'token', TWILIO_MESSAGING_SERVICE_SID: service, TWILIO_API_URL: 'https://127.0.0.1:8443', TWILIO_STATUS_CALLBACK_URL: 'https://hooks.example.com/sms' }).twilio!;
    assert.deepEqual([twilio.from, twilio.messagingServiceSid, twilio.apiUrl, twilio.statusCallbackUrl], [null, service, 'https://127.0.0.1:8443/', 'https://hooks.example.com/sms']);
  });

  it('all or none, one sender, well-formed SIDs, https URLs', () => {
    fails({ TWILIO_ACCOUNT_SID: SID }, /Twilio: set TWILIO_AUTH_TOKEN, TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID too/);
    fails({ ...TWILIO, TWILIO_ACCOUNT_SID: 'SK123' }, /TWILIO_ACCOUNT_SID: an account SID is AC followed by 32 hexadecimal digits/);
    fails({ ...TWILIO, TWILIO_MESSAGING_SERVICE_SID: `MG${'f'.repeat(32)}` }, /TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID, not both/);
    fails({ ...TWILIO, TWILIO_API_URL: 'http://api.twilio.com' }, /TWILIO_API_URL must be an https URL/);
    fails({ ...TWILIO, TWILIO_STATUS_CALLBACK_URL: 'nope' }, /TWILIO_STATUS_CALLBACK_URL: "nope" is not a URL/);
  });
});

describe('SMTP settings', () => {
  it('from SMTP_URL: smtps is implicit TLS on 465, smtp is STARTTLS on 587, credentials decoded', () => {
    assert.deepEqual(providers({ SMTP_URL: 'smtps://herald%40example.com:p%3Ass@smtp.example.com', SMTP_FROM: 'Herald <noreply@example.com>' }).smtp, {
      host: 'smtp.example.com', port: 465, secure: true, requireTls: true, auth: { user: 'herald@example.com', password: 'p:ss' },
      from: 'Herald <noreply@example.com>', messageIdDomain: 'example.com', maxConnections: 5,
    });
    const starttls = providers({ SMTP_URL: 'smtp://relay.internal:2525', SMTP_FROM: 'noreply@mail.example.com' }).smtp!;
    assert.deepEqual([starttls.host, starttls.port, starttls.secure, starttls.auth, starttls.messageIdDomain], ['relay.internal', 2525, false, null, 'mail.example.com']);
  });

  it('from separate variables: port 465 means implicit TLS unless SMTP_SECURE says otherwise', () => {
    const smtp = providers({ ...SMTP, SMTP_PORT: '465', SMTP_USER: 'u', SMTP_PASSWORD: 'p', SMTP_MAX_CONNECTIONS: '8' }).smtp!;
    assert.deepEqual([smtp.port, smtp.secure, smtp.auth, smtp.maxConnections], [465, true, { user: 'u', password: 'p' }, 8]);
    const plain = providers({ ...SMTP, SMTP_SECURE: 'false', SMTP_REQUIRE_TLS: 'false' }).smtp!;
    assert.deepEqual([plain.port, plain.secure, plain.requireTls], [587, false, false]);
  });

  it('all or none, user and password together, a From address, an smtp: or smtps: URL', () => {
    fails({ SMTP_HOST: 'smtp.example.com' }, /SMTP: set SMTP_FROM too/);
    fails({ SMTP_FROM: 'noreply@example.com' }, /SMTP: set SMTP_URL or SMTP_HOST too/);
    fails({ ...SMTP, SMTP_USER: 'u' }, /set SMTP_USER and SMTP_PASSWORD together/);
    fails({ ...SMTP, SMTP_FROM: 'Herald' }, /SMTP_FROM: "Herald" is not an address/);
    fails({ SMTP_URL: 'https://smtp.example.com', SMTP_FROM: 'noreply@example.com' }, /SMTP_URL must start with smtp:\/\/ \(STARTTLS\) or smtps:\/\//);
  });
});

describe('VAPID settings', () => {
  it('a P-256 key pair and a contact', () => {
    const keys = vapidKeys();
    assert.deepEqual(providers(keys).webpush, { publicKey: keys.VAPID_PUBLIC_KEY, privateKey: keys.VAPID_PRIVATE_KEY, subject: 'mailto:push@example.com' });
    assert.equal(providers({}).webpush, null);
  });

  it('all or none, keys of the right length that belong together, a mailto: or https: subject', () => {
    const keys = vapidKeys();
    fails({ VAPID_PUBLIC_KEY: keys.VAPID_PUBLIC_KEY }, /Web Push: set VAPID_PRIVATE_KEY, VAPID_SUBJECT too/);
    fails({ ...keys, VAPID_PUBLIC_KEY: keys.VAPID_PUBLIC_KEY.slice(0, 40) }, /VAPID_PUBLIC_KEY: base64url of the 65-byte/);
    fails({ ...keys, VAPID_PRIVATE_KEY: 'abcd' }, /VAPID_PRIVATE_KEY: base64url of the 32-byte/);
    fails({ ...keys, VAPID_PUBLIC_KEY: vapidKeys().VAPID_PUBLIC_KEY }, /VAPID_PUBLIC_KEY is not the public key of VAPID_PRIVATE_KEY/);
    fails({ ...keys, VAPID_SUBJECT: 'push@example.com' }, /VAPID_SUBJECT: a mailto: address or an https: URL/);
  });
});
