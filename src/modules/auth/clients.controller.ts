import { Body, Controller, Delete, ForbiddenException, Get, HttpCode, Inject, NotFoundException, Param, Post, Put, Req } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min } from 'class-validator';
import { MAX_INBOX_ORIGINS, SCOPES, WEBHOOK_EVENTS, hasScope, type ClientWebhook, type Scope, type WebhookEvent } from '../../domain/client/client.js';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import type { AuthenticatedRequest } from './api-auth.guard.js';
import { AUTH_ERRORS, ApiErrorResponses, BODY_ERRORS } from '../openapi/api-responses.js';
import { ClientDirectory } from './client-directory.js';
import { APP_KEY_EXAMPLE, ClientViewDto, InboxOriginsViewDto, NewClientCredentialsDto, RotatedSecretDto, WebhookViewDto } from './client-responses.js';
import { Ctx } from './request-context.decorator.js';
import { contextMetadata, type RequestContext } from './request-context.js';
import { Scopes } from './scopes.decorator.js';

export class CreateClientDto {
  @ApiProperty({ example: 'billing-service', pattern: '^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$' })
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$/, { message: 'name must be 1-100 letters, digits, space . _ -' })
  name: string;

  @ApiProperty({ enum: SCOPES, isArray: true, minItems: 1, uniqueItems: true })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(SCOPES.length) @ArrayUnique() @IsIn(SCOPES, { each: true })
  scopes: Scope[];

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1_000_000, description: 'requests per second for this client (default: CLIENT_RATE_LIMIT)' })
  @IsOptional() @IsInt() @Min(1) @Max(1_000_000)
  rateLimitPerSecond?: number;
}

export class SetWebhookDto {
  @ApiProperty({ format: 'uri', maxLength: 2048, example: 'https://billing.example.com/herald-webhooks', description: 'an absolute http or https URL' })
  @IsString() @MaxLength(2048)
  // require_tld off: a receiver inside the network (an IP address, a cluster host name) is common.
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }, { message: 'url must be an absolute http or https URL' })
  url: string;

  @ApiPropertyOptional({ enum: WEBHOOK_EVENTS, isArray: true, minItems: 1, uniqueItems: true, description: 'default: every event' })
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(WEBHOOK_EVENTS.length) @ArrayUnique() @IsIn(WEBHOOK_EVENTS, { each: true })
  events?: WebhookEvent[];
}

export class SetInboxOriginsDto {
  @ApiProperty({
    type: [String], maxItems: MAX_INBOX_ORIGINS, maxLength: 300, example: ['https://app.example.com', 'http://localhost:3000'],
    description: 'origins (scheme, host and port, no path) whose pages may use this client’s inbox tokens; [] removes them all',
  })
  @IsArray() @ArrayMaxSize(MAX_INBOX_ORIGINS) @IsString({ each: true }) @MaxLength(300, { each: true })
  origins: string[];
}

export class AppKeyParams {
  @ApiProperty({ example: APP_KEY_EXAMPLE, pattern: '^[A-Za-z0-9_-]{1,64}$' })
  @IsString() @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'appKey must be 1-64 letters, digits, _ or -' })
  appKey: string;
}

/** The secret is shown to the client it belongs to (and admins): receivers need it to verify signatures. */
const webhookView = (appKey: string, w: ClientWebhook): WebhookViewDto => ({ appKey, url: w.url, events: w.events, signingSecret: w.signingSecret, updatedAt: w.updatedAt });

@ApiTags('clients')
@ApiErrorResponses(...AUTH_ERRORS)
@Controller('v1/clients')
export class ClientsController {
  constructor(
    private readonly clients: ClientDirectory,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
  ) {}

