import { ApiProperty } from '@nestjs/swagger';
import { SCOPES, WEBHOOK_EVENTS, type Scope, type WebhookEvent } from '../../domain/client/client.js';
import type { NewClientCredentials } from './client-directory.js';

export const APP_KEY_EXAMPLE = 'hk_0123456789abcdef01234567';
const APP_SECRET = { description: 'shown once, in this answer only: keep it', example: 'q3n8yV2mX5kT0bR7wJ4sD1fG6hL9pZcA-eUoIiYtWrE' };

export class NewClientCredentialsDto implements NewClientCredentials {
  @ApiProperty({ example: APP_KEY_EXAMPLE }) appKey: string;
  @ApiProperty(APP_SECRET) appSecret: string;
  @ApiProperty({ example: 'billing-service' }) name: string;
  @ApiProperty({ enum: SCOPES, isArray: true }) scopes: Scope[];
}

export class ClientViewDto {
  @ApiProperty({ example: APP_KEY_EXAMPLE }) appKey: string;
  @ApiProperty({ example: 'billing-service' }) name: string;
  @ApiProperty({ enum: SCOPES, isArray: true }) scopes: Scope[];
  @ApiProperty({ type: 'integer', nullable: true, description: 'requests per second; null: the deployment’s CLIENT_RATE_LIMIT' }) rateLimitPerSecond: number | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class RotatedSecretDto {
  @ApiProperty({ example: APP_KEY_EXAMPLE }) appKey: string;
  @ApiProperty(APP_SECRET) appSecret: string;
  @ApiProperty({ format: 'date-time', description: 'the replaced secret keeps working until then' }) previousSecretValidUntil: string;
}

export class WebhookViewDto {
  @ApiProperty({ example: APP_KEY_EXAMPLE }) appKey: string;
  @ApiProperty({ example: 'https://billing.example.com/herald-webhooks' }) url: string;
  @ApiProperty({ enum: WEBHOOK_EVENTS, isArray: true }) events: WebhookEvent[];
  @ApiProperty({ description: 'the HMAC-SHA256 key payloads are signed with', example: 'whsec_Xk2v9Qm4Tn7Rb1Lc8Wd5Hf3Jp6Ys0Ga-Ue2Io7Zx4Nq' }) signingSecret: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class InboxOriginsViewDto {
  @ApiProperty({ example: APP_KEY_EXAMPLE }) appKey: string;
  @ApiProperty({ type: [String], example: ['https://app.example.com'], description: 'pages on these origins may call the subscriber API with this client’s inbox tokens' }) origins: string[];
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'null: never set' }) updatedAt: string | null;
}
