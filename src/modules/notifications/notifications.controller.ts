import { Body, Controller, Delete, Get, HttpCode, Logger, Param, Post, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiAcceptedResponse, ApiBody, ApiExtraModels, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { Ctx } from '../auth/request-context.decorator.js';
import type { RequestContext } from '../auth/request-context.js';
import { Scopes } from '../auth/scopes.decorator.js';
import { errorResponse, internalError, type ErrorBody } from '../http/error-response.js';
import { AUTH_ERRORS, ApiErrorResponses, BODY_ERRORS } from '../openapi/api-responses.js';
import { CancelNotificationCommand } from './commands/cancel-notification.command.js';
import { SendNotificationCommand, type NotificationReceipt } from './commands/send-notification.command.js';
import { BatchItemAcceptedDto, BatchItemFailedDto, BatchResultDto, CanceledNotificationDto, NOTIFICATION_ID_EXAMPLE, NOTIFICATION_OR_DIGEST_ID, NOTIFICATION_OR_DIGEST_ID_MESSAGE, NotificationReceiptDto, NotificationViewDto } from './dto/notification-responses.js';
import { SendBatchDto, SendNotificationDto } from './dto/send-notification.dto.js';
import { validBatch, validSendRequest } from './dto/valid-send-request.js';
import { SEND_BATCH_EXAMPLES, SEND_EXAMPLES } from './dto/send-notification.examples.js';
import { GetNotificationQuery } from './queries/get-notification.query.js';

class NotificationParams {
  @ApiProperty({ pattern: NOTIFICATION_OR_DIGEST_ID.source, description: 'a notification id, or a digest id (its deliveries)', example: NOTIFICATION_ID_EXAMPLE })
  @Matches(NOTIFICATION_OR_DIGEST_ID, { message: `id ${NOTIFICATION_OR_DIGEST_ID_MESSAGE}` })
  id: string;
}

type BatchItemResult = ({ index: number; statusCode: 200 | 202 } & NotificationReceipt) | ({ index: number } & ErrorBody);

@ApiTags('notifications')
@ApiErrorResponses(...AUTH_ERRORS)
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
  @ApiBody({ type: SendNotificationDto, examples: SEND_EXAMPLES })
  @ApiAcceptedResponse({ type: NotificationReceiptDto, description: 'decided and durable: accepted for delivery, or suppressed (see suppressed)' })
  @ApiOkResponse({ type: NotificationReceiptDto, description: 'the idempotency key was used before: the original answer (duplicate: true)' })
  @ApiErrorResponses(...BODY_ERRORS, { status: 404, description: 'unknown user: create the user first', message: 'unknown user: register the user first' })
  // The body is validated here, not by the pipe, so the rules across fields (sendAt's two forms among
  // them) are reported together with the decorators' findings, as a batch item's are.
  async send(@Body() body: Record<string, unknown>, @Ctx() ctx: RequestContext, @Res({ passthrough: true }) reply: FastifyReply): Promise<NotificationReceipt> {
    const dto = await validSendRequest(body, Date.now());
    const receipt = await this.commands.execute(new SendNotificationCommand(dto, ctx));
    reply.status(receipt.duplicate ? 200 : 202);
    return receipt;
  }

  @Post('batch')
  @HttpCode(200)
  @Scopes('notifications:send')
  @ApiOperation({ summary: 'Up to 1,000 notifications; each item is validated and decided on its own' })
  @ApiBody({ type: SendBatchDto, examples: SEND_BATCH_EXAMPLES })
  @ApiExtraModels(BatchItemAcceptedDto, BatchItemFailedDto)
  @ApiOkResponse({ type: BatchResultDto, description: 'each item’s own result, in order; the batch itself is answered 200' })
  @ApiErrorResponses(...BODY_ERRORS)
  // The envelope is validated here too, so a well-formed batch skips the pipe's copy of every item (valid-send-request.ts).
  async batch(@Body() body: Record<string, unknown>, @Ctx() ctx: RequestContext): Promise<{ results: BatchItemResult[] }> {
    const dto = await validBatch(body);
    const now = Date.now();
    const results = await Promise.all(
      dto.notifications.map(async (item, index): Promise<BatchItemResult> => {
        try {
          const request = await validSendRequest(item, now);
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
  @ApiOkResponse({ type: CanceledNotificationDto })
  @ApiErrorResponses(400, 404, { status: 409, description: 'nothing left to cancel: every delivery already ended, or the notification was suppressed' })
  cancel(@Param() { id }: NotificationParams, @Ctx() ctx: RequestContext) {
    return this.commands.execute(new CancelNotificationCommand(id, ctx));
  }

  @Get(':id')
  @Scopes('notifications:read', 'notifications:send', 'audit:read')
  @ApiOperation({ summary: 'A notification’s decision and each delivery’s status' })
  @ApiOkResponse({ type: NotificationViewDto })
  @ApiErrorResponses(400, 404)
  get(@Param() { id }: NotificationParams) {
    return this.queries.execute(new GetNotificationQuery(id));
  }
}
