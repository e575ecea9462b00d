import { Body, Controller, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import type { AuthenticatedRequest } from '../auth/api-auth.guard.js';
import { Scopes } from '../auth/scopes.decorator.js';
import { validationFailed } from '../http/validation.js';
import { AUTH_ERRORS, ApiErrorResponses, BODY_ERRORS } from '../openapi/api-responses.js';
import { UserParams } from '../recipients/dto/user-params.dto.js';
import { GetUserQuery } from '../recipients/queries/get-user.query.js';
import { InboxTokenDto, InboxTokenRequestDto } from './dto/inbox.dto.js';
import { InboxTokens } from './inbox-tokens.js';

/** For the customer's backend, which holds the appSecret: a short-lived token its page gives the browser for this user's feed. */
@ApiTags('inbox')
@ApiErrorResponses(...AUTH_ERRORS)
@Controller('v1/users')
export class InboxTokenController {
  constructor(
    private readonly tokens: InboxTokens,
    private readonly queries: QueryBus,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
  ) {}

  @Post(':userId/inbox-token')
  @HttpCode(200)
  @Scopes('inbox:token')
  @ApiOperation({ summary: 'A subscriber token for the user’s in-app feed (GET /v1/inbox and the live stream), signed by Herald; records nothing' })
  @ApiBody({ type: InboxTokenRequestDto, required: false, examples: { default: { summary: 'for 15 minutes', value: { ttlSeconds: 900 } } } })
  @ApiOkResponse({ type: InboxTokenDto })
  @ApiErrorResponses(...BODY_ERRORS, { status: 404, description: 'no such user', message: 'no user user-42' })
  async mint(@Param() { userId }: UserParams, @Req() request: AuthenticatedRequest, @Body() body: InboxTokenRequestDto = {}): Promise<InboxTokenDto> {
    const max = this.config.inbox.maxTokenTtlMs;
    if (body.ttlSeconds !== undefined && body.ttlSeconds * 1000 > max) throw validationFailed([{ field: 'ttlSeconds', messages: [`ttlSeconds must be at most ${max / 1000} (INBOX_TOKEN_MAX_TTL)`] }]);
    await this.queries.execute(new GetUserQuery(userId));
    return { ...this.tokens.mint(userId, request.client!.appKey, Date.now(), body.ttlSeconds === undefined ? undefined : body.ttlSeconds * 1000), userId };
  }
}
