import { Controller, Get, Inject, Logger, NotFoundException, Param, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { EngagementKind } from '../../domain/notification/delivery-lifecycle.js';
import type { AuthenticatedRequest } from '../auth/api-auth.guard.js';
import { Public } from '../auth/scopes.decorator.js';
import { ApiErrorResponses } from '../openapi/api-responses.js';
import { RecordEngagementCommand } from './commands/record-engagement.command.js';
import { TRACKING_TOKENS } from './tracking-keys.js';
import type { TrackingClaim, TrackingTokens } from './tracking-token.js';

/** The smallest transparent GIF: 1x1, one colour, transparent. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
/** The reader is never kept waiting on the log: past this the redirect goes out anyway. */
const RECORD_WAIT_MS = 1500;

/**
 * Links and pixels in sent emails. No credentials: the signature is the authority. A token
 * that does not verify gets 404 and records nothing; a click only ever redirects to the URL
 * inside a verified token, and only to http(s), so this is never an open redirect.
 */
@ApiTags('tracking')
@ApiParam({ name: 'token', description: 'the signed token in a link or pixel of a sent email', schema: { type: 'string', maxLength: 4096 } })
@ApiErrorResponses({ status: 404, description: 'the token does not verify (or is of the other kind): nothing is recorded', message: 'unknown tracking link' })
@Controller('t')
export class TrackingController {
  private readonly logger = new Logger('Tracking');

  constructor(
    @Inject(TRACKING_TOKENS) private readonly tokens: TrackingTokens,
    private readonly commands: CommandBus,
  ) {}

  @Get('c/:token')
  @Public()
  @ApiOperation({ summary: 'A link in a sent email: records the click (and the open it implies), then redirects to the link’s URL' })
  @ApiFoundResponse({
    description: 'to the URL inside the verified token (http or https only)',
    headers: { Location: { description: 'the link’s target', schema: { type: 'string', format: 'uri' } } },
  })
  async click(@Param('token') token: string, @Req() request: AuthenticatedRequest, @Res() reply: FastifyReply) {
    const claim = this.claim(token, 'click');
    await this.record(claim, 'clicked', request);
    return reply.status(302).header('location', claim.url).header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').send();
  }

  @Get('o/:token')
  @Public()
  @ApiOperation({ summary: 'The pixel of a sent email: records the open' })
  @ApiOkResponse({ description: 'a transparent 1x1 GIF', content: { 'image/gif': { schema: { type: 'string', format: 'binary' } } } })
  async open(@Param('token') token: string, @Req() request: AuthenticatedRequest, @Res() reply: FastifyReply) {
    const claim = this.claim(token, 'open');
    await this.record(claim, 'opened', request);
    return reply.status(200).header('content-type', 'image/gif').header('cache-control', 'no-store, max-age=0').send(PIXEL);
  }

  private claim<K extends TrackingClaim['kind']>(token: string, kind: K): Extract<TrackingClaim, { kind: K }> {
    const claim = this.tokens.verify(token);
    if (!claim || claim.kind !== kind) throw new NotFoundException({ statusCode: 404, error: 'Not Found', message: 'unknown tracking link' });
    return claim as Extract<TrackingClaim, { kind: K }>;
  }

  /** Best effort: a failure (or a slow log) is logged, and the reader gets their answer regardless. */
  private async record(claim: Extract<TrackingClaim, { kind: 'open' | 'click' }>, kind: EngagementKind, request: AuthenticatedRequest): Promise<void> {
    const command = new RecordEngagementCommand(claim.notificationId, claim.deliveryId, kind, kind === 'clicked' ? 'link' : 'pixel', claim.kind === 'click' ? claim.url : undefined, {
      correlationId: request.correlationId,
    });
    const recording = this.commands.execute(command).catch((error: unknown) => {
      this.logger.warn({ msg: `could not record ${kind}`, notificationId: claim.notificationId, deliveryId: claim.deliveryId, err: error instanceof Error ? error.message : String(error) });
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([recording, new Promise((resolve) => (timer = setTimeout(resolve, RECORD_WAIT_MS)))]);
    clearTimeout(timer);
  }
}
