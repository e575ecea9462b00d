import { createHash, createHmac, randomUUID } from 'node:crypto';

export type VonageSignatureMethod = 'md5hash' | 'md5' | 'sha1' | 'sha256' | 'sha512';

/**
 * The signature Vonage puts in `sig`, computed as its documentation describes (not with the SDK
 * Herald verifies with, so the two check each other): every parameter but sig, sorted by name,
 * as `&name=value` with & and = in values turned into _, then MD5 of that and the secret
 * (md5hash) or its HMAC keyed by the secret.
 */
export function vonageSignature(params: Record<string, string>, secret: string, method: VonageSignatureMethod): string {
  const signed = Object.keys(params)
    .filter((name) => name !== 'sig')
    .sort()
    .map((name) => `&${name}=${params[name]!.replace(/[&=]/g, '_')}`)
    .join('');
  if (method === 'md5hash') return createHash('md5').update(signed + secret).digest('hex');
  return createHmac(method, secret).update(signed).digest('hex').toUpperCase();
}

export interface InboundSms {
  msisdn: string;
  text: string;
  messageId?: string;
  to?: string;
  /** Unix seconds; default now. */
  timestamp?: number;
}

/**
 * Sends what Vonage's SMS API sends to an account's inbound-message webhook: the fields of an
 * inbound SMS, signed with the account's signature secret, as JSON, a form or a query string
 * (the webhook's method in the dashboard).
 */
export class VonageInboundClient {
  constructor(
    private readonly url: string,
    private readonly secret: string,
    private readonly method: VonageSignatureMethod,
  ) {}

  /** The parameters of one inbound SMS, signed (or, with `sign: false`, without sig). */
  params(sms: InboundSms, { sign = true }: { sign?: boolean } = {}): Record<string, string> {
    const timestamp = sms.timestamp ?? Math.floor(Date.now() / 1000);
    const params: Record<string, string> = {
      'api-key': 'vonage-key',
      msisdn: sms.msisdn,
      to: sms.to ?? '447700900000',
      messageId: sms.messageId ?? randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase(),
      text: sms.text,
      type: 'text',
      keyword: sms.text.trim().split(/\s+/)[0]!.toUpperCase(),
      'message-timestamp': new Date(timestamp * 1000).toISOString().slice(0, 19).replace('T', ' '),
      timestamp: String(timestamp),
      nonce: randomUUID(),
    };
    return sign ? { ...params, sig: vonageSignature(params, this.secret, this.method) } : params;
  }

  send(params: Record<string, string>, as: 'json' | 'form' | 'get' = 'json'): Promise<{ status: number; body: any }> {
    const request =
      as === 'get'
        ? fetch(`${this.url}?${new URLSearchParams(params)}`)
        : fetch(this.url, {
            method: 'POST',
            headers: { 'content-type': as === 'json' ? 'application/json' : 'application/x-www-form-urlencoded' },
            body: as === 'json' ? JSON.stringify(params) : new URLSearchParams(params).toString(),
          });
    return request.then(async (res) => ({ status: res.status, body: await res.json() }));
  }

  sms(sms: InboundSms, as: 'json' | 'form' | 'get' = 'json') {
    return this.send(this.params(sms), as);
  }
}
