import { Vonage } from '@vonage/server-sdk';
import type { VonageSignatureMethod } from '../../config/herald-config.js';

type Algorithm = Parameters<Vonage['sms']['verifySignature']>[3];

/** The SDK's names (@vonage/auth AlgorithmTypes) for the methods VONAGE_SIGNATURE_METHOD takes. */
const ALGORITHMS: Record<VonageSignatureMethod, `${Algorithm}`> = {
  md5hash: 'MD5HASH',
  md5: 'MD5HMAC',
  sha1: 'SHA1HMAC',
  sha256: 'SHA256HMAC',
  sha512: 'SHA512HMAC',
};

/** Vonage's documented window: a signed request whose timestamp is further than this from our clock is refused. */
export const SIGNATURE_MAX_SKEW_MS = 5 * 60_000;

export type SignatureCheck = 'valid' | 'missing' | 'invalid' | 'stale';

/**
 * Checks the `sig` of a Vonage SMS API webhook with the SDK's own verifier (every parameter but
 * `sig`, sorted, signed with the account's signature secret), and that its `timestamp` is
 * recent, so a recorded request cannot be replayed later.
 */
export class VonageSignature {
  // The verifier needs no credentials; an empty privateKey spares the SDK's deprecation warning.
  private readonly sms = new Vonage({ privateKey: '' }).sms;

  constructor(
    private readonly secret: string,
    private readonly method: VonageSignatureMethod,
  ) {}

  check(params: Record<string, string>, now: number): SignatureCheck {
    const { sig, timestamp } = params;
    if (!sig || !timestamp) return 'missing';
    if (!this.sms.verifySignature(sig, params, this.secret, ALGORITHMS[this.method] as Algorithm)) return 'invalid';
    const sentAt = Number(timestamp) * 1000;
    return Number.isFinite(sentAt) && Math.abs(now - sentAt) <= SIGNATURE_MAX_SKEW_MS ? 'valid' : 'stale';
  }
}
