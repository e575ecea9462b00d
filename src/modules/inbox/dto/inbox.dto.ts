import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { INBOX_STATES } from '../../../domain/notification/inbox.js';
import { CATEGORY, CATEGORY_MESSAGE } from '../../recipients/dto/preferences.dto.js';
import { CURSOR, STATE_FILTERS, type StateFilter } from '../inbox-feed.js';

/** An item id is its delivery id: the notification's id, a dot, a number. */
export const ITEM_ID = /^[0-9a-fA-F-]{36}\.\d{1,4}$/;
export const ITEM_ID_EXAMPLE = '0b7c6f3e-4a1d-4c2e-9f8a-2d5e6b7c8d9e.1';

export class FeedQueryDto {
  @ApiPropertyOptional({ enum: STATE_FILTERS, description: 'one state, unread (unseen or seen), or all; default: every item not archived' })
  @IsOptional() @IsIn(STATE_FILTERS, { message: `state must be one of ${STATE_FILTERS.join(', ')}` })
  state?: StateFilter;

  @ApiPropertyOptional({ example: 'orders', pattern: CATEGORY.source })
  @IsOptional() @Matches(CATEGORY, { message: CATEGORY_MESSAGE })
  category?: string;

  @ApiPropertyOptional({ description: 'the `next` of the page before', pattern: CURSOR.source, example: '1042' })
  @IsOptional() @Matches(CURSOR, { message: 'cursor must be the next of a page' })
  cursor?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 20 })
  @IsOptional() @Type(() => Number) @IsInt({ message: 'limit must be an integer from 1 to 100' }) @Min(1, { message: 'limit must be an integer from 1 to 100' }) @Max(100, { message: 'limit must be an integer from 1 to 100' })
  limit?: number;
}

export class ItemParams {
  @ApiProperty({ example: ITEM_ID_EXAMPLE, pattern: ITEM_ID.source, description: 'the item’s id (its delivery id)' })
  @Matches(ITEM_ID, { message: 'id must be an item id: <notificationId>.<n>' })
  id: string;
}

export class StreamQueryDto {
  @ApiPropertyOptional({ description: 'the subscriber token, for EventSource, which cannot send an Authorization header' })
  @IsOptional() @Matches(/^[A-Za-z0-9_.-]{1,2048}$/, { message: 'token must be a subscriber token' })
  token?: string;

  @ApiPropertyOptional({ description: 'resume after this event id (as the Last-Event-ID header does): the `lastEventId` of GET /v1/inbox, or the last id received', pattern: CURSOR.source, example: '1042' })
  @IsOptional() @Matches(CURSOR, { message: 'lastEventId must be an event id of this stream' })
  lastEventId?: string;
}

export class InboxItemDto {
  @ApiProperty({ example: ITEM_ID_EXAMPLE }) id: string;
  @ApiProperty({ format: 'uuid', example: '0b7c6f3e-4a1d-4c2e-9f8a-2d5e6b7c8d9e' }) notificationId: string;
  @ApiProperty({ example: 'orders' }) category: string;
  @ApiProperty({ type: String, nullable: true, example: 'Shipped' }) title: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'Order 1001 is on its way' }) body: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'uri', example: 'https://shop.example.com/orders/1001' }) actionUrl: string | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, nullable: true, description: 'the sender’s data, as given' }) data: Record<string, string> | null;
  @ApiProperty({ enum: INBOX_STATES }) state: string;
  @ApiProperty({ format: 'date-time', description: 'when it reached the feed' }) createdAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) seenAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) readAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) archivedAt: string | null;
}

export class InboxCountsDto {
  @ApiProperty({ type: 'integer', description: 'items not read (unseen or seen), archived ones left out' }) unread: number;
  @ApiProperty({ type: 'integer', description: 'items never shown' }) unseen: number;
}

export class FeedPageDto {
  @ApiProperty({ type: [InboxItemDto], description: 'newest first' }) items: InboxItemDto[];
  @ApiProperty({ type: InboxCountsDto }) counts: InboxCountsDto;
  @ApiProperty({ type: String, nullable: true, description: 'the cursor of the next (older) page; null on the last' }) next: string | null;
  @ApiProperty({ description: 'open the live stream with ?lastEventId= this, and it sends every change since this page was read', example: '1042' }) lastEventId: string;
}

export class MarkedDto {
  @ApiProperty({ example: ITEM_ID_EXAMPLE }) id: string;
  @ApiProperty({ enum: INBOX_STATES, description: 'the item’s state now' }) state: string;
  @ApiProperty({ type: [String], example: ['InboxItemRead', 'NotificationOpened'], description: 'the events appended; none for a repeat' }) recorded: string[];
}

export class ReadAllDto {
  @ApiProperty({ type: 'integer', description: 'items marked read' }) read: number;
  @ApiProperty({ description: 'true: more unread items are left (a call marks at most 500): call again' }) more: boolean;
}

export class InboxTokenRequestDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 60, description: 'how long the token lasts, in seconds: default INBOX_TOKEN_TTL, at most INBOX_TOKEN_MAX_TTL', example: 3600 })
  @IsOptional() @IsInt({ message: 'ttlSeconds must be an integer' }) @Min(60, { message: 'ttlSeconds must be at least 60' })
  ttlSeconds?: number;
}

export class InboxTokenDto {
  @ApiProperty({ description: 'give it to this user’s browser only: Authorization: Bearer <token> on /v1/inbox', example: 'Hk3x9QaZ.eyJrIjoiaSJ9.c2lnbmF0dXJl' }) token: string;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
  @ApiProperty({ example: 'user-42' }) userId: string;
}
