import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsUUID, Matches, Max, Min } from 'class-validator';
import { Scopes } from '../auth/scopes.decorator.js';
import { AUTH_ERRORS, ApiErrorResponses } from '../openapi/api-responses.js';
import { UserParams } from '../recipients/dto/user-params.dto.js';
import { AcceptedChannelDto, DigestedChannelDto, NotificationExplanationDto, NotificationTimelineDto, StreamPageDto, SuppressedChannelDto, UserTimelineDto } from './audit-responses.js';
import { AuditService } from './audit.service.js';

class StreamParams {
  @ApiProperty({ example: 'recipient-user-42', pattern: '^[A-Za-z0-9][A-Za-z0-9._:@-]{0,200}$' })
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,200}$/, { message: 'streamName must be a stream name like recipient-42 or notification-<id>' })
  streamName: string;
}

class PageQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: 'revision to start from (inclusive)' }) @IsOptional() @Type(() => Number) @IsInt() @Min(0) from?: number;
  @ApiPropertyOptional({ type: 'integer', default: 100, minimum: 1, maximum: 1000 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
}

class StreamQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['forwards', 'backwards'] }) @IsOptional() @IsIn(['forwards', 'backwards']) direction?: 'forwards' | 'backwards';
}

class NotificationIdParams {
  @ApiProperty({ format: 'uuid', example: '0b7c6f3e-4a1d-4c2e-9f8a-2d5e6b7c8d9e' }) @IsUUID('all', { message: 'id must be a notification id (UUID)' }) id: string;
}

@ApiTags('audit')
@ApiErrorResponses(...AUTH_ERRORS, 400)
@Controller('v1')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get('audit/streams/:streamName')
  @Scopes('audit:read')
  @ApiOperation({ summary: 'Raw events of a stream, paged: type, revision, global position, time, data and metadata (appKey, correlation and causation ids)' })
  @ApiOkResponse({ type: StreamPageDto, description: 'an unknown stream is an empty page' })
  stream(@Param() { streamName }: StreamParams, @Query() q: StreamQuery) {
    return this.audit.stream(streamName, q.from, q.limit ?? 100, q.direction ?? 'forwards');
  }

  @Get('users/:userId/timeline')
  @Scopes('audit:read')
  @ApiOperation({ summary: 'Every event about a user, in log order: profile, devices, preferences, decisions and delivery outcomes' })
  @ApiOkResponse({ type: UserTimelineDto })
  @ApiErrorResponses({ status: 404, description: 'no such user', message: 'no user user-42' })
  userTimeline(@Param() { userId }: UserParams, @Query() q: PageQuery) {
    return this.audit.userTimeline(userId, q.from ?? 0, q.limit ?? 100);
  }

  @Get('notifications/:id/timeline')
  @Scopes('audit:read')
  @ApiOperation({ summary: 'Every event about a notification, from the decision to each delivery’s terminal outcome' })
  @ApiOkResponse({ type: NotificationTimelineDto })
  @ApiErrorResponses({ status: 404, description: 'no such notification' })
  notificationTimeline(@Param() { id }: NotificationIdParams) {
    return this.audit.notificationTimeline(id);
  }

  @Get('notifications/:id/explain')
  @Scopes('audit:read')
  @ApiOperation({ summary: 'For each channel: delivered or not, and why (opt-out level, rate-limit window and count, duplicate of which, the digest and digest delivery that carried it, token invalidated, provider error)' })
  @ApiExtraModels(AcceptedChannelDto, SuppressedChannelDto, DigestedChannelDto)
  @ApiOkResponse({ type: NotificationExplanationDto })
  @ApiErrorResponses({ status: 404, description: 'no such notification' })
  explain(@Param() { id }: NotificationIdParams) {
    return this.audit.explain(id);
  }
}
