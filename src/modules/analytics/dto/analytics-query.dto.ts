import { CHANNELS } from '../../../domain/recipient/values.js';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { DIMENSIONS, type Dimension } from '../analytics-queries.js';

const DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

class StatsFilterQuery {
  @ApiPropertyOptional({ format: 'date', description: 'first request day, YYYY-MM-DD (UTC); default: 30 days before `to`' })
  @IsOptional()
  @Matches(DAY, { message: 'from must be a day: YYYY-MM-DD' })
  from?: string;

  @ApiPropertyOptional({ format: 'date', description: 'last request day, YYYY-MM-DD (UTC), inclusive; default: today' })
  @IsOptional()
  @Matches(DAY, { message: 'to must be a day: YYYY-MM-DD' })
  to?: string;

  @ApiPropertyOptional({ enum: CHANNELS })
  @IsOptional()
  @IsIn(CHANNELS, { message: `channel must be one of ${CHANNELS.join(', ')}` })
  channel?: string;

  @ApiPropertyOptional({ maxLength: 100 }) @IsOptional() @IsString() @MaxLength(100) category?: string;

  @ApiPropertyOptional({ maxLength: 100, description: 'a template id; empty: notifications with inline content' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  template?: string;

  @ApiPropertyOptional({ maxLength: 100, description: 'the requesting client’s appKey' }) @IsOptional() @IsString() @MaxLength(100) client?: string;
}

export class SummaryQuery extends StatsFilterQuery {
  @ApiPropertyOptional({ type: String, description: 'comma-separated: day, channel, category, template, client', example: 'channel,day' })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : value))
  @IsIn(Object.keys(DIMENSIONS), { each: true, message: 'groupBy must list dimensions from day, channel, category, template, client' })
  groupBy?: Dimension[];
}

export class FunnelQuery extends StatsFilterQuery {}
