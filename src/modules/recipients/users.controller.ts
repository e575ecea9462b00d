import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { ChannelSwitches, Preferences } from '../../domain/recipient/events.js';
import type { QuietHours } from '../../domain/recipient/quiet-hours.js';
import { Ctx } from '../auth/request-context.decorator.js';
import type { RequestContext } from '../auth/request-context.js';
import { Scopes } from '../auth/scopes.decorator.js';
import { validationFailed } from '../http/validation.js';
import { AUTH_ERRORS, ApiErrorResponses, BODY_ERRORS } from '../openapi/api-responses.js';
import { RegisterDeviceCommand } from './commands/register-device.command.js';
import { RemoveDeviceCommand } from './commands/remove-device.command.js';
import { UpdatePreferencesCommand } from './commands/update-preferences.command.js';
import { UpdateProfileCommand } from './commands/update-profile.command.js';
import { PreferencesDto, type QuietHoursDto } from './dto/preferences.dto.js';
import { WEB_PUSH_SUBSCRIPTION_EXAMPLE } from './dto/web-push-subscription.dto.js';
import { APNS_TOKEN_EXAMPLE, RegisterDeviceDto, providerOf, registrationProblems } from './dto/register-device.dto.js';
import { UpsertUserDto } from './dto/upsert-user.dto.js';
import { DeviceParams, UserParams } from './dto/user-params.dto.js';
import { PreferencesViewDto, RegisteredDeviceDto, UserViewDto } from './dto/user-responses.js';
import { GetUserQuery } from './queries/get-user.query.js';

/** Only the keys given: a stored window reads back as it was written. */
function quietHoursOf({ start, end, days, channels }: QuietHoursDto): QuietHours {
  return { start, end, ...(days ? { days } : {}), ...(channels ? { channels } : {}) };
}

function toPreferences(dto: PreferencesDto): Preferences {
  const switches = (c?: Partial<ChannelSwitches>): ChannelSwitches => ({ push: c?.push ?? true, sms: c?.sms ?? true, email: c?.email ?? true, inapp: c?.inapp ?? true });
  const categories = dto.categories ?? [];
  const seen = new Set<string>();
  const duplicates = categories.filter((c) => seen.size === seen.add(c.category).size);
  if (duplicates.length > 0) {
    throw validationFailed([{ field: 'categories', messages: [`category listed twice: ${duplicates.map((d) => d.category).join(', ')}`] }]);
  }
  return {
    muted: dto.muted ?? false,
    channels: switches(dto.channels),
    categories: categories.map((c) => ({ category: c.category, enabled: c.enabled ?? true, channels: switches(c.channels) })),
    quietHours: dto.quietHours ? quietHoursOf(dto.quietHours) : null,
  };
}

