import type { TestContext } from 'node:test';
import { apnsTestKey, startApnsFake } from '../fakes/apns-fake.js';
import { fcmTestServiceAccount, startFcmFake } from '../fakes/fcm-fake.js';
import { startMailgunFake } from '../fakes/mailgun-fake.js';
import { startSmtpFake } from '../fakes/smtp-fake.js';
import { startTwilioFake } from '../fakes/twilio-fake.js';
import { startVonageFake } from '../fakes/vonage-fake.js';
import { startWebPushFake, vapidTestKeys } from '../fakes/webpush-fake.js';

export const APNS_TOPIC = 'com.example.herald';

/** All four provider fakes, and the environment that points Herald's real SDK adapters at them. */
export async function startProviderFakes(t: TestContext) {
  const key = apnsTestKey();
  const apns = await startApnsFake({ publicKey: key.publicKey, teamId: 'TEAM123456', keyId: 'KEY1234567', topic: APNS_TOPIC });
  const account = fcmTestServiceAccount('herald-test');
  const fcm = await startFcmFake({ projectId: 'herald-test', publicKey: account.publicKey, clientEmail: account.serviceAccount.client_email });
  const vonage = await startVonageFake({ apiKey: 'vonage-key', apiSecret: 'vonage-secret' });
  const mailgun = await startMailgunFake({ apiKey: 'mailgun-key', domain: 'mg.example.com' });
  t.after(async () => {
    await Promise.all([apns.close(), fcm.close(), vonage.close(), mailgun.close()]);
  });
  const env: Record<string, string> = {
    APNS_TEAM_ID: 'TEAM123456',
    APNS_KEY_ID: 'KEY1234567',
    APNS_SIGNING_KEY: key.privateKeyPem,
    APNS_TOPIC,
    APNS_ENDPOINT: apns.url,
    FCM_SERVICE_ACCOUNT: JSON.stringify(account.serviceAccount),
    FCM_ENDPOINT: fcm.url,
    FCM_TOKEN_URL: fcm.tokenUrl,
    VONAGE_API_KEY: 'vonage-key',
    VONAGE_API_SECRET: 'vonage-secret',
    VONAGE_FROM: 'Herald',
    VONAGE_REST_URL: vonage.url,
    MAILGUN_API_KEY: 'mailgun-key',
    MAILGUN_DOMAIN: 'mg.example.com',
    MAILGUN_FROM: 'Herald <noreply@mg.example.com>',
    MAILGUN_URL: mailgun.url,
  };
  return { apns, fcm, vonage, mailgun, env };
}

export const TWILIO_ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;

/**
 * The Twilio, SMTP (STARTTLS) and push service fakes, and the environment that points Herald's
 * Twilio, SMTP and Web Push adapters at them; with startProviderFakes' environment too, name the
 * order in SMS_PROVIDERS and EMAIL_PROVIDERS.
 */
export async function startTwilioSmtpWebPushFakes(t: TestContext) {
  const twilio = await startTwilioFake({ accountSid: TWILIO_ACCOUNT_SID, authToken: 'twilio-token' });
  const smtp = await startSmtpFake({ user: 'herald', password: 'smtp-secret', secure: false });
  const vapid = vapidTestKeys();
  const webpush = await startWebPushFake({ applicationServerKey: vapid.publicKey });
  t.after(async () => {
    await Promise.all([twilio.close(), smtp.close(), webpush.close()]);
  });
  const env: Record<string, string> = {
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: 'twilio-token',
    TWILIO_FROM: '+15005550006',
    TWILIO_API_URL: twilio.url,
    SMTP_URL: `smtp://herald:smtp-secret@${smtp.host}:${smtp.port}`,
    SMTP_FROM: 'Herald <noreply@mail.example.com>',
    VAPID_PUBLIC_KEY: vapid.publicKey,
    VAPID_PRIVATE_KEY: vapid.privateKey,
    VAPID_SUBJECT: 'mailto:push@example.com',
  };
  return { twilio, smtp, webpush, env };
}

export { queueProfiles } from './profiles.js';
