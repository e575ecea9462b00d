import assert from 'node:assert/strict';
import { createECDH } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, type ConfigIssue } from '../../src/config/herald-config.js';
import { tempDir } from '../support/temp.js';

const BASE = { DATA_DIR: '/nonexistent-herald-data' };

/** The variables the configuration refused, each with its message; none when it loads. */
function issuesOf(env: Record<string, string>): ConfigIssue[] {
  try {
    loadConfig({ ...BASE, ...env });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
}

/** Exactly one issue, about `variable`; its message. */
function refusal(env: Record<string, string>, variable: string): string {
  const issues = issuesOf(env);
  assert.deepEqual(issues.map((i) => i.variable), [variable], JSON.stringify(issues));
  return issues[0]!.message;
}

describe('configuration: values that do not parse stop the start, naming the variable', () => {
  it('the defaults load, and an empty variable counts as unset', () => {
    assert.deepEqual(issuesOf({}), []);
    assert.deepEqual(issuesOf({ PORT: '', BREAKER_FAILURE_RATE: '', TRUST_PROXY: '', CATEGORY_POLICIES: '' }), []);
    assert.equal(loadConfig({ ...BASE, PORT: '' }).port, 3000);
  });

  it('numbers: not a number, a fraction, negative, out of range', () => {
    assert.equal(refusal({ PORT: 'http' }, 'PORT'), '"http" is not a whole number from 0 to 65535');
    assert.equal(refusal({ PORT: '70000' }, 'PORT'), '"70000" is not a whole number from 0 to 65535');
    assert.equal(refusal({ SMS_RATE_LIMIT: '-1' }, 'SMS_RATE_LIMIT'), '"-1" is not a whole number of at least 0');
    assert.equal(refusal({ WEBHOOK_CONCURRENCY: '1.5' }, 'WEBHOOK_CONCURRENCY'), '"1.5" is not a whole number of at least 0');
    assert.equal(refusal({ ACTOR_MAX: '0' }, 'ACTOR_MAX'), '"0" is not a whole number of at least 1');
    assert.equal(loadConfig({ ...BASE, PORT: '8080', SMS_RATE_LIMIT: '0' }).channels.sms.ratePerSecond, 0);
  });

  it('rates: a NaN or out-of-range failure rate', () => {
    assert.equal(refusal({ BREAKER_FAILURE_RATE: 'half' }, 'BREAKER_FAILURE_RATE'), '"half" is not a number greater than 0 and at most 1');
    assert.match(refusal({ BREAKER_FAILURE_RATE: '1.5' }, 'BREAKER_FAILURE_RATE'), /"1.5" is not a number/);
    assert.match(refusal({ BREAKER_FAILURE_RATE: '0' }, 'BREAKER_FAILURE_RATE'), /"0" is not a number/);
    assert.equal(loadConfig({ ...BASE, BREAKER_FAILURE_RATE: '0.25' }).breaker.failureRate, 0.25);
  });

  it('durations: no unit, an unknown unit, words', () => {
    assert.equal(refusal({ RETRY_BASE_DELAY: '2' }, 'RETRY_BASE_DELAY'), '"2" is not a duration like 500ms, 30s, 5m, 24h or 7d');
    assert.match(refusal({ ACTOR_IDLE: '5 minutes' }, 'ACTOR_IDLE'), /"5 minutes" is not a duration/);
    assert.match(refusal({ SHUTDOWN_GRACE: '1w' }, 'SHUTDOWN_GRACE'), /"1w" is not a duration/);
    const config = loadConfig({ ...BASE, RETRY_BASE_DELAY: '250ms', SHUTDOWN_GRACE: '1.5s' });
    assert.equal(config.retry.baseDelayMs, 250);
    assert.equal(config.shutdownGraceMs, 1500);
  });

  it('rate limits: a count that is not a number, a bad window, extra parts', () => {
    assert.equal(refusal({ RATE_LIMIT_SMS: 'five/1d' }, 'RATE_LIMIT_SMS'), '"five/1d" is not a rate like 20/1h (a count, then a duration)');
    assert.match(refusal({ RATE_LIMIT_PUSH: '20/hour' }, 'RATE_LIMIT_PUSH'), /"20\/hour" is not a rate/);
    assert.match(refusal({ RATE_LIMIT_EMAIL: '/1h' }, 'RATE_LIMIT_EMAIL'), /is not a rate/);
    assert.match(refusal({ RATE_LIMIT_EMAIL: '10/1h/2' }, 'RATE_LIMIT_EMAIL'), /is not a rate/);
    assert.deepEqual(loadConfig({ ...BASE, RATE_LIMIT_SMS: '3/12h' }).policy.rateLimits.sms, { limit: 3, windowMs: 12 * 3_600_000 });
  });

  it('booleans: anything but true/false, 1/0, yes/no', () => {
    assert.equal(refusal({ TRUST_PROXY: 'maybe' }, 'TRUST_PROXY'), '"maybe" is not true or false (also accepted: 1/0, yes/no)');
    assert.match(refusal({ EMAIL_TRACKING: 'on' }, 'EMAIL_TRACKING'), /"on" is not true or false/);
    assert.equal(loadConfig({ ...BASE, TRUST_PROXY: 'YES', EMAIL_TRACKING: '0' }).http.trustProxy, true);
  });

  it('choices: a value outside the list names the choices', () => {
    assert.equal(refusal({ EVENT_STORE: 'mongodb' }, 'EVENT_STORE'), '"mongodb" must be sqlite, eventstoredb or postgres');
    assert.equal(refusal({ QUEUE: 'kafka' }, 'QUEUE'), '"kafka" must be sqlite or bullmq');
    assert.match(refusal({ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL'), /"verbose" must be fatal, error, warn, info, debug, trace or silent/);
    assert.match(refusal({ HERALD_ROLES: 'api,mailer' }, 'HERALD_ROLES'), /"api,mailer" must list roles from api, dispatcher, worker, projector/);
    const store = loadConfig({ ...BASE, SQLITE_SYNCHRONOUS: 'normal' }).eventStore;
    assert.equal(store.kind === 'sqlite' && store.synchronous, 'NORMAL');
  });

  it('URLs: not a URL, the wrong scheme, required and missing; a password is not repeated', () => {
    assert.equal(refusal({ PUBLIC_BASE_URL: 'herald.example.com' }, 'PUBLIC_BASE_URL'), '"herald.example.com" is not a URL starting with http:// or https://');
    assert.match(refusal({ ALERT_WEBHOOK_URL: 'ftp://alerts.example.com' }, 'ALERT_WEBHOOK_URL'), /is not a URL starting with http:\/\/ or https:\/\//);
    assert.equal(refusal({ EVENT_STORE: 'postgres' }, 'DATABASE_URL'), 'not set; it is required when EVENT_STORE=postgres');
    assert.equal(refusal({ QUEUE: 'bullmq' }, 'REDIS_URL'), 'not set; it is required when QUEUE=bullmq');
    assert.match(refusal({ EVENT_STORE: 'eventstoredb', EVENTSTORE_URL: 'localhost:2113' }, 'EVENTSTORE_URL'), /starting with esdb:\/\/ or esdb\+discover:\/\//);
    const message = refusal({ DATABASE_URL: 'mysql://herald:s3cret@db:3306/herald' }, 'DATABASE_URL');
    assert.equal(message, '"mysql://herald:***@db:3306/herald" is not a URL starting with postgres:// or postgresql://');
    assert.match(refusal({ QUEUE: 'bullmq', REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL'), /starting with redis:\/\/ or rediss:\/\//);
    assert.match(refusal({ MAILGUN_API_KEY: 'k', MAILGUN_DOMAIN: 'mg.example.com', MAILGUN_FROM: 'a@example.com', MAILGUN_URL: 'api.mailgun.net' }, 'MAILGUN_URL'), /is not a URL/);
  });

  it('CATEGORY_POLICIES: not JSON, not an object, unknown settings, bad values, each reported', () => {
    assert.match(refusal({ CATEGORY_POLICIES: '{security: true}' }, 'CATEGORY_POLICIES'), /^not valid JSON/);
    assert.match(refusal({ CATEGORY_POLICIES: '["security"]' }, 'CATEGORY_POLICIES'), /^not a JSON object of categories/);
    assert.equal(refusal({ CATEGORY_POLICIES: '{"security": true}' }, 'CATEGORY_POLICIES'), 'security: must be an object of settings (critical, push, sms, email, inapp, quietHours, timezone, digest)');
    assert.equal(refusal({ CATEGORY_POLICIES: '{"marketing": {"pushh": "2/1d"}}' }, 'CATEGORY_POLICIES'), 'marketing.pushh: unknown setting (known: critical, push, sms, email, inapp, quietHours, timezone, digest)');
    assert.equal(refusal({ CATEGORY_POLICIES: '{"security": {"critical": "yes"}}' }, 'CATEGORY_POLICIES'), 'security.critical: "yes" is not true or false');
    assert.equal(refusal({ CATEGORY_POLICIES: '{"marketing": {"sms": 2}}' }, 'CATEGORY_POLICIES'), 'marketing.sms: 2 is not a rate like "20/1h"');
    const issues = issuesOf({ CATEGORY_POLICIES: '{"marketing": {"push": "2/day", "emial": "1/1d"}, "security": {"critical": 1}}' });
    assert.deepEqual(issues.map((i) => i.message), [
      'marketing.push: "2/day" is not a rate like "20/1h"',
      'marketing.emial: unknown setting (known: critical, push, sms, email, inapp, quietHours, timezone, digest)',
      'security.critical: 1 is not true or false',
    ]);
    assert.deepEqual({ ...loadConfig({ ...BASE, CATEGORY_POLICIES: '{"security": {"critical": true}, "marketing": {"push": "2/1d"}}' }).policy.categories }, {
      security: { critical: true, rateLimits: {} },
      marketing: { critical: false, rateLimits: { push: { limit: 2, windowMs: 86_400_000 } } },
    });
  });

  it('CATEGORY_POLICIES quiet hours and time zones, and DEFAULT_TIMEZONE: each bad one named, all at once', () => {
    const issues = issuesOf({
      DEFAULT_TIMEZONE: 'Mars/Olympus',
      CATEGORY_POLICIES: JSON.stringify({
        marketing: { quietHours: { start: '25:00', end: '7:30', days: ['monday'], channels: ['fax'] }, timezone: 'Europe/Nowhere' },
        news: { quietHours: { start: '22:00', end: '22:00', when: 'night' } },
        security: { critical: true, quietHours: { start: '22:00', end: '07:00' } },
      }),
    });
    assert.deepEqual(
      issues.map((i) => `${i.variable}: ${i.message}`),
      [
        'CATEGORY_POLICIES: marketing.quietHours.start: start must be a time HH:MM from 00:00 to 23:59',
        'CATEGORY_POLICIES: marketing.quietHours.end: end must be a time HH:MM from 00:00 to 23:59',
        'CATEGORY_POLICIES: marketing.quietHours.days: days must be a non-empty list, each once, of sun, mon, tue, wed, thu, fri, sat',
        'CATEGORY_POLICIES: marketing.quietHours.channels: channels must be a non-empty list, each once, of push, sms, email, inapp',
        'CATEGORY_POLICIES: marketing.timezone: "Europe/Nowhere" is not an IANA time zone like Europe/London',
        'CATEGORY_POLICIES: news.quietHours.when: unknown setting (known: start, end, days, channels)',
        'CATEGORY_POLICIES: security.quietHours: a critical category is never held back by quiet hours',
        'DEFAULT_TIMEZONE: "Mars/Olympus" is not an IANA time zone like Europe/London (or UTC)',
      ],
    );
    const config = loadConfig({
      ...BASE,
      DEFAULT_TIMEZONE: 'America/New_York',
      CATEGORY_POLICIES: '{"marketing": {"quietHours": {"start": "21:00", "end": "08:00", "channels": ["push"]}, "timezone": "Europe/Berlin"}}',
    });
    assert.equal(config.policy.defaultTimezone, 'America/New_York');
    assert.deepEqual({ ...config.policy.categories.marketing }, {
      critical: false,
      rateLimits: {},
      quietHours: { start: '21:00', end: '08:00', channels: ['push'] },
      timezone: 'Europe/Berlin',
    });
    assert.equal(loadConfig(BASE).policy.defaultTimezone, 'UTC');
  });

  it('CATEGORY_POLICIES digest: a bad window, an unknown channel, no template, a bad maxItems, a critical digest, each named', () => {
    const issues = issuesOf({
      CATEGORY_POLICIES: JSON.stringify({
        orders: { digest: { window: 'hourly', channels: ['email', 'fax'], maxItems: 0 } },
        news: { digest: { window: '1h', channels: [], template: 'news-digest', every: 'day' } },
        security: { critical: true, digest: { window: '1h', channels: ['email'], template: 'security-digest' } },
        social: { digest: 'daily' },
      }),
    });
    assert.deepEqual(
      issues.map((i) => `${i.variable}: ${i.message}`),
      [
        'CATEGORY_POLICIES: orders.digest.window: "hourly" is not a duration of 1s or more like "1h" or "30m"',
        'CATEGORY_POLICIES: orders.digest.channels: "fax" is not a channel (push, sms, email)',
        'CATEGORY_POLICIES: orders.digest.template: a digest needs the id of the template it is rendered with',
        'CATEGORY_POLICIES: orders.digest.maxItems: 0 is not a whole number from 1 to 1000',
        'CATEGORY_POLICIES: news.digest.every: unknown setting (known: window, channels, template, maxItems)',
        'CATEGORY_POLICIES: news.digest.channels: must be a non-empty list of channels (push, sms, email)',
        'CATEGORY_POLICIES: security.digest: a critical category is never held back in a digest',
        'CATEGORY_POLICIES: social.digest: must be an object like {"window": "1h", "channels": ["email"], "template": "daily-digest"}',
      ],
    );
    const config = loadConfig({ ...BASE, CATEGORY_POLICIES: '{"orders": {"digest": {"window": "1h", "channels": ["email", "push"], "template": "orders-digest", "maxItems": 50}}}' });
    assert.deepEqual({ ...config.policy.categories.orders }, {
      critical: false,
      rateLimits: {},
      digest: { windowMs: 3_600_000, channels: ['email', 'push'], templateId: 'orders-digest', maxItems: 50 },
    });
  });

  it('schemas, secrets and providers: a bad schema name, an unreadable secret file, a partly configured provider, a service account that is not one', (t) => {
    assert.match(refusal({ DATABASE_SCHEMA: 'herald; DROP TABLE events' }, 'DATABASE_SCHEMA'), /is not a schema name/);
    assert.match(refusal({ EVENT_STORE: 'postgres', DATABASE_URL: 'postgres://h@db/h', EVENT_STORE_SCHEMA: 'Log' }, 'EVENT_STORE_SCHEMA'), /"Log" is not a schema name/);
    assert.match(refusal({ MAILGUN_API_KEY_FILE: '/nonexistent/mailgun-key' }, 'MAILGUN_API_KEY_FILE'), /^cannot read \/nonexistent\/mailgun-key \(ENOENT\)$/);
    assert.deepEqual(
      issuesOf({ VONAGE_API_KEY: 'key' }).map((i) => [i.variable, i.message]),
      ['VONAGE_API_SECRET', 'VONAGE_FROM'].map((v) => [v, 'not set, but Vonage is partly configured: set all of VONAGE_API_KEY, VONAGE_API_SECRET, VONAGE_FROM, or none of them for the sandbox']),
    );
    assert.equal(refusal({ FCM_SERVICE_ACCOUNT: '{"project_id": "p"}' }, 'FCM_SERVICE_ACCOUNT'), 'not a service-account JSON document: it lacks client_email, private_key');
    const file = join(tempDir(t), 'account.json');
    writeFileSync(file, 'not json');
    assert.equal(refusal({ FCM_SERVICE_ACCOUNT_FILE: file }, 'FCM_SERVICE_ACCOUNT_FILE'), 'not a service-account JSON document');
  });

  it('collects every bad variable into one error whose message lists them all', () => {
    const env = { ...BASE, PORT: 'x', BREAKER_FAILURE_RATE: 'NaN', RETRY_MAX_DELAY: '10', TRUST_PROXY: 'sometimes', CATEGORY_POLICIES: '{"a": {"b": 1}}', PUBLIC_BASE_URL: 'nowhere' };
    let error: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof ConfigError);
    assert.deepEqual(error.issues.map((i) => i.variable).sort(), ['BREAKER_FAILURE_RATE', 'CATEGORY_POLICIES', 'PORT', 'PUBLIC_BASE_URL', 'RETRY_MAX_DELAY', 'TRUST_PROXY']);
    const lines = error.message.split('\n');
    assert.equal(lines[0], "Herald's configuration is invalid (6 variables):");
    for (const issue of error.issues) assert.ok(lines.includes(`  ${issue.variable}: ${issue.message}`), issue.variable);
  });
});

const SID = `AC${'0123456789abcdef'.repeat(2)}`;
const TWILIO = { TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: 'token', TWILIO_FROM: '+15005550006' };
const VONAGE = { VONAGE_API_KEY: 'k', VONAGE_API_SECRET: 's', VONAGE_FROM: 'Herald' };
const MAILGUN = { MAILGUN_API_KEY: 'k', MAILGUN_DOMAIN: 'mg.example.com', MAILGUN_FROM: 'Herald <noreply@mg.example.com>' };
const SMTP = { SMTP_HOST: 'smtp.example.com', SMTP_FROM: 'Herald <noreply@example.com>' };
const providers = (env: Record<string, string>) => loadConfig({ ...BASE, ...env }).providers;

function vapidKeys() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { VAPID_PUBLIC_KEY: ecdh.getPublicKey('base64url'), VAPID_PRIVATE_KEY: Buffer.from(ecdh.getPrivateKey('hex').padStart(64, '0'), 'hex').toString('base64url'), VAPID_SUBJECT: 'mailto:push@example.com' };
}

describe('configuration: provider lists (SMS_PROVIDERS, EMAIL_PROVIDERS)', () => {
  it('unset: the one provider configured, or none (the sandbox)', () => {
    assert.deepEqual(providers({}).chains, { sms: [], email: [] });
    assert.deepEqual(providers({ ...TWILIO, ...SMTP }).chains, { sms: ['twilio'], email: ['smtp'] });
    assert.deepEqual(providers({ ...VONAGE, ...MAILGUN }).chains, { sms: ['vonage'], email: ['mailgun'] });
  });

  it('in the order given, each one configured', () => {
    assert.deepEqual(providers({ ...TWILIO, ...VONAGE, SMS_PROVIDERS: 'twilio, vonage', ...SMTP, ...MAILGUN, EMAIL_PROVIDERS: 'mailgun,smtp' }).chains, { sms: ['twilio', 'vonage'], email: ['mailgun', 'smtp'] });
    assert.deepEqual(providers({ ...TWILIO, ...VONAGE, SMS_PROVIDERS: 'vonage' }).chains.sms, ['vonage']);
  });

  it('an unknown name, a repeated one, one not configured, two configured and no order: the variable is named', () => {
    assert.equal(refusal({ SMS_PROVIDERS: 'vonage,nexmo', ...VONAGE }, 'SMS_PROVIDERS'), 'unknown provider "nexmo"; it takes vonage, twilio');
    assert.equal(refusal({ ...MAILGUN, EMAIL_PROVIDERS: 'mailgun,sendgrid' }, 'EMAIL_PROVIDERS'), 'unknown provider "sendgrid"; it takes mailgun, smtp');
    assert.equal(refusal({ ...VONAGE, SMS_PROVIDERS: 'vonage,vonage' }, 'SMS_PROVIDERS'), 'vonage listed twice');
    assert.equal(refusal({ ...VONAGE, SMS_PROVIDERS: 'vonage,twilio' }, 'SMS_PROVIDERS'), 'twilio is not configured (set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID)');
    assert.equal(refusal({ ...MAILGUN, ...SMTP }, 'EMAIL_PROVIDERS'), 'not set, but mailgun and smtp are both configured: list the ones to use, in order, e.g. EMAIL_PROVIDERS=mailgun,smtp');
  });
});

describe('configuration: Twilio, SMTP and VAPID', () => {
  it('Twilio: a sender or a Messaging Service, the API and status callback URLs', () => {
    assert.deepEqual(providers(TWILIO).twilio, { accountSid: SID, authToken: 'token', from: '+15005550006', messagingServiceSid: null, apiUrl: 'https://api.twilio.com', statusCallbackUrl: null });
    const service = `MG${'f'.repeat(32)}`;
    const twilio = providers({ TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: 'token', TWILIO_MESSAGING_SERVICE_SID: service, TWILIO_API_URL: 'https://127.0.0.1:8443', TWILIO_STATUS_CALLBACK_URL: 'https://hooks.example.com/sms' }).twilio!;
    assert.deepEqual([twilio.from, twilio.messagingServiceSid, twilio.apiUrl, twilio.statusCallbackUrl], [null, service, 'https://127.0.0.1:8443', 'https://hooks.example.com/sms']);
  });

  it('Twilio: all or none, one sender, well-formed SIDs, https URLs', () => {
    assert.deepEqual(issuesOf({ TWILIO_ACCOUNT_SID: SID }).map((i) => i.variable), ['TWILIO_AUTH_TOKEN', 'TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID']);
    assert.equal(refusal({ ...TWILIO, TWILIO_ACCOUNT_SID: 'SK123' }, 'TWILIO_ACCOUNT_SID'), 'an account SID is AC followed by 32 hexadecimal digits');
    assert.equal(refusal({ ...TWILIO, TWILIO_MESSAGING_SERVICE_SID: `MG${'f'.repeat(32)}` }, 'TWILIO_MESSAGING_SERVICE_SID'), 'set TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID, not both');
    assert.match(refusal({ ...TWILIO, TWILIO_API_URL: 'http://api.twilio.com' }, 'TWILIO_API_URL'), /is not a URL starting with https:\/\//);
    assert.match(refusal({ ...TWILIO, TWILIO_STATUS_CALLBACK_URL: 'nope' }, 'TWILIO_STATUS_CALLBACK_URL'), /"nope" is not a URL/);
  });

  it('SMTP from SMTP_URL: smtps is implicit TLS on 465, smtp is STARTTLS on 587, credentials decoded', () => {
    assert.deepEqual(providers({ SMTP_URL: 'smtps://herald%40example.com:p%3Ass@smtp.example.com', SMTP_FROM: 'Herald <noreply@example.com>' }).smtp, {
      host: 'smtp.example.com', port: 465, secure: true, requireTls: true, auth: { user: 'herald@example.com', password: 'p:ss' },
      from: 'Herald <noreply@example.com>', messageIdDomain: 'example.com', maxConnections: 5,
    });
    const starttls = providers({ SMTP_URL: 'smtp://relay.internal:2525', SMTP_FROM: 'noreply@mail.example.com' }).smtp!;
    assert.deepEqual([starttls.host, starttls.port, starttls.secure, starttls.auth, starttls.messageIdDomain], ['relay.internal', 2525, false, null, 'mail.example.com']);
  });

  it('SMTP from separate variables: port 465 means implicit TLS unless SMTP_SECURE says otherwise', () => {
    const smtp = providers({ ...SMTP, SMTP_PORT: '465', SMTP_USER: 'u', SMTP_PASSWORD: 'p', SMTP_MAX_CONNECTIONS: '8' }).smtp!;
    assert.deepEqual([smtp.port, smtp.secure, smtp.auth, smtp.maxConnections], [465, true, { user: 'u', password: 'p' }, 8]);
    const plain = providers({ ...SMTP, SMTP_SECURE: 'false', SMTP_REQUIRE_TLS: 'false' }).smtp!;
    assert.deepEqual([plain.port, plain.secure, plain.requireTls], [587, false, false]);
  });

  it('SMTP: all or none, user and password together, a From address, an smtp: or smtps: URL whose password is not repeated', () => {
    assert.deepEqual(issuesOf({ SMTP_HOST: 'smtp.example.com' }).map((i) => i.variable), ['SMTP_FROM']);
    assert.deepEqual(issuesOf({ SMTP_FROM: 'noreply@example.com' }).map((i) => i.variable), ['SMTP_URL or SMTP_HOST']);
    assert.match(refusal({ ...SMTP, SMTP_USER: 'u' }, 'SMTP_PASSWORD'), /SMTP_USER and SMTP_PASSWORD go together/);
    assert.equal(refusal({ ...SMTP, SMTP_FROM: 'Herald' }, 'SMTP_FROM'), '"Herald" is not an address like Herald <noreply@example.com>');
    const message = refusal({ SMTP_URL: 'https://u:s3cret@smtp.example.com', SMTP_FROM: 'noreply@example.com' }, 'SMTP_URL');
    assert.match(message, /^not a URL starting with smtp:\/\/ \(STARTTLS\) or smtps:\/\//);
    assert.doesNotMatch(message, /s3cret/);
  });

  it('VAPID: a P-256 key pair and a contact; all or none', () => {
    const keys = vapidKeys();
    assert.deepEqual(providers(keys).webpush, { publicKey: keys.VAPID_PUBLIC_KEY, privateKey: keys.VAPID_PRIVATE_KEY, subject: 'mailto:push@example.com' });
    assert.equal(providers({}).webpush, null);
    assert.deepEqual(issuesOf({ VAPID_PUBLIC_KEY: keys.VAPID_PUBLIC_KEY }).map((i) => i.variable), ['VAPID_PRIVATE_KEY', 'VAPID_SUBJECT']);
  });

  it('VAPID: keys of the right length that belong together, a mailto: or https: subject', () => {
    const keys = vapidKeys();
    assert.match(refusal({ ...keys, VAPID_PUBLIC_KEY: keys.VAPID_PUBLIC_KEY.slice(0, 40) }, 'VAPID_PUBLIC_KEY'), /not base64url of a 65-byte uncompressed P-256 public key/);
    assert.equal(refusal({ ...keys, VAPID_PRIVATE_KEY: 'abcd' }, 'VAPID_PRIVATE_KEY'), 'not base64url of a 32-byte P-256 private key');
    assert.equal(refusal({ ...keys, VAPID_PUBLIC_KEY: vapidKeys().VAPID_PUBLIC_KEY }, 'VAPID_PUBLIC_KEY'), 'not the public key of VAPID_PRIVATE_KEY');
    assert.equal(refusal({ ...keys, VAPID_SUBJECT: 'push@example.com' }, 'VAPID_SUBJECT'), '"push@example.com" is not a mailto: address or an https: URL, like mailto:push@example.com');
  });
});

describe('configuration: the inbound SMS webhook (VONAGE_SIGNATURE_SECRET, VONAGE_SIGNATURE_METHOD)', () => {
  const inbound = (env: Record<string, string>) => loadConfig({ ...BASE, ...env }).inboundSms;

  it('off unless the signature secret is set; the method defaults to Vonage’s, MD5 hash', () => {
    assert.deepEqual(inbound({}), { vonage: null });
    assert.deepEqual(inbound({ VONAGE_SIGNATURE_SECRET: 'secret' }), { vonage: { signatureSecret: 'secret', signatureMethod: 'md5hash' } });
    assert.deepEqual(inbound({ VONAGE_SIGNATURE_SECRET: 'secret', VONAGE_SIGNATURE_METHOD: 'sha512' }).vonage?.signatureMethod, 'sha512');
  });

  it('the secret may come from a file', (t) => {
    const file = join(tempDir(t), 'vonage-signature-secret');
    writeFileSync(file, 'from-a-file\n');
    assert.equal(inbound({ VONAGE_SIGNATURE_SECRET_FILE: file }).vonage?.signatureSecret, 'from-a-file');
  });

  it('an unknown method, or a method without a secret, names the variable', () => {
    assert.equal(refusal({ VONAGE_SIGNATURE_SECRET: 'secret', VONAGE_SIGNATURE_METHOD: 'sha384' }, 'VONAGE_SIGNATURE_METHOD'), '"sha384" must be md5hash, md5, sha1, sha256 or sha512');
    assert.match(refusal({ VONAGE_SIGNATURE_METHOD: 'sha256' }, 'VONAGE_SIGNATURE_METHOD'), /VONAGE_SIGNATURE_SECRET is not/);
  });
});