@ApiTags('users')
@ApiErrorResponses(...AUTH_ERRORS)
@Controller('v1/users')
export class UsersController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Put(':userId')
  @Scopes('users:write')
  @ApiOperation({ summary: 'Create or replace a user’s contact info' })
  @ApiBody({
    type: UpsertUserDto,
    examples: { user: { summary: 'reachable by email and SMS', value: { email: 'ada@example.com', phone: '+447700900123', locale: 'en-GB', timezone: 'Europe/London' } } },
  })
  @ApiCreatedResponse({ type: UserViewDto, description: 'a new user' })
  @ApiOkResponse({ type: UserViewDto, description: 'the user existed: the profile is replaced' })
  @ApiErrorResponses(...BODY_ERRORS)
  async upsert(@Param() { userId }: UserParams, @Body() dto: UpsertUserDto, @Ctx() ctx: RequestContext, @Res({ passthrough: true }) reply: FastifyReply) {
    const { created } = await this.commands.execute(
      new UpdateProfileCommand(userId, { email: dto.email ?? null, phone: dto.phone ?? null, locale: dto.locale ?? null, timezone: dto.timezone ?? null }, ctx),
    );
    reply.status(created ? 201 : 200);
    return this.queries.execute(new GetUserQuery(userId));
  }

  @Get(':userId')
  @Scopes('users:read', 'users:write')
  @ApiOperation({ summary: 'A user’s profile, devices and preferences' })
  @ApiOkResponse({ type: UserViewDto })
  @ApiErrorResponses(400, { status: 404, description: 'no such user', message: 'no user user-42' })
  get(@Param() { userId }: UserParams) {
    return this.queries.execute(new GetUserQuery(userId));
  }

  @Post(':userId/devices')
  @Scopes('devices:register', 'users:write')
  @ApiOperation({ summary: 'Register a push device (a token, or a web push subscription); re-registering returns the same deviceId' })
  @ApiBody({
    type: RegisterDeviceDto,
    examples: {
      apns: { summary: 'an iPhone (APNs token: 64 hex digits)', value: { platform: 'ios', token: APNS_TOKEN_EXAMPLE } },
      fcm: { summary: 'an Android phone (FCM registration token)', value: { platform: 'android', token: 'fcm-registration-token:APA91bHun4MxP5egoKMwt2KZFBaFUH' } },
      webpush: { summary: 'a browser (its PushSubscription.toJSON())', value: { platform: 'web', provider: 'webpush', subscription: WEB_PUSH_SUBSCRIPTION_EXAMPLE } },
    },
  })
  @ApiCreatedResponse({ type: RegisteredDeviceDto, description: 'a new device' })
  @ApiOkResponse({ type: RegisteredDeviceDto, description: 'the token (or subscription) was registered already: its deviceId' })
  @ApiErrorResponses(...BODY_ERRORS, { status: 409, description: 'the provider reported this token invalid (code token_invalidated), or the user has 50 devices (too_many_devices)' })
  async registerDevice(@Param() { userId }: UserParams, @Body() dto: RegisterDeviceDto, @Ctx() ctx: RequestContext, @Res({ passthrough: true }) reply: FastifyReply) {
    const provider = providerOf(dto);
    const problems = registrationProblems(dto, provider);
    if (problems.length > 0) throw validationFailed(problems);
    // A web push subscription is identified by its endpoint, which stands for the token from here on.
    const subscription = dto.subscription;
    const [token, keys] = subscription ? [subscription.endpoint, { p256dh: subscription.keys.p256dh, auth: subscription.keys.auth }] : [dto.token!, null];
    const result = await this.commands.execute(new RegisterDeviceCommand(userId, dto.platform, provider, token, keys, ctx));
    reply.status(result.created ? 201 : 200);
    return { deviceId: result.deviceId };
  }

  @Delete(':userId/devices/:deviceId')
  @HttpCode(204)
  @Scopes('devices:register', 'users:write')
  @ApiOperation({ summary: 'Remove a device' })
  @ApiNoContentResponse({ description: 'removed' })
  @ApiErrorResponses(400, { status: 404, description: 'no such device for this user', message: 'no such device for this user' })
  async removeDevice(@Param() { userId, deviceId }: DeviceParams, @Ctx() ctx: RequestContext): Promise<void> {
    await this.commands.execute(new RemoveDeviceCommand(userId, deviceId, ctx));
  }

  @Put(':userId/preferences')
  @Scopes('users:write', 'devices:register')
  @ApiOperation({ summary: 'Replace a user’s notification preferences (opt-outs per channel, per category, global mute, quiet hours)' })
  @ApiBody({
    type: PreferencesDto,
    examples: {
      preferences: {
        summary: 'no SMS, no marketing email',
        value: { muted: false, channels: { sms: false }, categories: [{ category: 'marketing', channels: { email: false } }] },
      },
      quietHours: {
        summary: 'nothing on push or SMS from 22:00 to 07:30, Sunday to Thursday nights',
        value: { quietHours: { start: '22:00', end: '07:30', days: ['sun', 'mon', 'tue', 'wed', 'thu'], channels: ['push', 'sms'] } },
      },
    },
  })
  @ApiOkResponse({ type: PreferencesViewDto, description: 'the preferences now in force, every switch explicit' })
  @ApiErrorResponses(...BODY_ERRORS)
  async preferences(@Param() { userId }: UserParams, @Body() dto: PreferencesDto, @Ctx() ctx: RequestContext) {
    return this.commands.execute(new UpdatePreferencesCommand(userId, toPreferences(dto), ctx));
  }
}
