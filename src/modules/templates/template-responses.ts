import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { TemplateChannels, TemplateVersion } from '../../domain/template/template.js';

/** Content per locale (a BCP 47 tag such as en or fr-CA): Liquid templates. */
const perLocale = (description: string, properties: Record<string, { type: 'string'; maxLength: number }>, required: string[]) => ({
  type: 'object' as const,
  description,
  additionalProperties: { type: 'object' as const, properties, ...(required.length > 0 ? { required } : {}), additionalProperties: false },
});

export class TemplateChannelsDto implements TemplateChannels {
  @ApiPropertyOptional(perLocale('per locale: a title or a body (or both)', { title: { type: 'string', maxLength: 256 }, body: { type: 'string', maxLength: 4000 } }, []))
  push?: TemplateChannels['push'];

  @ApiPropertyOptional(perLocale('per locale: the text', { text: { type: 'string', maxLength: 2000 } }, ['text']))
  sms?: TemplateChannels['sms'];

  @ApiPropertyOptional(
    perLocale('per locale: a subject, and a text or an HTML part (or both)', { subject: { type: 'string', maxLength: 998 }, text: { type: 'string', maxLength: 100_000 }, html: { type: 'string', maxLength: 500_000 } }, ['subject']),
  )
  email?: TemplateChannels['email'];

  @ApiPropertyOptional({
    ...perLocale('per locale: a title or a body (or both), an actionUrl, and data (string values, at most 4096 bytes of JSON, given to the browser as they are)', { title: { type: 'string', maxLength: 256 }, body: { type: 'string', maxLength: 4000 }, actionUrl: { type: 'string', maxLength: 2048 } }, []),
  })
  inapp?: TemplateChannels['inapp'];
}

export class TemplateVersionDto implements TemplateVersion {
  @ApiProperty({ example: 'order-shipped' }) templateId: string;
  @ApiProperty({ type: 'integer', minimum: 1, example: 1 }) version: number;
  @ApiProperty({ example: 'en' }) defaultLocale: string;
  @ApiProperty({ type: TemplateChannelsDto }) channels: TemplateChannelsDto;
  @ApiProperty({ type: [String], description: 'every variable the template reads: a send must give each of them but the built-in preferencesUrl', example: ['order', 'name'] }) variables: string[];
  @ApiProperty({ format: 'date-time' }) publishedAt: string;
}

export class RenderedContentDto {
  @ApiProperty({ description: 'the locale rendered (the one asked for, its language, or the default)', example: 'en' }) locale: string;
  @ApiPropertyOptional() title?: string;
  @ApiPropertyOptional() body?: string;
  @ApiPropertyOptional() subject?: string;
  @ApiPropertyOptional() text?: string;
  @ApiPropertyOptional() html?: string;
  @ApiPropertyOptional() actionUrl?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } }) data?: Record<string, string>;
}

export class RenderedChannelsDto {
  @ApiPropertyOptional({ type: RenderedContentDto }) push?: RenderedContentDto;
  @ApiPropertyOptional({ type: RenderedContentDto }) sms?: RenderedContentDto;
  @ApiPropertyOptional({ type: RenderedContentDto }) email?: RenderedContentDto;
  @ApiPropertyOptional({ type: RenderedContentDto }) inapp?: RenderedContentDto;
}

export class TemplatePreviewDto {
  @ApiProperty({ example: 'order-shipped' }) templateId: string;
  @ApiProperty({ type: 'integer', minimum: 1, example: 1 }) version: number;
  @ApiProperty({ type: RenderedChannelsDto, description: 'the channel asked for, or every channel the template has' }) rendered: RenderedChannelsDto;
}
