import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { map, type Observable } from 'rxjs';
import { maskEmail, maskPhone, maskToken } from '../recipients/masking.js';

/** Fields named for what they hold. */
const BY_KEY: Record<string, (value: string) => string> = { email: maskEmail, phone: maskPhone, msisdn: maskPhone, token: maskToken, endpoint: maskToken };
/** What a query masked already (GET /v1/users/:userId masks tokens) is left as it is. */
const MASKED = /…|^\*\*\*\*$/;
/** A web push subscription's keys are secrets of the browser: nothing of them is shown. */
const HIDDEN = new Set(['keys', 'p256dh', 'auth']);
/** Identifiers the console links by; a user id is the caller's choice and shown as it is. */
const IDENTIFIERS = new Set(['userId', 'streamName']);
const EMAIL_IN_TEXT = /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;
const PHONE_IN_TEXT = /\+\d{7,15}\b/g;

/** A string that holds an address or a number somewhere in its text (a provider's error, an event's data). */
const maskText = (text: string): string => text.replace(EMAIL_IN_TEXT, maskEmail).replace(PHONE_IN_TEXT, maskPhone);

/**
 * Contact data and device tokens masked wherever they appear in a console answer: by the
 * field's name, and in any other text by their shape. Support staff see enough to recognise an
 * address or a device, and what they see cannot be used to reach the user.
 */
export function maskContactData(value: unknown, key?: string): unknown {
  if (typeof value === 'string') {
    if (key && IDENTIFIERS.has(key)) return value;
    const byKey = key ? BY_KEY[key] : undefined;
    if (MASKED.test(value)) return value;
    return byKey ? byKey(value) : maskText(value);
  }
  if (Array.isArray(value)) return value.map((v) => maskContactData(v));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, HIDDEN.has(k) && v !== null ? '[hidden]' : maskContactData(v, k)]));
}

/** Applied to every console data route: nothing leaves unmasked, whichever query it came from. */
@Injectable()
export class MaskContactData implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(map((body) => maskContactData(body)));
  }
}
