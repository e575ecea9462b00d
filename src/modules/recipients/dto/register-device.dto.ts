import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PLATFORMS, PUSH_PROVIDERS, type Platform, type PushProvider } from '../../../domain/recipient/values.js';

export class RegisterDeviceDto {
  @ApiProperty({ enum: PLATFORMS })
  @IsIn(PLATFORMS)
  platform: Platform;

  @ApiPropertyOptional({ enum: PUSH_PROVIDERS, description: 'defaults to apns for ios/macos, fcm for android/web' })
  @IsOptional()
  @IsIn(PUSH_PROVIDERS)
  provider?: PushProvider;

  @ApiProperty({ description: 'APNs device token (hex) or FCM registration token' })
  @IsString()
  @MaxLength(4096)
  @Matches(/^[A-Za-z0-9_:.-]{8,4096}$/, { message: 'token must be a push token (letters, digits, _ : . -)' })
  token: string;
}

export const defaultProvider = (platform: Platform): PushProvider => (platform === 'ios' || platform === 'macos' ? 'apns' : 'fcm');
