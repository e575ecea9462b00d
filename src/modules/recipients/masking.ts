/**
 * How contact data is shown where it need not be read in full: enough to recognise it, not
 * enough to use it.
 */

/**
 * A device token: enough to recognise a device, not enough to push to it. A web push endpoint
 * keeps its origin, which says which browser's push service it belongs to.
 */
export function maskToken(token: string): string {
  if (token.length <= 12) return '****';
  const origin = token.startsWith('https://') && URL.canParse(token) ? new URL(token).origin : token.slice(0, 6);
  return `${origin}…${token.slice(-4)}`;
}

/** An email address: its first letter and its domain (`a…@example.com`). */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '****';
  return `${email[0]}…${email.slice(at)}`;
}

/** A phone number: its country code's first digits and the last two (`+44…23`). */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/[^\d]/g, '');
  if (digits.length < 6) return '****';
  return `${phone.startsWith('+') ? '+' : ''}${digits.slice(0, 2)}…${digits.slice(-2)}`;
}
