/** What every email adapter puts in, or refuses in, the headers it sends. */

/** A line break in a header value would let content add headers of its own (Bcc:, a second body). */
const LINE_BREAK = /[\r\n]/;

export const singleLine = (...values: string[]): boolean => !values.some((value) => LINE_BREAK.test(value));

/** The Message-Id of a delivery's email: stable across retries, so a duplicate is traceable to its delivery. */
export const messageIdFor = (deliveryId: string, domain: string): string => `<${deliveryId}@${domain}>`;
