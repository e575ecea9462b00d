import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../auth/scopes.decorator.js';
import { AUTH_ERRORS, ApiErrorResponses } from '../openapi/api-responses.js';
import { UserParams } from '../recipients/dto/user-params.dto.js';
import { GetUserQuery } from '../recipients/queries/get-user.query.js';
import { PreferenceLinks } from '../tracking/preference-links.js';
import { PreferenceLinkDto } from './preference-link-responses.js';

/** For a calling service that shows the link itself (in its app, its own emails): the same link every Herald email carries as `{{ preferencesUrl }}`. */
@ApiTags('users')
@ApiErrorResponses(...AUTH_ERRORS)
@Controller('v1/users')
export class PreferenceLinkController {
  constructor(
    private readonly links: PreferenceLinks,
    private readonly queries: QueryBus,
  ) {}

  @Post(':userId/preference-link')
  @HttpCode(200)
  @Scopes('users:write')
  @ApiOperation({ summary: 'A signed link to the user’s hosted preference page, valid for a year; records nothing' })
  @ApiOkResponse({ type: PreferenceLinkDto })
  @ApiErrorResponses(400, { status: 404, description: 'no such user', message: 'no user user-42' })
  async mint(@Param() { userId }: UserParams): Promise<PreferenceLinkDto> {
    await this.queries.execute(new GetUserQuery(userId));
    return this.links.linkFor(userId, Date.now());
  }
}
