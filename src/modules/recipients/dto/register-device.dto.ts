import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PLATFORMS, PUSH_PROVIDERS, type Platform, type PushProvider } from '../../../domain/recipient/values.js';

/** A well-formed APNs device token: 32 bytes, hexadecimal. */
export const APNS_TOKEN_EXAMPLE = '8f3a1c5e9b2d4f6a0c7e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3a';

export class RegisterDeviceDto {
  @ApiProperty({ enum: PLATFORMS, example: 'ios' })
  @IsIn(PLATFORMS)
  platform: Platform;

  @ApiPropertyOptional({ enum: PUSH_PROVIDERS, description: 'defaults to apns for ios/macos, fcm for android/web' })
  @IsOptional()
  @IsIn(PUSH_PROVIDERS)
  provider?: PushProvider;

  @ApiProperty({
    description: 'an APNs device token (hexadecimal, at least 64 characters) or an FCM registration token (at least 8 of letters, digits, _ : . -)',
    minLength: 8,
    maxLength: 4096,
    example: APNS_TOKEN_EXAMPLE,
  })
  @IsString()
  @MaxLength(4096)
  @Matches(/^[A-Za-z0-9_:.-]{8,4096}$/, { message: 'token must be a push token (letters, digits, _ : . -)' })
  token: string;
}

export const defaultProvider = (platform: Platform): PushProvider => (platform === 'ios' || platform === 'macos' ? 'apns' : 'fcm');
