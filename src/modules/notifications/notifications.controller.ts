import { Body, Controller, Delete, Get, HttpCode, Logger, Param, Post, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBasicAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { IsUUID, validate } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { Ctx } from '../auth/request-context.decorator.js';
import { Scopes } from '../auth/scopes.decorator.js';
import { errorResponse, internalError, type ErrorBody } from '../http/error-response.js';
import { VALIDATION_OPTIONS, fieldErrors, validationFailed } from '../http/validation.js';
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

type BatchItemResult = ({ index: number; statusCode: 200 | 202 } & NotificationReceipt) | ({ index: number } & ErrorBody);

@ApiTags('notifications')
@ApiBasicAuth()
@Controller('v1/notifications')
export class NotificationsController {
  private readonly logger = new Logger('NotificationsController');

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
        try {
          const errors = [...fieldErrors(await validate(request, VALIDATION_OPTIONS)), ...crossFieldErrors(request, now)];
          if (errors.length > 0) throw validationFailed(errors);
          const receipt = await this.commands.execute(new SendNotificationCommand(request, { ...ctx, correlationId: `${ctx.correlationId}:${index}` }));
          return { index, statusCode: receipt.duplicate ? 200 : 202, ...receipt };
        } catch (error) {
          // Other items may already be accepted: whatever went wrong is this item's result, never
          // the batch's, or a caller resending the batch would notify those users twice. A
          // storage fault says 503 for exactly the items to resend.
          const known = errorResponse(error);
          if (!known) this.logger.error({ msg: 'unhandled error in a batch item', index, err: error instanceof Error ? error.stack : String(error) });
          const { body } = known ?? internalError();
          return { index, ...body };
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
