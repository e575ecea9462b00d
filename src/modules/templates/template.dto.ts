import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsObject, IsOptional, IsString, Matches } from 'class-validator';
import { MAX_INBOX_DATA_BYTES } from '../../domain/notification/inbox.js';
import { CHANNELS, type Channel } from '../../domain/recipient/values.js';
import type { TemplateChannels } from '../../domain/template/template.js';
import type { FieldError } from '../http/validation.js';
import { TemplateChannelsDto } from './template-responses.js';

export const TEMPLATE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const LOCALE = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,3}$/;

export class PublishTemplateDto {
  @ApiProperty({ example: 'order-shipped', pattern: TEMPLATE_ID.source })
  @Matches(TEMPLATE_ID, { message: 'id must be 1-100 letters, digits, . _ -' })
  id: string;

  @ApiProperty({ example: 'en', pattern: LOCALE.source })
  @IsString()
  @Matches(LOCALE, { message: 'defaultLocale must be a language tag like en or en-GB' })
  defaultLocale: string;

  @ApiProperty({
    type: TemplateChannelsDto,
    description: 'per channel, per locale: push {title, body}, sms {text}, email {subject, text, html}; Liquid syntax. The default locale is required in each channel.',
  })
  @IsObject()
  channels: TemplateChannels;
}

export class PreviewTemplateDto {
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  params?: Record<string, unknown>;

  @ApiPropertyOptional({ example: 'fr-CA', pattern: LOCALE.source })
  @IsOptional()
  @Matches(LOCALE, { message: 'locale must be a language tag like en or en-GB' })
  locale?: string;

  @ApiPropertyOptional({ enum: CHANNELS })
  @IsOptional()
  @IsIn(CHANNELS)
  channel?: Channel;
}

const FIELDS: Record<string, Record<string, number>> = {
  push: { title: 256, body: 4000 },
  sms: { text: 2000 },
  email: { subject: 998, text: 100_000, html: 500_000 },
  inapp: { title: 256, body: 4000, actionUrl: 2048 },
};
const REQUIRED: Record<string, string[]> = { push: [], sms: ['text'], email: ['subject'], inapp: [] };

/** An in-app item's data: string values, given to the browser as they are, small. */
function inappDataErrors(at: string, data: unknown): FieldError[] {
  if (typeof data !== 'object' || data === null || Array.isArray(data) || !Object.values(data).every((v) => typeof v === 'string')) return [{ field: at, messages: ['data must map names to strings'] }];
  if (Buffer.byteLength(JSON.stringify(data)) > MAX_INBOX_DATA_BYTES) return [{ field: at, messages: [`at most ${MAX_INBOX_DATA_BYTES} bytes of JSON`] }];
  return [];
}

/** The channels object has dynamic keys (locales), so its shape is checked here. */
export function templateChannelErrors(channels: unknown): FieldError[] {
  const errors: FieldError[] = [];
  if (typeof channels !== 'object' || channels === null || Array.isArray(channels)) return [{ field: 'channels', messages: ['channels must be an object'] }];
  for (const [channel, locales] of Object.entries(channels)) {
    const allowed = FIELDS[channel];
    if (!allowed) {
      errors.push({ field: `channels.${channel}`, messages: ['unknown channel: use push, sms, email or inapp'] });
      continue;
    }
    if (typeof locales !== 'object' || locales === null || Array.isArray(locales)) {
      errors.push({ field: `channels.${channel}`, messages: ['must map locales to content'] });
      continue;
    }
    for (const [locale, content] of Object.entries(locales as Record<string, unknown>)) {
      const at = `channels.${channel}.${locale}`;
      if (!LOCALE.test(locale)) errors.push({ field: at, messages: ['locale must be a language tag like en or en-GB'] });
      if (typeof content !== 'object' || content === null || Array.isArray(content)) {
        errors.push({ field: at, messages: ['content must be an object'] });
        continue;
      }
      for (const [key, value] of Object.entries(content)) {
        if (channel === 'inapp' && key === 'data') {
          errors.push(...inappDataErrors(`${at}.data`, value));
          continue;
        }
        const max = allowed[key];
        if (max === undefined) errors.push({ field: `${at}.${key}`, messages: [`unknown field for ${channel}`] });
        else if (typeof value !== 'string') errors.push({ field: `${at}.${key}`, messages: ['must be a string'] });
        else if (value.length > max) errors.push({ field: `${at}.${key}`, messages: [`at most ${max} characters`] });
      }
      for (const key of REQUIRED[channel]!) if (!(key in content)) errors.push({ field: `${at}.${key}`, messages: ['is required'] });
      if ((channel === 'push' || channel === 'inapp') && !('title' in content) && !('body' in content)) errors.push({ field: at, messages: [`${channel} needs a title or a body`] });
    }
  }
  return errors;
}
