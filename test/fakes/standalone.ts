/**
 * The provider fakes (APNs, FCM, Vonage, Mailgun, and the backups Twilio and SMTP) as one long-running server, for `docker compose --profile fakes`:
 * a user can try the production topology with no provider accounts. Everything Herald needs to
 * reach them (TLS certificate, APNs signing key, FCM service account) is written to FAKES_DIR,
 * which the Herald containers mount read-only; `deploy/fakes.env` points Herald at the files
 * and at fixed ports. The credentials are kept across restarts so running Herald containers
 * stay valid.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { join } from 'node:path';
import { apnsTestKey, startApnsFake } from './apns-fake.js';
import { fcmTestServiceAccount, startFcmFake } from './fcm-fake.js';
import { startMailgunFake } from './mailgun-fake.js';
import { startSmtpFake } from './smtp-fake.js';
import { generateTestCertificate } from './tls.js';
import { startTwilioFake } from './twilio-fake.js';
import { startVonageFake } from './vonage-fake.js';

export const FAKE_CREDENTIALS = {
  apns: { teamId: 'TEAM123456', keyId: 'KEY1234567', topic: 'com.example.herald' },
  fcm: { projectId: 'herald-demo' },
  vonage: { apiKey: 'vonage-key', apiSecret: 'vonage-secret' },
  mailgun: { apiKey: 'mailgun-key', domain: 'mg.example.com' },
  twilio: { accountSid: `AC${'0123456789abcdef'.repeat(2)}`, authToken: 'twilio-token' },
  smtp: { user: 'herald', password: 'smtp-secret' },
};

const dir = process.env.FAKES_DIR || '/fakes';
const bind = process.env.FAKES_BIND || '0.0.0.0';
const basePort = Number(process.env.FAKES_PORT_BASE || '8443');
/** The host name Herald reaches the fakes by (the compose service's name). */
const publicHost = process.env.FAKES_PUBLIC_HOST || 'fakes';
mkdirSync(dir, { recursive: true });
rmSync(join(dir, 'ready'), { force: true });

// The fakes read their TLS identity from HERALD_TEST_TLS_DIR; its certificate also names the host `fakes`.
if (!existsSync(join(dir, 'cert.pem'))) generateTestCertificate(dir);
process.env.HERALD_TEST_TLS_DIR = dir;

function apnsKey(): { privateKeyPem: string; publicKey: ReturnType<typeof createPublicKey> } {
  const file = join(dir, 'apns-signing-key.p8');
  if (existsSync(file)) {
    const privateKeyPem = readFileSync(file, 'utf8');
    return { privateKeyPem, publicKey: createPublicKey(createPrivateKey(privateKeyPem)) };
  }
  const key = apnsTestKey();
  writeFileSync(file, key.privateKeyPem, { mode: 0o644 });
  return key;
}

function fcmAccount(): { serviceAccount: { client_email: string; private_key: string }; publicKey: ReturnType<typeof createPublicKey> } {
  const file = join(dir, 'fcm-service-account.json');
  if (existsSync(file)) {
    const serviceAccount = JSON.parse(readFileSync(file, 'utf8')) as { client_email: string; private_key: string };
    return { serviceAccount, publicKey: createPublicKey(createPrivateKey(serviceAccount.private_key)) };
  }
  const account = fcmTestServiceAccount(FAKE_CREDENTIALS.fcm.projectId);
  writeFileSync(file, JSON.stringify(account.serviceAccount), { mode: 0o644 });
  return account;
}

/** The fakes listen on loopback; a TCP relay on a fixed port makes each reachable from other containers. */
function relay(port: number, target: string): Promise<Server> {
  const { port: targetPort } = new URL(target);
  const server = createServer((socket) => {
    const upstream = connect(Number(targetPort), '127.0.0.1');
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  return new Promise((resolve) => server.listen(port, bind, () => resolve(server)));
}

const key = apnsKey();
const account = fcmAccount();
// Herald reads the SMTP password from a file, as a real deployment would (SMTP_PASSWORD_FILE).
writeFileSync(join(dir, 'smtp-password'), FAKE_CREDENTIALS.smtp.password, { mode: 0o644 });
const smtp = await startSmtpFake({ ...FAKE_CREDENTIALS.smtp, secure: false });
const fakes = [
  await startApnsFake({ publicKey: key.publicKey, ...FAKE_CREDENTIALS.apns }),
  await startFcmFake({ projectId: FAKE_CREDENTIALS.fcm.projectId, publicKey: account.publicKey, clientEmail: account.serviceAccount.client_email, publicUrl: `https://${publicHost}:${basePort + 1}` }),
  await startVonageFake(FAKE_CREDENTIALS.vonage),
  await startMailgunFake(FAKE_CREDENTIALS.mailgun),
  await startTwilioFake(FAKE_CREDENTIALS.twilio),
  { url: `smtp://${smtp.host}:${smtp.port}`, close: () => smtp.close() },
];
const relays = await Promise.all(fakes.map((fake, i) => relay(basePort + i, fake.url)));
writeFileSync(join(dir, 'ready'), `${new Date().toISOString()}\n`);
console.log(`provider fakes: apns ${basePort}, fcm ${basePort + 1}, vonage ${basePort + 2}, mailgun ${basePort + 3}, twilio ${basePort + 4}, smtp ${basePort + 5} on ${bind}`);

const stop = async () => {
  for (const server of relays) server.close();
  await Promise.all(fakes.map((fake) => fake.close()));
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
