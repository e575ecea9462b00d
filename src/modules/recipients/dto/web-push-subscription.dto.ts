import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsNumber, IsOptional, IsString, ValidateBy, ValidateNested, type ValidationOptions } from 'class-validator';
import { createPublicKey } from 'node:crypto';
import { isAuthSecret, isP256dhKey, isWebPushEndpoint } from '../../../domain/recipient/values.js';

/**
 * The domain checks the key's shape; a point off the P-256 curve has the right shape too, and
 * would only fail at the first send (the encryption's ECDH), so it is refused here.
 */
function onP256Curve(key: string): boolean {
  const point = Buffer.from(key, 'base64url');
  try {
    createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') }, format: 'jwk' });
    return true;
  } catch {
    return false;
  }
}

/** A browser's subscription as its PushSubscription.toJSON() gives it (the keys are a real P-256 point and 16 bytes). */
export const WEB_PUSH_SUBSCRIPTION_EXAMPLE = {
  endpoint: 'https://updates.push.services.mozilla.com/wpush/v2/gAAAAABnR3xKqM0d8v2cYwM1pQmT9eZ5tK0h7r4LsXnVbJ2cF8yUoIaE',
  expirationTime: null,
  keys: { p256dh: 'BKqorv1Mg6YG2DUhfccZR-aDAVrjW0tejjFv5VAiFfyj12qVZKfroVzJU4Z0RShW0cbLBry3QoG3c6BmeesEyhY', auth: 'NJkO5TBYzBBbhz673-lHQw' },
};

const satisfies = (name: string, test: (value: string) => boolean, message: string, options?: ValidationOptions) =>
  ValidateBy({ name, validator: { validate: (value: unknown) => typeof value === 'string' && test(value), defaultMessage: () => message } }, options);

export class WebPushKeysDto {
  @ApiProperty({ description: 'base64url of the 65-byte uncompressed P-256 public key: PushSubscription.toJSON().keys.p256dh', example: WEB_PUSH_SUBSCRIPTION_EXAMPLE.keys.p256dh })
  @IsString()
  @satisfies('isP256dhKey', (key) => isP256dhKey(key) && onP256Curve(key), 'p256dh must be base64url of a 65-byte uncompressed P-256 public key')
  p256dh: string;

  @ApiProperty({ description: 'base64url of the 16-byte authentication secret: PushSubscription.toJSON().keys.auth', example: WEB_PUSH_SUBSCRIPTION_EXAMPLE.keys.auth })
  @IsString()
  @satisfies('isAuthSecret', isAuthSecret, 'auth must be base64url of 16 bytes')
  auth: string;
}

/** A browser's PushSubscription.toJSON(), as the page's script posts it (expirationTime may come along, unused). */
export class WebPushSubscriptionDto {
  @ApiProperty({ description: 'the push service’s URL for this subscription; https only', format: 'uri', example: WEB_PUSH_SUBSCRIPTION_EXAMPLE.endpoint })
  @IsString()
  @satisfies('isWebPushEndpoint', isWebPushEndpoint, 'endpoint must be an https URL')
  endpoint: string;

  @ApiProperty({ type: WebPushKeysDto })
  @IsDefined({ message: 'keys must hold p256dh and auth' })
  @ValidateNested()
  @Type(() => WebPushKeysDto)
  keys: WebPushKeysDto;

  @ApiPropertyOptional({ type: Number, nullable: true, description: 'ignored: the push service answers 404 or 410 once the subscription has expired' })
  @IsOptional()
  @IsNumber()
  expirationTime?: number | null;
}