  @Post()
  @HttpCode(201)
  @Scopes('admin')
  @ApiOperation({ summary: 'Create an API client; the secret is shown once, in this answer only' })
  @ApiBody({
    type: CreateClientDto,
    examples: { client: { summary: 'a service that sends and reads notifications', value: { name: 'billing-service', scopes: ['notifications:send', 'notifications:read'], rateLimitPerSecond: 100 } } },
  })
  @ApiCreatedResponse({ type: NewClientCredentialsDto })
  @ApiErrorResponses(...BODY_ERRORS)
  create(@Body() dto: CreateClientDto, @Ctx() ctx: RequestContext) {
    return this.clients.create({ name: dto.name, scopes: dto.scopes, rateLimitPerSecond: dto.rateLimitPerSecond ?? null }, contextMetadata(ctx));
  }

  @Get('me')
  @Scopes(...SCOPES)
  @ApiOperation({ summary: 'The calling client: its appKey, name and scopes' })
  @ApiOkResponse({ type: ClientViewDto })
  me(@Req() request: AuthenticatedRequest): ClientViewDto {
    const { appKey, name, scopes, rateLimitPerSecond, createdAt } = request.client!;
    return { appKey, name, scopes, rateLimitPerSecond, createdAt };
  }

  @Post(':appKey/secret')
  @HttpCode(201)
  @Scopes(...SCOPES)
  @ApiOperation({ summary: 'Issue a new appSecret (shown once, in this answer); the current one keeps working for CLIENT_SECRET_GRACE' })
  @ApiCreatedResponse({ type: RotatedSecretDto })
  @ApiErrorResponses(400, 404)
  rotateSecret(@Param() { appKey }: AppKeyParams, @Req() request: AuthenticatedRequest, @Ctx() ctx: RequestContext) {
    this.mayManage(request, appKey, 'its own secret');
    return this.clients.rotateSecret(appKey, this.config.http.clientSecretGraceMs, contextMetadata(ctx));
  }

  @Delete(':appKey/secret/previous')
  @HttpCode(204)
  @Scopes(...SCOPES)
  @ApiOperation({ summary: 'End the previous appSecret\'s grace period at once (it leaked)' })
  @ApiNoContentResponse({ description: 'the previous secret no longer works' })
  @ApiErrorResponses(400, { status: 404, description: 'no such client, or no previous secret in its grace period' })
  async revokePreviousSecret(@Param() { appKey }: AppKeyParams, @Req() request: AuthenticatedRequest, @Ctx() ctx: RequestContext): Promise<void> {
    this.mayManage(request, appKey, 'its own secret');
    await this.clients.revokePreviousSecret(appKey, contextMetadata(ctx));
  }

  @Put(':appKey/webhook')
  @Scopes(...SCOPES)
  @ApiOperation({ summary: 'Set where Herald POSTs this client\'s notification outcomes (the client itself or an admin); keeps the signing secret' })
  @ApiBody({
    type: SetWebhookDto,
    examples: { webhook: { summary: 'sent and failed outcomes only', value: { url: 'https://billing.example.com/herald-webhooks', events: ['notification.sent', 'notification.failed'] } } },
  })
  @ApiOkResponse({ type: WebhookViewDto })
  @ApiErrorResponses(...BODY_ERRORS, 404)
  async setWebhook(@Param() { appKey }: AppKeyParams, @Body() dto: SetWebhookDto, @Req() request: AuthenticatedRequest, @Ctx() ctx: RequestContext) {
    this.mayManage(request, appKey);
    const webhook = await this.clients.setWebhook(appKey, { url: dto.url, events: dto.events ?? [...WEBHOOK_EVENTS] }, contextMetadata(ctx));
    return webhookView(appKey, webhook);
  }

  @Get(':appKey/webhook')
  @Scopes(...SCOPES)
  @ApiOperation({ summary: 'The client\'s webhook and its signing secret' })
  @ApiOkResponse({ type: WebhookViewDto })
  @ApiErrorResponses(400, { status: 404, description: 'no such client, or it has no webhook', message: 'this client has no webhook' })
  async getWebhook(@Param() { appKey }: AppKeyParams, @Req() request: AuthenticatedRequest) {
    this.mayManage(request, appKey);
    await this.clients.refresh();
    const webhook = this.clients.get(appKey)?.webhook;
    if (!webhook) throw new NotFoundException({ statusCode: 404, error: 'Not Found', message: 'this client has no webhook' });
    return webhookView(appKey, webhook);
  }

