import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import type { ChannelSuppression } from '../../../domain/recipient/events.js';
import { CHANNELS, SUPPRESSION_REASONS, type Channel, type SuppressionReason } from '../../../domain/recipient/values.js';
import { ErrorSchema } from '../../openapi/error-body.schema.js';
import { CHANNEL_QUEUES, type ChannelQueue } from '../../queues/queue.port.js';
import type { NotificationReceipt } from '../commands/send-notification.command.js';
import type { DeliveryView, DigestView, NotificationView } from '../queries/get-notification.query.js';

export const NOTIFICATION_ID_EXAMPLE = '0b7c6f3e-4a1d-4c2e-9f8a-2d5e6b7c8d9e';
/** A notification id (a UUID), or a digest's (dg- and the UUID of the notification that opened it): a digest's deliveries are known by it. */
export const NOTIFICATION_OR_DIGEST_ID = /^(dg-)?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
export const NOTIFICATION_OR_DIGEST_ID_MESSAGE = 'must be a notification id (UUID) or a digest id (dg-UUID)';
const DELIVERY_ID = { description: 'the notification id (a digest’s deliveries: the digest id), a dot and the delivery’s number', pattern: '^(dg-)?[0-9a-f-]{36}\\.\\d{1,4}$', example: `${NOTIFICATION_ID_EXAMPLE}.1` };

export class SuppressionDetailDto {
  @ApiPropertyOptional({ enum: ['global', 'channel', 'category', 'category_channel'], description: 'opted_out: which opt-out' }) level?: 'global' | 'channel' | 'category' | 'category_channel';
  @ApiPropertyOptional({ description: 'the category of the opt-out or rate limit' }) category?: string;
  @ApiPropertyOptional({ type: 'integer', description: 'rate_limited: notifications allowed in the window' }) limit?: number;
  @ApiPropertyOptional({ type: 'integer', description: 'rate_limited and duplicate: the window, in seconds' }) windowSeconds?: number;
  @ApiPropertyOptional({ type: 'integer', description: 'rate_limited: notifications already sent in the window' }) count?: number;
  @ApiPropertyOptional({ format: 'uuid', description: 'duplicate: the notification this one repeats' }) duplicateOf?: string;
}

export class ChannelSuppressionDto implements ChannelSuppression {
  @ApiProperty({ enum: CHANNELS }) channel: Channel;
  @ApiProperty({ enum: SUPPRESSION_REASONS }) reason: SuppressionReason;
  @ApiProperty({ type: SuppressionDetailDto }) detail: SuppressionDetailDto;
}

export class AcceptedDeliveryDto {
  @ApiProperty(DELIVERY_ID) deliveryId: string;
  @ApiProperty({ enum: CHANNELS }) channel: Channel;
  @ApiProperty({ enum: CHANNEL_QUEUES, description: 'the provider queue it goes to' }) queue: ChannelQueue;
}

const DIGEST_ID = { description: 'dg- and the id of the notification that opened the digest', pattern: '^dg-[0-9a-f-]{36}$', example: `dg-${NOTIFICATION_ID_EXAMPLE}` };

export class DigestedDto {
  @ApiProperty(DIGEST_ID) digestId: string;
  @ApiProperty({ enum: CHANNELS, isArray: true, description: 'the channels collected into the digest instead of delivered now' }) channels: Channel[];
  @ApiProperty({ format: 'date-time', description: 'when the digest’s window ends and it is sent (later if quiet hours hold it then)' }) windowEndsAt: string;
}

export class NotificationReceiptDto implements NotificationReceipt {
  @ApiProperty({ format: 'uuid', example: NOTIFICATION_ID_EXAMPLE }) notificationId: string;
  @ApiProperty({ enum: ['accepted', 'suppressed'], description: 'suppressed: no channel is to be delivered (see suppressed)' }) status: 'accepted' | 'suppressed';
  @ApiProperty({ description: 'true when the idempotency key matched an earlier request: this is that request’s answer' }) duplicate: boolean;
  @ApiProperty({ type: [AcceptedDeliveryDto] }) deliveries: AcceptedDeliveryDto[];
  @ApiProperty({ type: [ChannelSuppressionDto], description: 'the channels not delivered, and why' }) suppressed: ChannelSuppressionDto[];
  @ApiPropertyOptional({ type: DigestedDto, description: 'present when the category collects digests: the channels waiting in a digest' }) digested?: DigestedDto;
}

export class BatchItemAcceptedDto extends NotificationReceiptDto {
  @ApiProperty({ type: 'integer', description: 'the item’s position in the request', example: 0 }) index: number;
  @ApiProperty({ type: 'integer', enum: [200, 202], description: '202 accepted; 200 a repeated idempotency key' }) statusCode: 200 | 202;
}

