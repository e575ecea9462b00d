import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { SecretDigest } from '../../domain/client/client.js';

const PARAMS = { N: 16384, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

function scryptAsync(secret: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, KEY_LENGTH, { ...options, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export function newAppKey(): string {
  return `hk_${randomBytes(12).toString('hex')}`;
}

export function newAppSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Herald signs webhooks with it; `whsec_` tells a leaked value apart from an appSecret. */
export function newWebhookSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

export async function digestSecret(secret: string): Promise<SecretDigest> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(secret, salt, PARAMS);
  return { algorithm: 'scrypt', salt: salt.toString('base64'), hash: hash.toString('base64'), ...PARAMS };
}

/** Constant-time: the whole digest is always computed and compared, whatever the input. */
export async function verifySecret(secret: string, digest: SecretDigest): Promise<boolean> {
  const expected = Buffer.from(digest.hash, 'base64');
  const actual = await scryptAsync(secret, Buffer.from(digest.salt, 'base64'), { N: digest.N, r: digest.r, p: digest.p });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A fast fingerprint of an already verified secret, for the in-memory cache only. */
export function fingerprint(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

export function sameFingerprint(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
