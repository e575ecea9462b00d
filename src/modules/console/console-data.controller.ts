import { Body, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Query, UseGuards, UseInterceptors } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiExcludeController } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import { AnalyticsService } from '../analytics/analytics.service.js';
import { FunnelQuery, SummaryQuery } from '../analytics/dto/analytics-query.dto.js';
import { AuditService } from '../audit/audit.service.js';
import { Ctx } from '../auth/request-context.decorator.js';
import type { RequestContext } from '../auth/request-context.js';
import { ConsoleSessionAuth } from '../auth/scopes.decorator.js';
import { validationFailed } from '../http/validation.js';
import { CancelNotificationCommand } from '../notifications/commands/cancel-notification.command.js';
import { FindNotificationsQuery } from '../notifications/queries/find-notifications.query.js';
import { GetNotificationQuery } from '../notifications/queries/get-notification.query.js';
import { UserParams, USER_ID, USER_ID_MESSAGE } from '../recipients/dto/user-params.dto.js';
import { GetUserQuery } from '../recipients/queries/get-user.query.js';
import { previewBuiltIns, TemplateStore } from '../templates/template-store.js';
import { PreviewTemplateDto, TEMPLATE_ID } from '../templates/template.dto.js';
import { ConsoleOperations } from './console-operations.js';
import { MaskContactData } from './console-masking.js';
import { ConsoleSessionGuard } from './console-session.guard.js';

class NotificationIdParams {
  @IsUUID('all', { message: 'id must be a notification id (UUID)' }) id: string;
}

class TemplateParams {
  @Matches(TEMPLATE_ID, { message: 'id must be 1-100 letters, digits, . _ -' }) id: string;
}

class FindNotifications {
  @IsOptional() @Matches(USER_ID, { message: USER_ID_MESSAGE }) userId?: string;
  @IsOptional() @IsString() @MinLength(1) @MaxLength(256) idempotencyKey?: string;
}

/**
 * The console's data: the same queries, services and commands the REST endpoints use, behind
 * the console's session instead of HTTP Basic, every answer masked (MaskContactData). Not part
 * of the documented API: the console is its only client, so it may change with the console.
 */
@ApiExcludeController()
@ConsoleSessionAuth()
@UseGuards(ConsoleSessionGuard)
@UseInterceptors(MaskContactData)
@Controller('console/api')
export class ConsoleDataController {
  constructor(
    private readonly queries: QueryBus,
    private readonly commands: CommandBus,
    private readonly audit: AuditService,
    private readonly analytics: AnalyticsService,
    private readonly templates: TemplateStore,
    private readonly operations: ConsoleOperations,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
  ) {}

  @Get('notifications')
  find(@Query() q: FindNotifications) {
    if ((q.userId === undefined) === (q.idempotencyKey === undefined)) throw validationFailed([{ field: 'userId', messages: ['give either userId or idempotencyKey'] }]);
    return this.queries.execute(new FindNotificationsQuery(q.userId !== undefined ? { userId: q.userId } : { idempotencyKey: q.idempotencyKey! }));
  }

  /** A notification's story: its status (GET /v1/notifications/:id), why each channel did or did not deliver (/explain), and every event (/timeline). */
  @Get('notifications/:id')
  async story(@Param() { id }: NotificationIdParams) {
    const notification = await this.queries.execute(new GetNotificationQuery(id));
    const [explanation, timeline] = await Promise.all([this.audit.explain(id), this.audit.notificationTimeline(id)]);
    return { notification, explanation, timeline: timeline.events };
  }

  /** As DELETE /v1/notifications/:id: the same command, in the name of the signed-in client. */
  @Post('notifications/:id/cancel')
  @HttpCode(200)
  cancel(@Param() { id }: NotificationIdParams, @Ctx() ctx: RequestContext) {
    return this.commands.execute(new CancelNotificationCommand(id, ctx));
  }

  @Get('users/:userId')
  async user(@Param() { userId }: UserParams) {
    const user = await this.queries.execute(new GetUserQuery(userId));
    const notifications = await this.queries.execute(new FindNotificationsQuery({ userId }, 20));
    return { user, notifications };
  }

  @Get('analytics/summary')
  summary(@Query() q: SummaryQuery) {
    return this.analytics.summary(q);
  }

  @Get('analytics/funnel')
  funnel(@Query() q: FunnelQuery) {
    return this.analytics.funnel(q);
  }

  @Get('operations')
  operationsNow() {
    return this.operations.snapshot();
  }

  /** Every version of a template (its variables with each). */
  @Get('templates/:id')
  async template(@Param() { id }: TemplateParams) {
    const versions = await this.templates.versions(id);
    if (versions.length === 0) throw new NotFoundException({ statusCode: 404, error: 'Not Found', message: `no template ${id}` });
    return { templateId: id, versions };
  }

  @Post('templates/:id/preview')
  @HttpCode(200)
  preview(@Param() { id }: TemplateParams, @Body() dto: PreviewTemplateDto) {
    return this.templates.preview(id, dto, previewBuiltIns(this.config));
  }
}