  @Post(':appKey/webhook/rotate-secret')
  @HttpCode(200)
  @Scopes(...SCOPES)
  @ApiOperation({ summary: 'Replace the webhook signing secret; payloads are signed with the new one from now on' })
  @ApiOkResponse({ type: WebhookViewDto })
  @ApiErrorResponses(400, { status: 404, description: 'no such client, or it has no webhook', message: 'this client has no webhook' })
  async rotateWebhookSecret(@Param() { appKey }: AppKeyParams, @Req() request: AuthenticatedRequest, @Ctx() ctx: RequestContext) {
    this.mayManage(request, appKey);
    return webhookView(appKey, await this.clients.rotateWebhookSecret(appKey, contextMetadata(ctx)));
  }

  @Delete(':appKey/webhook')
  @HttpCode(204)
  @Scopes(...SCOPES)
  @ApiOperation({ summary: 'Stop sending webhooks to this client' })
  @ApiNoContentResponse({ description: 'no more webhooks' })
  @ApiErrorResponses(400, { status: 404, description: 'no such client, or it has no webhook', message: 'this client has no webhook' })
  async removeWebhook(@Param() { appKey }: AppKeyParams, @Req() request: AuthenticatedRequest, @Ctx() ctx: RequestContext): Promise<void> {
    this.mayManage(request, appKey);
    await this.clients.removeWebhook(appKey, contextMetadata(ctx));
  }

  @Put(':appKey/inbox-origins')
  @Scopes(...SCOPES)
  @ApiOperation({ summary: 'Set the origins whose pages may call the subscriber API (/v1/inbox...) with inbox tokens this client mints (CORS)' })
  @ApiBody({ type: SetInboxOriginsDto, examples: { origins: { summary: 'production and local development', value: { origins: ['https://app.example.com', 'http://localhost:3000'] } } } })
  @ApiOkResponse({ type: InboxOriginsViewDto })
  @ApiErrorResponses(...BODY_ERRORS, 404)
  async setInboxOrigins(@Param() { appKey }: AppKeyParams, @Body() dto: SetInboxOriginsDto, @Req() request: AuthenticatedRequest, @Ctx() ctx: RequestContext): Promise<InboxOriginsViewDto> {
    this.mayManage(request, appKey, 'its own inbox origins');
    return { appKey, ...(await this.clients.setInboxOrigins(appKey, dto.origins, contextMetadata(ctx))) };
  }

  @Get(':appKey/inbox-origins')
  @Scopes(...SCOPES)
  @ApiOperation({ summary: 'The origins whose pages may use this client’s inbox tokens' })
  @ApiOkResponse({ type: InboxOriginsViewDto })
  @ApiErrorResponses(400, { status: 404, description: 'no such client', message: 'no client hk_0123456789abcdef01234567' })
  async getInboxOrigins(@Param() { appKey }: AppKeyParams, @Req() request: AuthenticatedRequest): Promise<InboxOriginsViewDto> {
    this.mayManage(request, appKey, 'its own inbox origins');
    await this.clients.refresh();
    const client = this.clients.get(appKey);
    if (!client) throw new NotFoundException({ statusCode: 404, error: 'Not Found', message: `no client ${appKey}` });
    return { appKey, ...this.clients.inboxOriginsOf(client) };
  }

  private mayManage(request: AuthenticatedRequest, appKey: string, what = 'its own webhook'): void {
    const caller = request.client!;
    if (caller.appKey !== appKey && !hasScope(caller, ['admin'])) throw new ForbiddenException(`a client manages ${what} only (or needs the admin scope)`);
  }
}
