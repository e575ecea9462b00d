import { Body, ConflictException, Controller, ForbiddenException, HttpCode, Post, Req } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiAcceptedResponse, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { hasScope } from '../../domain/client/client.js';
import type { AuthenticatedRequest } from '../auth/api-auth.guard.js';
import { Scopes } from '../auth/scopes.decorator.js';
import { validationFailed } from '../http/validation.js';
import { GetNotificationQuery, type NotificationView } from '../notifications/queries/get-notification.query.js';
import { AUTH_ERRORS, ApiErrorResponses, BODY_ERRORS } from '../openapi/api-responses.js';
import { RecordEngagementCommand } from './commands/record-engagement.command.js';
import { DeviceOwnership } from './device-ownership.js';
import { EngagementRecordedDto } from './dto/engagement-responses.js';
import { ReportEngagementDto } from './dto/report-engagement.dto.js';

/** Apps report what happened to a push (or anything else Herald sent): opened, clicked, converted. */
@ApiTags('tracking')
@ApiErrorResponses(...AUTH_ERRORS)
@Controller('v1/events')
export class EventsController {
  constructor(
    private readonly queries: QueryBus,
    private readonly commands: CommandBus,
    private readonly ownership: DeviceOwnership,
  ) {}

  @Post()
  @HttpCode(202)
  @Scopes('notifications:send', 'devices:register')
  @ApiOperation({
    summary: 'Report an open, click or conversion of a sent notification',
    description: 'A client with only devices:register may report on notifications of users it registered a device for. Counted once per delivery: a repeat is accepted and records nothing.',
  })
  @ApiBody({
    type: ReportEngagementDto,
    examples: {
      opened: { summary: 'the app opened the push', value: { notificationId: '0b7c6f3e-4a1d-4c2e-9f8a-2d5e6b7c8d9e', type: 'opened' } },
      clicked: { summary: 'a link in it was followed', value: { notificationId: '0b7c6f3e-4a1d-4c2e-9f8a-2d5e6b7c8d9e', type: 'clicked', url: 'https://shop.example.com/orders/1234' } },
    },
  })
  @ApiAcceptedResponse({ type: EngagementRecordedDto })
  @ApiErrorResponses(
    ...BODY_ERRORS,
    { status: 403, description: 'a devices:register client may report only on users it registered a device for' },
    { status: 404, description: 'no such notification' },
    { status: 409, description: 'no delivery of the notification has been sent yet' },
  )
  async report(@Body() dto: ReportEngagementDto, @Req() request: AuthenticatedRequest): Promise<EngagementRecordedDto> {
    const client = request.client!;
    const view: NotificationView = await this.queries.execute(new GetNotificationQuery(dto.notificationId));
    if (!hasScope(client, ['notifications:send']) && !(await this.ownership.registeredDeviceOf(client.appKey, view.userId))) {
      throw new ForbiddenException('this client registered no device for the user of this notification');
    }
    const deliveryId = dto.deliveryId ?? this.defaultDelivery(view);
    if (!view.deliveries.some((d) => d.deliveryId === deliveryId)) {
      throw validationFailed([{ field: 'deliveryId', messages: ['deliveryId is not a delivery of this notification'] }]);
    }
    const events = await this.commands.execute(
      new RecordEngagementCommand(dto.notificationId, deliveryId, dto.type, 'app', dto.url, { appKey: client.appKey, correlationId: request.correlationId }),
    );
    return { notificationId: dto.notificationId, deliveryId, recorded: events.map((e) => e.type) };
  }

  /** Without a delivery id: the sent push delivery (apps report pushes), else any sent one. */
  private defaultDelivery(view: NotificationView): string {
    const sent = view.deliveries.filter((d) => d.status === 'sent');
    const chosen = sent.find((d) => d.channel === 'push') ?? sent[0];
    if (!chosen) throw new ConflictException('no delivery of this notification has been sent yet');
    return chosen.deliveryId;
  }
}
