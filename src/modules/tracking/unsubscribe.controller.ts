import { BadRequestException, Body, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DomainError } from '../../domain/shared/decider.js';
import type { AuthenticatedRequest } from '../auth/api-auth.guard.js';
import { Public } from '../auth/scopes.decorator.js';
import { AcceptsForm, FORM } from '../http/form-body.js';
import { sendHtmlPage } from '../http/html-page.js';
import { ApiErrorResponses } from '../openapi/api-responses.js';
import { SetCategoryChannelCommand } from '../recipients/commands/set-category-channel.command.js';
import { findUser, type UserView } from '../recipients/queries/get-user.query.js';
import { escapeHtml } from './email-links.js';
import { PreferenceLinks } from './preference-links.js';
import { TRACKING_TOKENS } from './tracking-keys.js';
import type { TrackingClaim, TrackingTokens } from './tracking-token.js';
import { unsubscribeLanguage, type UnsubscribeMessages } from './unsubscribe-messages.js';

type UnsubscribeClaim = Extract<TrackingClaim, { kind: 'unsubscribe' }>;

const ONE_CLICK = { field: 'List-Unsubscribe', value: 'One-Click' } as const;
const HTML_PAGE = { description: 'a small HTML page saying what was done, with a form to undo it', content: { 'text/html': { schema: { type: 'string' } } } };
const FORM_BODY = {
  required: false,
  schema: { type: 'object', properties: { [ONE_CLICK.field]: { type: 'string', enum: [ONE_CLICK.value] } } },
} as const;

/**
 * One-click unsubscribe (RFC 8058) from the List-Unsubscribe header of a non-critical email. No
 * credentials and no cookies: the signed token is the authority, and one that does not verify
 * gets 404 and changes nothing. A GET never changes anything (link scanners follow links); it
 * shows a page whose buttons POST.
 */
@ApiTags('unsubscribe')
@ApiParam({ name: 'token', description: 'the signed token in the List-Unsubscribe header of a sent email', schema: { type: 'string', maxLength: 4096 } })
@ApiErrorResponses({ status: 404, description: 'the token does not verify, or its user is gone: nothing changes', message: 'unknown unsubscribe link' })
@Controller('u')
export class UnsubscribeController {
  constructor(
    @Inject(TRACKING_TOKENS) private readonly tokens: TrackingTokens,
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly preferenceLinks: PreferenceLinks,
  ) {}

  @Get(':token')
  @Public()
  @ApiOperation({ summary: 'The unsubscribe page: asks to confirm, changes nothing by itself' })
  @ApiOkResponse(HTML_PAGE)
  async page(@Param('token') token: string, @Req() request: AuthenticatedRequest, @Res() reply: FastifyReply) {
    const claim = this.claim(token);
    const action = `/u/${encodeURIComponent(token)}`;
    return this.html(
      reply,
      request,
      claim,
      (m) => `<h1>${escapeHtml(m.ask(claim.category))}</h1>
<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="${ONE_CLICK.field}" value="${ONE_CLICK.value}"><button type="submit">${escapeHtml(m.unsubscribe)}</button></form>
<form method="post" action="${escapeHtml(`${action}/undo`)}"><button type="submit" class="secondary">${escapeHtml(m.keep)}</button></form>`,
    );
  }

  @Post(':token')
  @Public()
  @AcceptsForm()
  @HttpCode(200)
  @ApiOperation({ summary: 'One-click unsubscribe (RFC 8058): opts the user out of the category’s email; a replay changes nothing' })
  @ApiConsumes(FORM)
  @ApiBody({ ...FORM_BODY, description: 'as mail providers send it: List-Unsubscribe=One-Click' })
  @ApiOkResponse(HTML_PAGE)
  @ApiErrorResponses({ status: 400, description: 'the body is not List-Unsubscribe=One-Click', message: 'List-Unsubscribe must be One-Click' }, 415)
  async unsubscribe(@Param('token') token: string, @Body() body: unknown, @Req() request: AuthenticatedRequest, @Res() reply: FastifyReply) {
    const claim = this.claim(token);
    if ((body as Record<string, unknown> | undefined)?.[ONE_CLICK.field] !== ONE_CLICK.value) {
      const message = `${ONE_CLICK.field} must be ${ONE_CLICK.value}`;
      throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message, errors: [{ field: ONE_CLICK.field, messages: [message] }] });
    }
    await this.set(claim, false, request);
    const undo = `/u/${encodeURIComponent(token)}/undo`;
    return this.html(
      reply,
      request,
      claim,
      (m) => `<h1>${escapeHtml(m.done(claim.category))}</h1>
<form method="post" action="${escapeHtml(undo)}"><button type="submit">${escapeHtml(m.undo)}</button></form>`,
    );
  }

  @Post(':token/undo')
  @Public()
  @AcceptsForm()
  @HttpCode(200)
  @ApiOperation({ summary: 'Undoes a one-click unsubscribe: opts the user back in to the category’s email' })
  @ApiConsumes(FORM)
  @ApiBody({ required: false, description: 'nothing is needed', schema: { type: 'object' } })
  @ApiOkResponse(HTML_PAGE)
  @ApiErrorResponses(415)
  async undo(@Param('token') token: string, @Req() request: AuthenticatedRequest, @Res() reply: FastifyReply) {
    const claim = this.claim(token);
    await this.set(claim, true, request);
    return this.html(reply, request, claim, (m) => `<h1>${escapeHtml(m.kept(claim.category))}</h1>`);
  }

  private claim(token: string): UnsubscribeClaim {
    const claim = this.tokens.verify(token);
    if (!claim || claim.kind !== 'unsubscribe') throw unknownLink();
    return claim;
  }

  private async set(claim: UnsubscribeClaim, enabled: boolean, request: AuthenticatedRequest): Promise<void> {
    const correlationId = request.correlationId;
    const metadata = { source: 'one-click', ...(correlationId ? { correlationId, causationId: correlationId } : {}) };
    try {
      await this.commands.execute(new SetCategoryChannelCommand(claim.userId, claim.category, claim.channel, enabled, metadata));
    } catch (error) {
      if (error instanceof DomainError && error.code === 'not_found') throw unknownLink();
      throw error;
    }
  }

  /** In the user's language, as the preference page is, with a link to it for every other choice. */
  private async html(reply: FastifyReply, request: AuthenticatedRequest, claim: UnsubscribeClaim, content: (messages: UnsubscribeMessages) => string) {
    const user = await this.user(claim);
    const { lang, messages } = unsubscribeLanguage(user.locale, request.headers['accept-language']);
    const preferences = this.preferenceLinks.linkFor(claim.userId, Date.now()).url;
    const body = `${content(messages)}\n<p><a href="${escapeHtml(preferences)}">${escapeHtml(messages.allPreferences)}</a></p>`;
    return sendHtmlPage(reply, { lang, title: messages.title, body });
  }

  private async user({ userId }: UnsubscribeClaim): Promise<UserView> {
    const user = await findUser(this.queries, userId);
    if (!user) throw unknownLink();
    return user;
  }


}

const unknownLink = () => new NotFoundException({ statusCode: 404, error: 'Not Found', message: 'unknown unsubscribe link' });
