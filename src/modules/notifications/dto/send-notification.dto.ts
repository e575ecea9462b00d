import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  Allow,
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import type { LocalSendAt } from '../../../domain/recipient/local-time.js';
import { CHANNELS, PRIORITIES, type Channel, type Priority } from '../../../domain/recipient/values.js';
import { HH_MM } from '../../../domain/recipient/wall-clock.js';
import { CATEGORY, CATEGORY_MESSAGE } from '../../recipients/dto/preferences.dto.js';
import { USER_ID, USER_ID_MESSAGE } from '../../recipients/dto/user-params.dto.js';

const NO_LINE_BREAKS = /^[^\r\n]*$/;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

// Each class-validator rule is stated in the OpenAPI property as well: the hot routes' quick
// check is compiled from the document (http/request-schemas.ts) and must not accept more.

export class InlineContentDto {
  @ApiPropertyOptional({ description: 'push title', maxLength: 256 })
  @IsOptional() @IsString() @MaxLength(256)
  title?: string;

  @ApiPropertyOptional({ description: 'push body / sms text when text is absent', maxLength: 4000 })
  @IsOptional() @IsString() @MaxLength(4000)
  body?: string;

  @ApiPropertyOptional({ description: 'email subject (single line)', maxLength: 998, pattern: NO_LINE_BREAKS.source })
  @IsOptional() @IsString() @MaxLength(998) @Matches(NO_LINE_BREAKS, { message: 'subject must be a single line' })
  subject?: string;

  @ApiPropertyOptional({ description: 'plain text: SMS text and the email text part', maxLength: 100_000 })
  @IsOptional() @IsString() @MaxLength(100_000)
  text?: string;

  @ApiPropertyOptional({ description: 'email HTML part', maxLength: 500_000 })
  @IsOptional() @IsString() @MaxLength(500_000)
  html?: string;

  @ApiPropertyOptional({ description: 'push data payload and the in-app item’s data: string values only (at most 4096 bytes of JSON for an in-app item)', type: 'object', additionalProperties: { type: 'string' } })
  @IsOptional() @IsObject()
  data?: Record<string, string>;

  @ApiPropertyOptional({ description: 'in-app item: where it leads when opened (http or https)', format: 'uri', maxLength: 2048, example: 'https://shop.example.com/orders/1001' })
  @IsOptional() @IsString() @MaxLength(2048)
  actionUrl?: string;
}

export class TemplateRefDto {
  @ApiProperty({ example: 'order-shipped', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$' })
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, { message: 'template id must be 1-100 letters, digits, . _ -' })
  id: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional() @IsObject()
  params?: Record<string, unknown>;
}

/** The schema of sendAt's second form; the value is checked in check-send.ts, with sendAt's first form. */
export class LocalSendAtDto implements LocalSendAt {
  @ApiProperty({ example: '09:00', pattern: HH_MM.source, description: 'wall-clock time HH:MM in the recipient’s time zone' })
  localTime: string;

  @ApiPropertyOptional({ format: 'date', example: '2026-12-24', description: 'that day in the recipient’s time zone; without it, the next time the clock reads localTime' })
  date?: string;
}

@ApiExtraModels(LocalSendAtDto)
export class SendNotificationDto {
  @ApiProperty({ example: 'user-42', pattern: USER_ID.source })
  @IsString() @Matches(USER_ID, { message: USER_ID_MESSAGE })
  userId: string;

  @ApiProperty({ example: 'orders', pattern: CATEGORY.source })
  @IsString() @Matches(CATEGORY, { message: CATEGORY_MESSAGE })
  category: string;

  @ApiPropertyOptional({
    enum: CHANNELS,
    isArray: true,
    minItems: 1,
    uniqueItems: true,
    description: 'default: every channel the user gave contact data for (push, sms, email), or every channel the template has content for; the in-app feed (inapp) is named here or by a template',
  })
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(CHANNELS.length) @ArrayUnique() @IsIn(CHANNELS, { each: true })
  channels?: Channel[];

  @ApiPropertyOptional({ type: InlineContentDto, description: 'inline content; give this or template' })
  @IsOptional() @ValidateNested() @Type(() => InlineContentDto)
  content?: InlineContentDto;

  @ApiPropertyOptional({ type: TemplateRefDto, description: 'a stored template and its params; give this or content' })
  @IsOptional() @ValidateNested() @Type(() => TemplateRefDto)
  template?: TemplateRefDto;

  @ApiPropertyOptional({ minLength: 1, maxLength: 255, pattern: IDEMPOTENCY_KEY.source, description: 'repeat-safe key: the same key for the same user within the window returns the original', example: 'order-1234-shipped' })
  @IsOptional() @IsString() @Matches(IDEMPOTENCY_KEY, { message: 'idempotencyKey must be 1-255 printable ASCII characters' })
  idempotencyKey?: string;

  // No fixed example: any date would in time be past or more than 90 days ahead.
  @ApiPropertyOptional({
    oneOf: [{ type: 'string', format: 'date-time' }, { $ref: getSchemaPath(LocalSendAtDto) }],
    description:
      'deliver at this time, not before, at most 90 days ahead. Either an instant: ISO 8601 with a UTC offset (`Z` or `+01:00`, e.g. 2030-01-01T09:00:00+01:00); or a wall-clock time in the recipient’s time zone: `{"localTime": "09:00"}` (the next 09:00 there) or `{"localTime": "09:00", "date": "2030-12-24"}`. A time not in the future sends at once. Quiet hours then apply to that time',
  })
  @Allow()
  sendAt?: string | LocalSendAtDto;

  @ApiPropertyOptional({ enum: PRIORITIES, default: 'normal' })
  @IsOptional() @IsIn(PRIORITIES)
  priority?: Priority;
}

export class SendBatchDto {
  @ApiProperty({ type: [SendNotificationDto], minItems: 1, maxItems: 1000, description: 'each item is validated and decided on its own' })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(1000) @IsObject({ each: true })
  notifications: object[];
}
