import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsUUID, Matches, Max, Min } from 'class-validator';
import { Scopes } from '../auth/scopes.decorator.js';
import { AUTH_ERRORS, ApiErrorResponses } from '../openapi/api-responses.js';
import { CHANNEL_QUEUES } from '../queues/queue.port.js';
import { USER_ID, USER_ID_MESSAGE } from '../recipients/dto/user-params.dto.js';
import { OutboxPageDto } from './sandbox-responses.js';
import { SANDBOX_OUTBOX, type SandboxOutbox } from './sandbox-outbox.port.js';

class OutboxQuery {
  @ApiPropertyOptional({ enum: CHANNEL_QUEUES }) @IsOptional() @IsIn(CHANNEL_QUEUES) queue?: string;
  @ApiPropertyOptional({ pattern: USER_ID.source }) @IsOptional() @Matches(USER_ID, { message: USER_ID_MESSAGE }) userId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() notificationId?: string;
  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: 'entries after this sequence number' }) @IsOptional() @Type(() => Number) @IsInt() @Min(0) after?: number;
  @ApiPropertyOptional({ type: 'integer', default: 100, minimum: 1, maximum: 1000 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
}

@ApiTags('sandbox')
@ApiErrorResponses(...AUTH_ERRORS)
@Controller('v1/sandbox')
export class SandboxController {
  constructor(@Inject(SANDBOX_OUTBOX) private readonly outbox: SandboxOutbox) {}

  @Get('outbox')
  @Scopes('notifications:read', 'notifications:send', 'audit:read')
  @ApiOperation({ summary: 'What the sandbox provider would have sent, for channels without provider credentials' })
  @ApiOkResponse({ type: OutboxPageDto })
  @ApiErrorResponses(400)
  async list(@Query() query: OutboxQuery) {
    const entries = await this.outbox.list({ ...query, limit: query.limit ?? 100 });
    return { entries, next: entries.length > 0 ? entries[entries.length - 1]!.seq : (query.after ?? 0) };
  }
}
