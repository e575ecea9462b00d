import { UserTopicDto } from '../../topics/dto/topic.dto.js';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { CategoryPreference, ChannelSwitches, Preferences } from '../../../domain/recipient/events.js';
import { WEEKDAYS, type Weekday } from '../../../domain/recipient/quiet-hours.js';
import { CHANNELS, E164, PLATFORMS, PUSH_PROVIDERS, type Channel } from '../../../domain/recipient/values.js';
import type { UserView } from '../queries/get-user.query.js';

export const DEVICE_ID_EXAMPLE = '5d0f8a52-7c1e-4b6a-9e3d-1f2a3b4c5d6e';

export class ChannelSwitchesViewDto implements ChannelSwitches {
  @ApiProperty() push: boolean;
  @ApiProperty() sms: boolean;
  @ApiProperty() email: boolean;
  @ApiProperty({ description: 'the in-app feed' }) inapp: boolean;
}

export class CategoryPreferenceViewDto implements CategoryPreference {
  @ApiProperty({ example: 'marketing' }) category: string;
  @ApiProperty({ description: 'false: opted out of the whole category' }) enabled: boolean;
  @ApiProperty({ type: ChannelSwitchesViewDto }) channels: ChannelSwitchesViewDto;
}

export class QuietHoursViewDto {
  @ApiProperty({ example: '22:00' }) start: string;
  @ApiProperty({ example: '07:30' }) end: string;
  @ApiPropertyOptional({ enum: WEEKDAYS, isArray: true, description: 'the days the window starts on; absent: every day' }) days?: Weekday[];
  @ApiPropertyOptional({ enum: CHANNELS, isArray: true, description: 'the channels held back; absent: all' }) channels?: Channel[];
}

/** Preferences as stored: every switch explicit (true: receives, false: opted out). */
export class PreferencesViewDto implements Preferences {
  @ApiProperty() muted: boolean;
  @ApiProperty({ type: ChannelSwitchesViewDto }) channels: ChannelSwitchesViewDto;
  @ApiProperty({ type: [CategoryPreferenceViewDto] }) categories: CategoryPreferenceViewDto[];
  @ApiProperty({ type: QuietHoursViewDto, nullable: true, description: 'null: none of the user’s own (the category’s default applies)' }) quietHours: QuietHoursViewDto | null;
}

export class DeviceViewDto {
  @ApiProperty({ format: 'uuid', example: DEVICE_ID_EXAMPLE }) deviceId: string;
  @ApiProperty({ enum: PLATFORMS }) platform: string;
  @ApiProperty({ enum: PUSH_PROVIDERS }) provider: string;
  @ApiProperty({ description: 'masked: enough to recognise a device, not to push to it (a web push endpoint keeps its origin)', example: 'a1b2c3…e4f5' }) token: string;
  @ApiProperty({ format: 'date-time' }) registeredAt: string;
}

export class UserViewDto implements UserView {
  @ApiProperty({ example: 'user-42' }) userId: string;
  @ApiProperty({ type: String, format: 'email', nullable: true, example: 'ada@example.com' }) email: string | null;
  @ApiProperty({ type: String, pattern: E164.source, nullable: true, example: '+447700900123' }) phone: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'en-GB' }) locale: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'Europe/London' }) timezone: string | null;
  @ApiProperty({ type: [DeviceViewDto] }) devices: DeviceViewDto[];
  @ApiProperty({ type: PreferencesViewDto }) preferences: PreferencesViewDto;
  @ApiProperty({ type: [UserTopicDto], description: 'the topics the user is subscribed to, by key' }) topics: UserTopicDto[];
}

export class RegisteredDeviceDto {
  @ApiProperty({ format: 'uuid', example: DEVICE_ID_EXAMPLE, description: 'the same id when the token is registered again' }) deviceId: string;
}
