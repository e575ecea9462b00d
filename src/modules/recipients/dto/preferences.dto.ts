import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsOptional, Matches, ValidateNested } from 'class-validator';

export const CATEGORY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const CATEGORY_MESSAGE = 'category must be 1-64 letters, digits, . _ - starting with a letter or digit';

/** true: the user receives this channel; false: opted out. Omitted means true. */
export class ChannelSwitchesDto {
  @ApiPropertyOptional() @IsOptional() @IsBoolean() push?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() sms?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() email?: boolean;
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
}
