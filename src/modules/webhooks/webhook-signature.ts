import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'herald-signature';
export const WEBHOOK_ID_HEADER = 'herald-webhook-id';
export const EVENT_HEADER = 'herald-event';

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`, as Stripe does: the timestamp is signed
 * with the body, so a receiver can refuse replays of an old, validly signed request.
 */
export function signWebhook(secret: string, body: string, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex')}`;
}
