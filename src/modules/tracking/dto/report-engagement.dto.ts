import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUrl, Matches, MaxLength, ValidateIf } from 'class-validator';
import { NOTIFICATION_OR_DIGEST_ID, NOTIFICATION_OR_DIGEST_ID_MESSAGE } from '../../notifications/dto/notification-responses.js';
import type { EngagementKind } from '../../../domain/notification/delivery-lifecycle.js';

export class ReportEngagementDto {
  @ApiProperty({ pattern: NOTIFICATION_OR_DIGEST_ID.source, description: 'the notification id, or for a digest’s push the digest id (as in its data)', example: '0b7c6f3e-4a1d-4c2e-9f8a-2d5e6b7c8d9e' })
  @Matches(NOTIFICATION_OR_DIGEST_ID, { message: `notificationId ${NOTIFICATION_OR_DIGEST_ID_MESSAGE}` })
  notificationId: string;

  @ApiPropertyOptional({ description: 'the delivery the app received (FCM data.deliveryId); default: the notification’s sent push delivery', pattern: '^(dg-)?[0-9a-fA-F-]{36}\\.\\d{1,4}$', example: '0b7c6f3e-4a1d-4c2e-9f8a-2d5e6b7c8d9e.1' })
  @IsOptional()
  @Matches(/^(dg-)?[0-9a-fA-F-]{36}\.\d{1,4}$/, { message: 'deliveryId must be a delivery id: <notificationId>.<n>' })
  deliveryId?: string;

  @ApiProperty({ enum: ['opened', 'clicked', 'converted'] })
  @IsIn(['opened', 'clicked', 'converted'], { message: 'type must be one of opened, clicked, converted' })
  type: EngagementKind;

  @ApiPropertyOptional({ format: 'uri', maxLength: 2048, description: 'required for clicked: the http(s) URL followed' })
  @ValidateIf((o: ReportEngagementDto) => o.type === 'clicked' || o.url !== undefined)
  @MaxLength(2048, { message: 'url must be at most 2048 characters' })
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }, { message: 'url must be an http or https URL (required for clicked)' })
  url?: string;
}
