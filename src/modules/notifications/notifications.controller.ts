import { Body, Controller, Delete, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBasicAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { IsUUID, validate } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { DomainError } from '../../domain/shared/decider.js';
import { EventStoreUnavailableError } from '../event-store/event-store.port.js';
import { Ctx } from '../auth/request-context.decorator.js';
import { Scopes } from '../auth/scopes.decorator.js';
import { VALIDATION_OPTIONS, fieldErrors, validationFailed, type FieldError } from '../http/validation.js';
import type { RequestContext } from '../recipients/recipient-actors.js';
import { CancelNotificationCommand } from './commands/cancel-notification.command.js';
import { SendNotificationCommand, type NotificationReceipt } from './commands/send-notification.command.js';
import { crossFieldErrors } from './dto/check-send.js';
import { SendBatchDto, SendNotificationDto } from './dto/send-notification.dto.js';
import { GetNotificationQuery } from './queries/get-notification.query.js';

class NotificationParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'id must be a notification id (UUID)' })
  id: string;
}

type BatchItemResult =
  | ({ index: number; statusCode: 200 | 202 } & NotificationReceipt)
  | { index: number; statusCode: number; error: string; message: string; errors?: FieldError[] };

@ApiTags('notifications')
@ApiBasicAuth()
@Controller('v1/notifications')
export class NotificationsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @Scopes('notifications:send')
  @ApiOperation({ summary: 'Ask Herald to notify a user. 202 once the decision is durable; 200 with the original for a repeated idempotency key' })
  async send(@Body() dto: SendNotificationDto, @Ctx() ctx: RequestContext, @Res({ passthrough: true }) reply: FastifyReply): Promise<NotificationReceipt> {
    const errors = crossFieldErrors(dto, Date.now());
    if (errors.length > 0) throw validationFailed(errors);
    const receipt = await this.commands.execute(new SendNotificationCommand(dto, ctx));
    reply.status(receipt.duplicate ? 200 : 202);
    return receipt;
  }

  @Post('batch')
  @HttpCode(200)
  @Scopes('notifications:send')
  @ApiOperation({ summary: 'Up to 1,000 notifications; each item is validated and decided on its own' })
  async batch(@Body() dto: SendBatchDto, @Ctx() ctx: RequestContext): Promise<{ results: BatchItemResult[] }> {
    const now = Date.now();
    const results = await Promise.all(
      dto.notifications.map(async (item, index): Promise<BatchItemResult> => {
        const request = plainToInstance(SendNotificationDto, item);
        const errors = [...fieldErrors(await validate(request, VALIDATION_OPTIONS)), ...crossFieldErrors(request, now)];
        if (errors.length > 0) return { index, statusCode: 400, error: 'Bad Request', message: 'request validation failed', errors };
        try {
          const receipt = await this.commands.execute(new SendNotificationCommand(request, { ...ctx, correlationId: `${ctx.correlationId}:${index}` }));
          return { index, statusCode: receipt.duplicate ? 200 : 202, ...receipt };
        } catch (error) {
          if (error instanceof DomainError) return { index, statusCode: error.code === 'not_found' ? 404 : 409, error: error.code, message: error.message };
          // Only this item failed to be stored: the caller retries exactly the items marked 503.
          if (error instanceof EventStoreUnavailableError) return { index, statusCode: 503, error: 'Service Unavailable', message: 'storage is unavailable; this item was not accepted' };
          throw error;
        }
      }),
    );
    return { results };
  }

  @Delete(':id')
  @Scopes('notifications:send')
  @ApiOperation({ summary: 'Cancel the deliveries not yet sent (scheduled, queued or retrying); 409 if none is left' })
  cancel(@Param() { id }: NotificationParams, @Ctx() ctx: RequestContext) {
    return this.commands.execute(new CancelNotificationCommand(id, ctx));
  }

  @Get(':id')
  @Scopes('notifications:read', 'notifications:send', 'audit:read')
  @ApiOperation({ summary: 'A notification’s decision and each delivery’s status' })
  get(@Param() { id }: NotificationParams) {
    return this.queries.execute(new GetNotificationQuery(id));
  }
}
