import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsOptional, IsString, Matches, MaxLength, ValidateIf, ValidateNested } from 'class-validator';
import { PLATFORMS, PUSH_PROVIDERS, type Platform, type PushProvider } from '../../../domain/recipient/values.js';
import type { FieldError } from '../../http/validation.js';
import { WebPushSubscriptionDto } from './web-push-subscription.dto.js';

/** A well-formed APNs device token: 32 bytes, hexadecimal. */
export const APNS_TOKEN_EXAMPLE = '8f3a1c5e9b2d4f6a0c7e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3a';

export class RegisterDeviceDto {
  @ApiProperty({ enum: PLATFORMS, example: 'ios' })
  @IsIn(PLATFORMS)
  platform: Platform;

  @ApiPropertyOptional({ enum: PUSH_PROVIDERS, description: 'defaults to webpush with a subscription, else apns for ios/macos, fcm for android/web' })
  @IsOptional()
  @IsIn(PUSH_PROVIDERS)
  provider?: PushProvider;

  @ApiPropertyOptional({
    description: 'an APNs device token (hexadecimal, at least 64 characters) or an FCM registration token (at least 8 of letters, digits, _ : . -); not for webpush',
    minLength: 8,
    maxLength: 4096,
    example: APNS_TOKEN_EXAMPLE,
  })
  // Checked when given, and required unless a subscription stands in for it.
  @ValidateIf((o: RegisterDeviceDto) => o.token !== undefined || o.subscription === undefined)
  @IsString()
  @MaxLength(4096)
  @Matches(/^[A-Za-z0-9_:.-]{8,4096}$/, { message: 'token must be a push token (letters, digits, _ : . -)' })
  token?: string;

  @ApiPropertyOptional({ type: WebPushSubscriptionDto, description: 'webpush only: the browser’s PushSubscription.toJSON()' })
  @IsOptional()
  @ValidateNested()
  @Type(() => WebPushSubscriptionDto)
  subscription?: WebPushSubscriptionDto;
}

export const providerOf = (dto: RegisterDeviceDto): PushProvider =>
  dto.provider ?? (dto.subscription ? 'webpush' : dto.platform === 'ios' || dto.platform === 'macos' ? 'apns' : 'fcm');

const APNS_TOKEN = /^[0-9a-fA-F]{64,200}$/;

/** What the fields' own checks cannot see: whether they fit the provider, and each other. */
export function registrationProblems(dto: RegisterDeviceDto, provider: PushProvider): FieldError[] {
  const problems: FieldError[] = [];
  if (provider === 'webpush') {
    if (dto.platform !== 'web') problems.push({ field: 'platform', messages: ['a webpush device is a web browser: platform must be web'] });
    if (dto.token !== undefined) problems.push({ field: 'token', messages: ['a webpush device is registered by its subscription, not a token'] });
    if (!dto.subscription) problems.push({ field: 'subscription', messages: ['a webpush device needs its subscription: {endpoint, keys: {p256dh, auth}}'] });
    return problems;
  }
  if (dto.subscription) problems.push({ field: 'subscription', messages: [`only a webpush device has a subscription; ${provider} takes a token`] });
  if (dto.token === undefined) problems.push({ field: 'token', messages: [`a ${provider} device needs its token`] });
  if (provider === 'apns' && dto.token !== undefined && !APNS_TOKEN.test(dto.token)) problems.push({ field: 'token', messages: ['an APNs device token is hexadecimal, at least 64 characters'] });
  return problems;
}
