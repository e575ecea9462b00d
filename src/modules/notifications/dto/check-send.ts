import { isISO8601 } from 'class-validator';
import { parseDate, parseTime } from '../../../domain/recipient/wall-clock.js';
import { MAX_INBOX_DATA_BYTES } from '../../../domain/notification/inbox.js';
import type { FieldError } from '../../http/validation.js';
import { isTrackableUrl } from '../../tracking/tracking-token.js';
import type { SendNotificationDto } from './send-notification.dto.js';

export const MAX_PARAMS_BYTES = 32 * 1024;
export const MAX_SCHEDULE_AHEAD_MS = 90 * 24 * 3_600_000;
const DAY_MS = 24 * 3_600_000;
const WITH_UTC_OFFSET = /T.*(Z|[+-]\d{2}:?\d{2})$/i;
const LOCAL_SEND_AT_KEYS = ['localTime', 'date'];

/** sendAt is an instant (ISO 8601 with a UTC offset) or a local time {localTime, date?}. */
function sendAtErrors(sendAt: unknown, now: number): FieldError[] {
  const error = (field: string, message: string): FieldError[] => [{ field, messages: [message] }];
  if (typeof sendAt === 'string') {
    if (!isISO8601(sendAt, { strict: true, strictSeparator: true })) return error('sendAt', 'sendAt must be an ISO 8601 date-time');
    if (!WITH_UTC_OFFSET.test(sendAt)) return error('sendAt', "sendAt must include a UTC offset (Z or +hh:mm), or it would be read in the server's time zone");
    if (Date.parse(sendAt) - now > MAX_SCHEDULE_AHEAD_MS) return error('sendAt', 'sendAt may be at most 90 days ahead');
    return [];
  }
  if (typeof sendAt !== 'object' || sendAt === null || Array.isArray(sendAt)) {
    return error('sendAt', 'sendAt must be an ISO 8601 date-time, or an object {"localTime": "09:00", "date"?: "2030-12-24"}');
  }
  const local = sendAt as Record<string, unknown>;
  const errors = Object.keys(local)
    .filter((k) => !LOCAL_SEND_AT_KEYS.includes(k))
    .flatMap((k) => error(`sendAt.${k}`, `property ${k} should not exist (sendAt takes localTime and date)`));
  if (typeof local.localTime !== 'string' || !parseTime(local.localTime)) errors.push(...error('sendAt.localTime', 'localTime must be a time HH:MM from 00:00 to 23:59'));
  if (local.date !== undefined) {
    const date = typeof local.date === 'string' ? parseDate(local.date) : undefined;
    if (!date) errors.push(...error('sendAt.date', 'date must be a calendar date YYYY-MM-DD'));
    // Measured from UTC midnight, with a day to spare for the zones ahead of UTC.
    else if (Date.UTC(date.year, date.month - 1, date.day) - now > MAX_SCHEDULE_AHEAD_MS + DAY_MS) errors.push(...error('sendAt.date', 'date may be at most 90 days ahead'));
  }
  return errors;
}

/** Rules across fields, which decorators cannot express. */
export function crossFieldErrors(dto: Pick<SendNotificationDto, 'content' | 'template' | 'sendAt' | 'channels'>, now: number): FieldError[] {
  const errors: FieldError[] = [];
  // @IsOptional lets null through as "absent": every check below treats null so.
  if (!dto.content === !dto.template) errors.push({ field: 'content', messages: ['give exactly one of content or template'] });
  const c = dto.content;
  if (c && ![c.title, c.body, c.subject, c.text, c.html].some((v) => typeof v === 'string' && v.length > 0)) {
    errors.push({ field: 'content', messages: ['content needs at least one of title, body, subject, text, html'] });
  }
  if (c?.data) {
    const bad = Object.entries(c.data).filter(([k, v]) => typeof v !== 'string' || k.length > 256 || v.length > 4096);
    if (bad.length > 0) errors.push({ field: 'content.data', messages: [`data values must be strings: ${bad.map(([k]) => k).slice(0, 5).join(', ')}`] });
    if (Object.keys(c.data).length > 100) errors.push({ field: 'content.data', messages: ['at most 100 data keys'] });
    // A feed lists many items at once to a browser: an in-app item's data stays small.
    if (Array.isArray(dto.channels) && dto.channels.includes('inapp') && Buffer.byteLength(JSON.stringify(c.data)) > MAX_INBOX_DATA_BYTES) {
      errors.push({ field: 'content.data', messages: [`an in-app item's data must be at most ${MAX_INBOX_DATA_BYTES} bytes of JSON`] });
    }
  }
  if (typeof c?.actionUrl === 'string' && !isTrackableUrl(c.actionUrl)) errors.push({ field: 'content.actionUrl', messages: ['actionUrl must be an http or https URL'] });
  if (dto.template?.params && Buffer.byteLength(JSON.stringify(dto.template.params)) > MAX_PARAMS_BYTES) {
    errors.push({ field: 'template.params', messages: [`params must be at most ${MAX_PARAMS_BYTES} bytes of JSON`] });
  }
  if (dto.sendAt !== undefined && dto.sendAt !== null) errors.push(...sendAtErrors(dto.sendAt, now));
  return errors;
}
