import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsObject, IsOptional, IsString, Matches, ValidateNested } from 'class-validator';
import { WEEKDAYS, type Weekday } from '../../../domain/recipient/quiet-hours.js';
import { CHANNELS, type Channel } from '../../../domain/recipient/values.js';
import { HH_MM } from '../../../domain/recipient/wall-clock.js';

export const CATEGORY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const CATEGORY_MESSAGE = 'category must be 1-64 letters, digits, . _ - starting with a letter or digit';

/** true: the user receives this channel; false: opted out. Omitted means true. */
export class ChannelSwitchesDto {
  @ApiPropertyOptional() @IsOptional() @IsBoolean() push?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() sms?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() email?: boolean;
  @ApiPropertyOptional({ description: 'the in-app feed' }) @IsOptional() @IsBoolean() inapp?: boolean;
}

export class CategoryPreferenceDto {
  @ApiProperty({ example: 'marketing', pattern: CATEGORY.source })
  @Matches(CATEGORY, { message: CATEGORY_MESSAGE })
  category: string;

  @ApiPropertyOptional({ description: 'false opts out of the whole category' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ type: ChannelSwitchesDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => ChannelSwitchesDto)
  channels?: ChannelSwitchesDto;
}

/** Wall-clock times in the user's time zone; an end not after the start ends the next day. */
export class QuietHoursDto {
  @ApiProperty({ example: '22:00', pattern: HH_MM.source, description: 'when the window starts, HH:MM in the user’s time zone' })
  @IsString() @Matches(HH_MM, { message: 'start must be a time HH:MM from 00:00 to 23:59' })
  start: string;

  @ApiProperty({ example: '07:30', pattern: HH_MM.source, description: 'when it ends; not after start: the next day' })
  @IsString() @Matches(HH_MM, { message: 'end must be a time HH:MM from 00:00 to 23:59' })
  end: string;

  @ApiPropertyOptional({ enum: WEEKDAYS, isArray: true, minItems: 1, uniqueItems: true, description: 'the days the window starts on; default every day', example: ['sun', 'mon', 'tue', 'wed', 'thu'] })
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayUnique() @IsIn(WEEKDAYS, { each: true, message: `each of days must be one of ${WEEKDAYS.join(', ')}` })
  days?: Weekday[];

  @ApiPropertyOptional({ enum: CHANNELS, isArray: true, minItems: 1, uniqueItems: true, description: 'the channels held back; default all' })
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayUnique() @IsIn(CHANNELS, { each: true, message: `each of channels must be one of ${CHANNELS.join(', ')}` })
  channels?: Channel[];
}

/** PUT replaces all preferences; anything omitted is opted in. */
export class PreferencesDto {
  @ApiPropertyOptional({ description: 'mute everything' })
  @IsOptional()
  @IsBoolean()
  muted?: boolean;

  @ApiPropertyOptional({ type: ChannelSwitchesDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => ChannelSwitchesDto)
  channels?: ChannelSwitchesDto;

  @ApiPropertyOptional({ type: [CategoryPreferenceDto], maxItems: 200, description: 'each category at most once' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => CategoryPreferenceDto)
  categories?: CategoryPreferenceDto[];

  @ApiPropertyOptional({
    type: QuietHoursDto,
    nullable: true,
    description: 'deliveries decided inside this window wait until it ends (critical categories excepted); null or omitted: none of the user’s own, the category’s default applies',
  })
  @IsOptional()
  @IsObject({ message: 'quietHours must be an object like {"start": "22:00", "end": "07:30"}, or null' })
  @ValidateNested()
  @Type(() => QuietHoursDto)
  quietHours?: QuietHoursDto | null;
}
