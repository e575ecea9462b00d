import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { WEEKDAYS } from '../../domain/recipient/quiet-hours.js';
import { CHANNELS, SUPPRESSION_REASONS } from '../../domain/recipient/values.js';
import { RECIPIENT_SOURCES, type RecipientSource } from './event-view.js';
import { ChannelSuppressionDto, SuppressionDetailDto } from '../notifications/dto/notification-responses.js';

export class ChangedByDto {
  @ApiProperty({
    enum: ['service', ...RECIPIENT_SOURCES],
    description: 'service: the calling service through the API; one-click: the recipient, by the unsubscribe link of an email; preference-page: the recipient, on the hosted preference page; sms-keyword: the recipient, by texting STOP or START',
  })
  source: 'service' | RecipientSource;
  @ApiPropertyOptional({ description: 'service: the appKey of the client that made the change' }) appKey?: string;
  @ApiPropertyOptional({ example: 'STOP', description: 'sms-keyword: the keyword texted' }) keyword?: string;
  @ApiPropertyOptional({ example: '0A0000001234567B', description: 'sms-keyword: the provider’s id of the message (the event’s causationId; its InboundSmsReceived is on the phone’s inboundsms- stream)' }) messageId?: string;
}

export class EventViewDto {
  @ApiProperty({ example: 'recipient-user-42' }) streamName: string;
  @ApiProperty({ example: 'RecipientProfileUpdated' }) type: string;
  @ApiProperty({ type: 'integer', description: 'position in its stream, from 0' }) revision: number;
  @ApiProperty({ description: 'position in the whole log, as a decimal string (up to 128 bits on EventStoreDB)', pattern: '^\\d+$', example: '1042' }) position: string;
  @ApiProperty() eventId: string;
  @ApiProperty({ format: 'date-time' }) time: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'the event; webhook signing secrets are redacted' }) data: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'who asked: appKey (or source: one-click, preference-page, or sms-keyword with the keyword), correlationId, causationId' }) metadata: Record<string, unknown>;
  @ApiPropertyOptional({ type: ChangedByDto, description: 'PreferencesUpdated only: who changed the preferences and how' }) changedBy?: ChangedByDto;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'DigestOpened, DigestItemRemoved and DigestFlushed: the digest in brief (digestId, and for a flush: reason, count, deliveries) and, for a removal, the client that canceled the item (appKey)' })
  digest?: Record<string, unknown>;
}

export class StreamPageDto {
  @ApiProperty({ example: 'recipient-user-42' }) streamName: string;
  @ApiProperty({ enum: ['forwards', 'backwards'] }) direction: string;
  @ApiProperty({ type: [EventViewDto] }) events: EventViewDto[];
  @ApiProperty({ type: 'integer', nullable: true, description: 'the revision to pass as ?from= for the next page; null at the end' }) next: number | null;
}

export class UserTimelineDto {
  @ApiProperty({ example: 'user-42' }) userId: string;
  @ApiProperty({ type: [EventViewDto], description: 'the user’s events and the outcomes of their notifications, in log order' }) events: EventViewDto[];
  @ApiProperty({ type: 'integer', nullable: true, description: 'the revision of the user’s stream to pass as ?from= for the next page; null at the end' }) next: number | null;
}

export class NotificationTimelineDto {
  @ApiProperty({ format: 'uuid' }) notificationId: string;
  @ApiProperty({ type: [EventViewDto], description: 'the decision, then each outcome and engagement' }) events: EventViewDto[];
}

export class EngagementAtDto {
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ enum: ['app', 'link', 'pixel', 'inbox'], description: 'reported by an app, a followed email link, an opened email’s pixel, or the user reading the item in their in-app feed' }) source: string;
}

export class ClickedAtDto extends EngagementAtDto {
  @ApiPropertyOptional({ description: 'the URL followed' }) url?: string;
}

export class EngagementDto {
  @ApiProperty({ type: EngagementAtDto, nullable: true, description: 'the first open' }) opened: EngagementAtDto | null;
  @ApiProperty({ type: ClickedAtDto, nullable: true, description: 'the first click' }) clicked: ClickedAtDto | null;
  @ApiProperty({ type: EngagementAtDto, nullable: true }) converted: EngagementAtDto | null;
}

export class InboxItemStoryDto {
  @ApiProperty({ enum: ['unseen', 'seen', 'read', 'archived'], nullable: true, description: 'where the item stands; null: not in the feed yet' }) state: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'when it reached the user’s feed (its send)' }) addedAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) seenAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'read: also its open' }) readAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) archivedAt: string | null;
}

