import type { TestContext } from 'node:test';
import { apnsTestKey, startApnsFake } from '../fakes/apns-fake.js';
import { fcmTestServiceAccount, startFcmFake } from '../fakes/fcm-fake.js';
import { startMailgunFake } from '../fakes/mailgun-fake.js';
import { startVonageFake } from '../fakes/vonage-fake.js';

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

export { queueProfiles } from './profiles.js';
