import { createHash } from 'node:crypto';

/**
 * A UUID derived from a text (SHA-256, laid out as a version-8 UUID): the same text always
 * gives the same id, so a repeated request (the same idempotency key, the same broadcast
 * member) names the same broadcast or notification.
 */
export function derivedUuid(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