export class FailoverDto {
  @ApiProperty({ example: 'vonage', description: 'the provider whose call failed' }) from: string;
  @ApiProperty({ example: 'twilio', description: 'the provider the next attempt went to' }) to: string;
  @ApiProperty({ example: 'http 503: Vonage answered HTTP 503' }) error: string;
  @ApiProperty({ format: 'date-time' }) at: string;
}

export class QuietHoursWindowDto {
  @ApiProperty({ example: '22:00' }) start: string;
  @ApiProperty({ example: '07:30' }) end: string;
  @ApiPropertyOptional({ enum: WEEKDAYS, isArray: true }) days?: string[];
  @ApiPropertyOptional({ enum: CHANNELS, isArray: true }) channels?: string[];
}

export class DeferralDto {
  @ApiProperty({ format: 'date-time', description: 'not sent before this: the end of the window' }) until: string;
  @ApiProperty({ enum: ['quiet_hours'] }) reason: string;
  @ApiProperty({ enum: ['user', 'category'], description: 'the user’s own window, or the category’s default' }) source: string;
  @ApiProperty({ example: 'Europe/London', description: 'the zone the window was read in' }) timezone: string;
  @ApiProperty({ type: QuietHoursWindowDto }) window: QuietHoursWindowDto;
  @ApiProperty({ description: 'why, in words', example: 'deferred by the user’s quiet hours (22:00 to 07:30, Europe/London) until 2026-12-03T07:30:00.000Z' }) explanation: string;
}

export class LocalSendAtViewDto {
  @ApiProperty({ example: '09:00' }) localTime: string;
  @ApiPropertyOptional({ format: 'date', example: '2026-12-24' }) date?: string;
  @ApiProperty({ example: 'Asia/Tokyo', description: 'the recipient’s zone it was read in' }) timezone: string;
}

export class DeliveryExplanationDto {
  @ApiProperty({ example: '0b7c6f3e-4a1d-4c2e-9f8a-2d5e6b7c8d9e.1' }) deliveryId: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'push: deviceId, provider and the token’s last 6 characters; sms: phone; email: email; inapp: userId' }) target: Record<string, unknown>;
  @ApiPropertyOptional({ type: DeferralDto, description: 'held back by quiet hours: until when, and why' }) deferred?: DeferralDto;
  @ApiProperty({ enum: ['pending', 'NotificationSent', 'NotificationRetried', 'NotificationFailed', 'NotificationCanceled'], description: 'the latest outcome recorded' }) outcome: string;
  @ApiProperty({ type: 'integer', description: 'provider calls recorded' }) attempts: number;
  @ApiProperty({ type: [String], description: 'each failed attempt’s error' }) errors: string[];
  @ApiPropertyOptional({ description: 'failed: permanent, exhausted, opted_out, token_invalidated, device_removed or render_failed' }) failureReason?: string;
  @ApiPropertyOptional({ type: String, nullable: true }) providerMessageId?: string | null;
  @ApiPropertyOptional({ example: 'twilio', description: 'sent: the provider that sent it' }) sentBy?: string;
  @ApiProperty({ type: [FailoverDto], description: 'each hand-over to the next provider of the channel’s chain' }) failovers: FailoverDto[];
  @ApiProperty({ type: EngagementDto }) engagement: EngagementDto;
  @ApiPropertyOptional({ type: InboxItemStoryDto, description: 'an inapp delivery: its item in the user’s feed' }) inbox?: InboxItemStoryDto;
}

export class AcceptedChannelDto {
  @ApiProperty({ enum: CHANNELS }) channel: string;
  @ApiProperty({ enum: ['accepted'] }) decision: 'accepted';
  @ApiProperty({ description: 'a delivery on this channel was sent' }) delivered: boolean;
  @ApiProperty({ type: [DeliveryExplanationDto] }) deliveries: DeliveryExplanationDto[];
}

export class SuppressedChannelDto {
  @ApiProperty({ enum: CHANNELS }) channel: string;
  @ApiProperty({ enum: ['suppressed'] }) decision: 'suppressed';
  @ApiProperty({ enum: [false] }) delivered: false;
  @ApiProperty({ enum: SUPPRESSION_REASONS }) reason: string;
  @ApiProperty({ description: 'why, in words', example: 'the user opted out of sms' }) explanation: string;
  @ApiProperty({ type: SuppressionDetailDto }) detail: SuppressionDetailDto;
  @ApiPropertyOptional({ type: ChangedByDto, description: 'opted_out: who last changed the preferences before the decision, and how' }) preferencesChangedBy?: ChangedByDto;
  @ApiPropertyOptional({ format: 'date-time', description: 'opted_out: when those preferences were changed' }) preferencesChangedAt?: string;
}

