/** What every email adapter puts in, or refuses in, the headers it sends. */
import { ProviderError, type OutboundMessage } from './provider.port.js';

/** A line break in a header value would let content add headers of its own (Bcc:, a second body). */
const LINE_BREAK = /[\r\n]/;

export const singleLine = (...values: string[]): boolean => !values.some((value) => LINE_BREAK.test(value));

/** The Message-Id of a delivery's email: stable across retries, so a duplicate is traceable to its delivery. */
export const messageIdFor = (deliveryId: string, domain: string): string => `<${deliveryId}@${domain}>`;

/** An email's parts as every email adapter sends them; refused before any call when it has no email target or a header would span lines. */
export function emailParts(message: OutboundMessage, from: string): { to: string; subject: string; text?: string; html?: string; headers: Record<string, string> } {
  if (message.target.channel !== 'email') throw new ProviderError('permanent', 'wrong_target', `an email needs an email target, got ${message.target.channel}`);
  const { subject = message.message.title ?? '', html } = message.message;
  const to = message.target.email;
  const headers = message.headers ?? {};
  if (!singleLine(subject, from, to, ...Object.keys(headers), ...Object.values(headers))) {
    throw new ProviderError('permanent', 'header_injection', 'subject, from, to and headers must be single lines');
  }
  const text = message.message.text ?? message.message.body;
  return { to, subject, ...(text !== undefined ? { text } : {}), ...(html !== undefined ? { html } : {}), headers };
}
