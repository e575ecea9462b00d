import { BadRequestException, Body, Controller, ForbiddenException, Get, HttpCode, Inject, NotFoundException, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import type { Preferences } from '../../domain/recipient/events.js';
import { timezoneFor } from '../../domain/recipient/policy.js';
import type { AuthenticatedRequest } from '../auth/api-auth.guard.js';
import { Public } from '../auth/scopes.decorator.js';
import { errorBody } from '../http/error-response.js';
import { AcceptsForm, FORM } from '../http/form-body.js';
import { sendHtmlPage } from '../http/html-page.js';
import { ApiErrorResponses } from '../openapi/api-responses.js';
import { ErrorSchema } from '../openapi/error-body.schema.js';
import { UpdatePreferencesCommand } from '../recipients/commands/update-preferences.command.js';
import { findUser, type UserView } from '../recipients/queries/get-user.query.js';
import { TRACKING_TOKENS } from '../tracking/tracking-keys.js';
import type { TrackingTokens } from '../tracking/tracking-token.js';
import { crossSiteReason } from '../http/cross-site.js';
import { pageLanguage } from './messages.js';
import { FIELDS, pageCategories, preferencesFromForm, quietHoursFormOf, type QuietHoursForm, type TimeProblem } from './preference-form.js';
import { preferencePageBody } from './preference-page-view.js';

const HTML_PAGE = { description: 'the preference page: a form of the user’s preferences, in their language', content: { 'text/html': { schema: { type: 'string' } } } };
const FORM_BODY = {
  description: 'the page’s form as a browser posts it: ticked checkboxes are `on`, unticked ones absent',
  schema: {
    type: 'object',
    required: [FIELDS.formToken],
    properties: {
      [FIELDS.formToken]: { type: 'string', description: 'the hidden field of the page: an HMAC of the link’s token' },
      [FIELDS.muted]: { type: 'string', enum: ['on'] },
      [FIELDS.channel('email')]: { type: 'string', enum: ['on'], description: 'likewise channel:push, channel:sms' },
      'category:marketing': { type: 'string', enum: ['shown'], description: 'the category was on the form (one such field for each); without it the category is left as it is' },
      'category:marketing:enabled': { type: 'string', enum: ['on'] },
      'category:marketing:email': { type: 'string', enum: ['on'], description: 'likewise category:<name>:push, category:<name>:sms' },
      [FIELDS.quietHours]: { type: 'string', enum: ['shown'], description: 'the quiet hours were on the form; without it they are left as they are' },
      [FIELDS.quietHoursEnabled]: { type: 'string', enum: ['on'], description: 'use quiet hours; absent (with the marker): none' },
      [FIELDS.quietHoursStart]: { type: 'string', example: '22:00', description: 'HH:MM (or H:MM), in the user’s time zone' },
      [FIELDS.quietHoursEnd]: { type: 'string', example: '07:00', description: 'HH:MM (or H:MM); not after the start: the next day' },
      [FIELDS.quietHoursDay('mon')]: { type: 'string', enum: ['on'], description: 'likewise quiet-hours:day:sun … sat: the days the window starts on; none or all ticked: every day' },
      [FIELDS.quietHoursChannel('sms')]: { type: 'string', enum: ['on'], description: 'likewise quiet-hours:channel:push, email; none or all ticked: every channel' },
    },
    additionalProperties: { type: 'string' },
  },
} as const;

type PreferencesClaim = { userId: string };

/** What the page shows: the preferences (saved, or chosen but not saved) and, after a mistake, the quiet hours as typed. */
interface ShownPage {
  preferences: Preferences;
  saved?: boolean;
  quietHours?: QuietHoursForm;
  problems?: TimeProblem[];
  status?: number;
}

/**
 * The hosted preference page: a recipient follows a signed link (every email's
 * `{{ preferencesUrl }}`, or one the calling service minted) and changes their own preferences.
 * No credentials and no cookies: the link's token is the authority, and one that does not verify,
 * has expired or names a user who is gone gets 404 and changes nothing. The page is plain HTML
 * that works without script; a GET never changes anything.
 *
 * Cross-site requests: with no cookie there is no ambient authority for another site to ride
 * on, but a page elsewhere that learnt a link (a forwarded email, a leaked URL) could still make
 * the recipient's browser submit a change. Two independent checks refuse that: the browser's own
 * word (Sec-Fetch-Site, Origin: see crossSiteReason), which needs no state, and a hidden form
 * token, an HMAC of the link's token, which a cross-site page cannot read (the same-origin policy
 * keeps it from our responses) and which also covers clients that send neither header. Being
 * derived rather than stored, it needs no session and survives key rotation like the links.
 */
@ApiTags('preference page')
@ApiParam({ name: 'token', description: 'the signed token of a preference link (`{{ preferencesUrl }}` or POST /v1/users/:userId/preference-link)', schema: { type: 'string', maxLength: 4096 } })
@ApiErrorResponses({ status: 404, description: 'the token does not verify, has expired, or its user is gone: nothing changes', message: 'unknown preferences link' })
@Controller('p')
export class PreferencePageController {
  constructor(
    @Inject(TRACKING_TOKENS) private readonly tokens: TrackingTokens,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get(':token')
  @Public()
  @ApiOperation({ summary: 'The preference page: the user’s preferences as a form; changes nothing by itself' })
  @ApiOkResponse(HTML_PAGE)
  async page(@Param('token') token: string, @Req() request: AuthenticatedRequest, @Res() reply: FastifyReply) {
    const user = await this.user(this.claim(token));
    return this.render(reply, request, token, user, { preferences: user.preferences });
  }

  @Post(':token')
  @Public()
  @AcceptsForm()
  @HttpCode(200)
  @ApiOperation({ summary: 'Saves the preference page’s form (from the page itself only) and shows the page again, confirming' })
  @ApiConsumes(FORM)
  @ApiBody(FORM_BODY)
  @ApiOkResponse({ ...HTML_PAGE, description: 'saved: the page again, saying so; a replay changes nothing and records nothing' })
  @ApiResponse({
    status: 400,
    description: 'a quiet-hours time that is not HH:MM, or an end equal to the start: the page again (HTML), naming the field in the user’s language, nothing saved; a field holding something no page sends: the JSON error, `errors` naming it',
    content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorSchema) } }, 'text/html': { schema: { type: 'string' } } },
  })
  @ApiErrorResponses(
    { status: 403, description: 'not posted by the page itself: another site’s form (Sec-Fetch-Site, Origin), or no valid form token (code form_token_invalid)', message: 'this form must be sent from its own page' },
    415,
  )
  async save(@Param('token') token: string, @Body() body: unknown, @Req() request: AuthenticatedRequest, @Res() reply: FastifyReply) {
    const claim = this.claim(token);
    const crossSite = crossSiteReason(request, new URL(this.config.tracking.publicBaseUrl).origin);
    if (crossSite) throw forbidden(`this form must be sent from its own page: ${crossSite}`, 'cross_site');
    const form = (body ?? {}) as Record<string, unknown>;
    const formToken = form[FIELDS.formToken];
    if (typeof formToken !== 'string' || !this.tokens.verifyFormToken(token, formToken)) throw forbidden('this form must be sent from its own page: no valid form token', 'form_token_invalid');
    const user = await this.user(claim);
    // Read, then replaced whole like PUT /v1/users/:userId/preferences: a change in between is overwritten, as with the API.
    const result = preferencesFromForm(form, user.preferences, this.categoriesOf(user.preferences));
    if ('errors' in result) throw new BadRequestException(errorBody(400, 'the form is not one the page sends', result.errors));
    // A person's typing mistake deserves the page back, with what they chose, rather than JSON.
    if ('retype' in result) return this.render(reply, request, token, user, { ...result.retype, status: 400 });
    const correlationId = request.correlationId;
    const metadata = { source: 'preference-page', ...(correlationId ? { correlationId, causationId: correlationId } : {}) };
    const saved = await this.commands.execute(new UpdatePreferencesCommand(claim.userId, result.preferences, metadata));
    return this.render(reply, request, token, user, { preferences: saved, saved: true });
  }

  private claim(token: string): PreferencesClaim {
    const claim = this.tokens.verify(token);
    if (!claim || claim.kind !== 'preferences' || claim.expiresAt * 1000 <= Date.now()) throw unknownLink();
    return claim;
  }

  private async user({ userId }: PreferencesClaim): Promise<UserView> {
    const user = await findUser(this.queries, userId);
    if (!user) throw unknownLink();
    return user;
  }

  private categoriesOf(preferences: Preferences): string[] {
    return pageCategories(Object.keys(this.config.policy.categories), preferences);
  }

  private render(reply: FastifyReply, request: AuthenticatedRequest, token: string, user: UserView, shown: ShownPage) {
    const { preferences, saved = false, problems = [], status = 200 } = shown;
    const { lang, messages } = pageLanguage(user.locale, request.headers['accept-language']);
    // The zone the decider reads the user's own window in (a category with a zone of its own is the one exception, for a user without one).
    const timezone = timezoneFor(this.config.policy, user.timezone, '');
    const body = preferencePageBody({
      messages,
      lang,
      action: `/p/${encodeURIComponent(token)}`,
      formToken: this.tokens.formToken(token),
      preferences,
      categories: this.categoriesOf(preferences),
      saved,
      quietHours: shown.quietHours ?? quietHoursFormOf(preferences.quietHours),
      timezone: { name: timezone, fromProfile: timezone === user.timezone },
      problems,
    });
    const title = problems.length > 0 ? `${messages.notSaved} ${messages.title}` : saved ? `${messages.saved} ${messages.title}` : messages.title;
    return sendHtmlPage(reply, { lang, title, body, status });
  }
}

const unknownLink = () => new NotFoundException(errorBody(404, 'unknown preferences link'));
const forbidden = (message: string, code: string) => new ForbiddenException(errorBody(403, message, [], code));