export class BatchItemFailedDto extends ErrorSchema {
  @ApiProperty({ type: 'integer', description: 'the item’s position in the request', example: 1 }) index: number;
}

export class BatchResultDto {
  @ApiProperty({
    type: 'array',
    description: 'one result per item, in request order: a receipt (200, 202) or an error (400, 404, 409, 503: resend exactly the 503 items)',
    items: { oneOf: [{ $ref: getSchemaPath(BatchItemAcceptedDto) }, { $ref: getSchemaPath(BatchItemFailedDto) }] },
  })
  results: (BatchItemAcceptedDto | BatchItemFailedDto)[];
}

export class DeliveryViewDto implements DeliveryView {
  @ApiProperty(DELIVERY_ID) deliveryId: string;
  @ApiProperty({ enum: CHANNELS }) channel: string;
  @ApiProperty({ enum: CHANNEL_QUEUES }) queue: string;
  @ApiProperty({ enum: ['scheduled', 'queued', 'retrying', 'sent', 'failed', 'canceled'] }) status: string;
  @ApiProperty({ type: 'integer', description: 'provider calls made (a provider SDK’s own retries are not counted)' }) attempts: number;
  @ApiProperty({ type: String, nullable: true, description: 'the provider that sent it, or tried to' }) provider: string | null;
  @ApiProperty({ type: String, nullable: true }) providerMessageId: string | null;
  @ApiProperty({ type: String, nullable: true }) lastError: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'why a failed delivery failed: permanent, exhausted, opted_out, token_invalidated, device_removed or render_failed' }) failureReason: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) nextAttemptAt: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'when the delivery is due, as decided: the end of the quiet hours that deferred it, else the notification’s sendAt; null: sent at once (kept after it ends)',
  })
  dueAt: string | null;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) sentAt: string | null;
}

export class DigestViewDto implements DigestView {
  @ApiProperty(DIGEST_ID) digestId: string;
  @ApiProperty({ enum: ['open', 'flushed', 'empty'], description: 'open: collecting; flushed: sent (see deliveries); empty: closed with nothing to send' }) status: string;
  @ApiProperty({ enum: CHANNELS, isArray: true, description: 'the channels the digest collects' }) channels: string[];
  @ApiProperty({ format: 'date-time' }) openedAt: string;
  @ApiProperty({ format: 'date-time' }) windowEndsAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) flushedAt: string | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'the items it carried; null while open' }) itemCount: number | null;
  @ApiProperty({ type: [DeliveryViewDto], description: 'the digest’s deliveries, which carried this notification; empty while open, or when this notification was canceled out of it' }) deliveries: DeliveryViewDto[];
}

export class NotificationViewDto implements NotificationView {
  @ApiProperty({ format: 'uuid', example: NOTIFICATION_ID_EXAMPLE }) notificationId: string;
  @ApiProperty({ example: 'user-42' }) userId: string;
  @ApiProperty({ example: 'orders' }) category: string;
  @ApiProperty({
    enum: ['accepted', 'suppressed', 'digested', 'sent', 'partially_sent', 'failed', 'canceled'],
    description: 'accepted, suppressed, or digested (waiting in a digest or its delivery); once every delivery has ended (the digest’s included), how they ended',
  })
  status: string;
  @ApiProperty({ type: String, nullable: true }) templateId: string | null;
  @ApiProperty({ enum: ['high', 'normal', 'low'] }) priority: string;
  @ApiProperty({ type: String, nullable: true }) idempotencyKey: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) sendAt: string | null;
  @ApiProperty({ format: 'date-time' }) requestedAt: string;
  @ApiProperty({ type: String, nullable: true, description: 'the appKey of the client that asked' }) requestedBy: string | null;
  @ApiProperty({ type: [ChannelSuppressionDto] }) suppressed: ChannelSuppressionDto[];
  @ApiProperty({ type: [DeliveryViewDto] }) deliveries: DeliveryViewDto[];
  @ApiPropertyOptional({ type: DigestViewDto, description: 'present when channels were collected into a digest: the digest and the deliveries that carried it' }) digest?: DigestViewDto;
}

export class CanceledNotificationDto {
  @ApiProperty({ format: 'uuid', example: NOTIFICATION_ID_EXAMPLE }) notificationId: string;
  @ApiProperty({ type: 'string', isArray: true, description: 'the deliveries canceled by this request', example: [`${NOTIFICATION_ID_EXAMPLE}.1`] }) canceled: string[];
  @ApiPropertyOptional({ ...DIGEST_ID, description: 'the digest this notification was taken out of before the digest was sent' }) removedFromDigest?: string;
}
