import type { FieldError } from '../../http/validation.js';
import type { SendNotificationDto } from './send-notification.dto.js';

export const MAX_PARAMS_BYTES = 32 * 1024;
export const MAX_SCHEDULE_AHEAD_MS = 90 * 24 * 3_600_000;

/** Rules across fields, which decorators cannot express. */
export function crossFieldErrors(dto: SendNotificationDto, now: number): FieldError[] {
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
  }
  if (dto.template?.params && Buffer.byteLength(JSON.stringify(dto.template.params)) > MAX_PARAMS_BYTES) {
    errors.push({ field: 'template.params', messages: [`params must be at most ${MAX_PARAMS_BYTES} bytes of JSON`] });
  }
  if (dto.sendAt !== undefined && dto.sendAt !== null) {
    const at = Date.parse(dto.sendAt);
    if (Number.isNaN(at)) errors.push({ field: 'sendAt', messages: ['sendAt must be an ISO 8601 date-time'] });
    else if (at - now > MAX_SCHEDULE_AHEAD_MS) errors.push({ field: 'sendAt', messages: ['sendAt may be at most 90 days ahead'] });
  }
  return errors;
}