export class DigestDeliveryExplanationDto extends DeliveryExplanationDto {
  @ApiProperty({ enum: CHANNELS }) channel: string;
}

export class DigestExplanationDto {
  @ApiProperty({ example: 'dg-0b7c6f3e-4a1d-4c2e-9f8a-2d5e6b7c8d9e' }) digestId: string;
  @ApiProperty({ format: 'date-time' }) windowEndsAt: string;
  @ApiProperty({ enum: ['open', 'flushed', 'removed'], description: 'open: still collecting; flushed: sent; removed: this notification was canceled out of it' }) status: string;
  @ApiPropertyOptional({ format: 'date-time' }) flushedAt?: string;
  @ApiPropertyOptional({ enum: ['window_ended', 'max_items'] }) reason?: string;
  @ApiPropertyOptional({ type: 'integer', description: 'flushed: the items it carried' }) itemCount?: number;
  @ApiPropertyOptional({ type: 'integer', description: 'flushed: this notification’s place among them, from 1' }) position?: number;
  @ApiPropertyOptional({ type: [ChannelSuppressionDto], description: 'flushed: the digest’s channels not delivered at the flush, and why' }) suppressed?: ChannelSuppressionDto[];
  @ApiPropertyOptional({ format: 'date-time', description: 'removed: when' }) removedAt?: string;
  @ApiProperty({ type: [DigestDeliveryExplanationDto], description: 'the digest’s deliveries on this channel, which carried this notification' }) deliveries: DigestDeliveryExplanationDto[];
}

export class DigestedChannelDto {
  @ApiProperty({ enum: CHANNELS }) channel: string;
  @ApiProperty({ enum: ['digested'] }) decision: 'digested';
  @ApiProperty({ description: 'a delivery of its digest on this channel was sent' }) delivered: boolean;
  @ApiProperty({ description: 'why, in words', example: 'sent in digest dg-0b7c6f3e-4a1d-4c2e-9f8a-2d5e6b7c8d9e (item 3 of 12, sent when its window ended at 2026-12-02T10:00:00.000Z)' }) explanation: string;
  @ApiProperty({ type: DigestExplanationDto }) digest: DigestExplanationDto;
}

export class BroadcastLineDto {
  @ApiProperty({ format: 'uuid' }) broadcastId: string;
  @ApiProperty({ example: 'the subscribers of topic order-updates', description: 'whom the broadcast was for, in words' }) audience: string;
  @ApiProperty({ type: String, nullable: true, description: 'the appKey of the client that asked for the broadcast' }) requestedBy: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) requestedAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'when the broadcast was canceled (its unsent deliveries with it)' }) canceledAt: string | null;
  @ApiProperty({ example: 'one member’s share of broadcast 7d1c9b8e-…, decided as a single request would be' }) explanation: string;
}

export class NotificationExplanationDto {
  @ApiProperty({ format: 'uuid' }) notificationId: string;
  @ApiProperty({ example: 'user-42' }) userId: string;
  @ApiProperty({ example: 'orders' }) category: string;
  @ApiProperty({ format: 'date-time' }) requestedAt: string;
  @ApiProperty({ type: String, nullable: true, description: 'the appKey of the client that asked' }) requestedBy: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'when it was to be sent (null: at once); a local-time send’s instant' }) sendAt: string | null;
  @ApiPropertyOptional({ type: LocalSendAtViewDto, description: 'a local-time send, as asked' }) localSendAt?: LocalSendAtViewDto;
  @ApiPropertyOptional({ type: BroadcastLineDto, description: 'a broadcast member’s notification: the broadcast it came from' }) broadcast?: BroadcastLineDto;
  @ApiProperty({
    type: 'array',
    items: { oneOf: [{ $ref: getSchemaPath(AcceptedChannelDto) }, { $ref: getSchemaPath(SuppressedChannelDto) }, { $ref: getSchemaPath(DigestedChannelDto) }] },
    description: 'each channel asked for',
  })
  channels: (AcceptedChannelDto | SuppressedChannelDto | DigestedChannelDto)[];
}
