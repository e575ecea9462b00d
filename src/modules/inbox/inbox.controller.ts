import { Controller, Get, HttpCode, HttpException, HttpStatus, Param, Post, Query, Req, Res, SetMetadata, UseGuards, applyDecorators } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MARKED, type InboxMark } from '../../domain/notification/inbox.js';
import { PUBLIC_KEY } from '../auth/scopes.decorator.js';
import { CURSOR, InboxFeed } from './inbox-feed.js';
import { ApiErrorResponses } from '../openapi/api-responses.js';
import { CurrentSubscriber, SubscriberGuard, TokenInQuery, type Subscriber } from './inbox-auth.js';
import { InboxLive, TooManyStreamsError } from './inbox-live.js';
import { MarkInboxItemCommand } from './commands/mark-inbox-item.command.js';
import { FeedPageDto, FeedQueryDto, ItemParams, MarkedDto, ReadAllDto, StreamQueryDto } from './dto/inbox.dto.js';

/** Unread items one read-all call marks at most. */
const READ_ALL_LIMIT = 500;

const UNAUTHORIZED = { status: 401, description: 'No subscriber token, or one that is not valid or has expired: no data', message: 'the subscriber token has expired: mint a new one' } as const;
const NOT_IN_FEED = { status: 404, description: 'No such item in this user’s feed (another user’s item is not there either)', message: 'no item 0b7c6f3e-4a1d-4c2e-9f8a-2d5e6b7c8d9e.1 in this user’s feed' } as const;

/** The subscriber API: a browser, with its user's subscriber token, not the appKey (its routes are public to the appKey guard). */
const SubscriberRoute = () => applyDecorators(SetMetadata(PUBLIC_KEY, true), ApiSecurity('subscriberToken'), UseGuards(SubscriberGuard), ApiErrorResponses(UNAUTHORIZED));

type CorrelatedRequest = FastifyRequest & { correlationId?: string };

@ApiTags('inbox')
@Controller('v1/inbox')
export class InboxController {
  constructor(
    private readonly feed: InboxFeed,
    private readonly live: InboxLive,
    private readonly commands: CommandBus,
  ) {}

  @Get()
  @SubscriberRoute()
  @ApiOperation({ summary: 'A page of the user’s feed, newest first, with the unread and unseen counts', description: 'By default every item not archived; filter by state and category, and page with the cursor.' })
  @ApiOkResponse({ type: FeedPageDto })
  @ApiErrorResponses(400)
  async list(@CurrentSubscriber() subscriber: Subscriber, @Query() query: FeedQueryDto): Promise<FeedPageDto> {
    // Read before the page: a change made meanwhile is in the page and sent again by the stream, never missed.
    const lastEventId = await this.feed.headFor(subscriber.userId);
    const page = await this.feed.page(subscriber.userId, { ...query, limit: query.limit ?? 20 });
    return { ...page, lastEventId: String(lastEventId) };
  }

  @Post('items/:id/seen')
  @HttpCode(200)
  @SubscriberRoute()
  @ApiOperation({ summary: 'Mark an item seen (shown in the list); a repeat records nothing' })
  @ApiOkResponse({ type: MarkedDto })
  @ApiErrorResponses(400, NOT_IN_FEED)
  seen(@CurrentSubscriber() s: Subscriber, @Param() { id }: ItemParams, @Req() request: CorrelatedRequest): Promise<MarkedDto> {
    return this.mark(s, id, 'seen', request.correlationId);
  }

  @Post('items/:id/read')
  @HttpCode(200)
  @SubscriberRoute()
  @ApiOperation({ summary: 'Mark an item read: its open, counted in analytics; a repeat records nothing' })
  @ApiOkResponse({ type: MarkedDto })
  @ApiErrorResponses(400, NOT_IN_FEED)
  read(@CurrentSubscriber() s: Subscriber, @Param() { id }: ItemParams, @Req() request: CorrelatedRequest): Promise<MarkedDto> {
    return this.mark(s, id, 'read', request.correlationId);
  }

  @Post('items/:id/archive')
  @HttpCode(200)
  @SubscriberRoute()
  @ApiOperation({ summary: 'Archive an item: it leaves the feed (listed with state=archived); a repeat records nothing' })
  @ApiOkResponse({ type: MarkedDto })
  @ApiErrorResponses(400, NOT_IN_FEED)
  archive(@CurrentSubscriber() s: Subscriber, @Param() { id }: ItemParams, @Req() request: CorrelatedRequest): Promise<MarkedDto> {
    return this.mark(s, id, 'archived', request.correlationId);
  }

  @Post('read-all')
  @HttpCode(200)
  @SubscriberRoute()
  @ApiOperation({ summary: 'Mark every unread item read, oldest first, at most 500 a call' })
  @ApiOkResponse({ type: ReadAllDto })
  async readAll(@CurrentSubscriber() s: Subscriber, @Req() request: CorrelatedRequest): Promise<ReadAllDto> {
    const unread = await this.feed.unreadIds(s.userId, READ_ALL_LIMIT + 1);
    const now = unread.slice(0, READ_ALL_LIMIT);
    let read = 0;
    // A few at a time: each is its own notification's stream, and appends commit together.
    for (let i = 0; i < now.length; i += 8) {
      const marked = await Promise.all(now.slice(i, i + 8).map((item) => this.commands.execute(new MarkInboxItemCommand(s.userId, item.notificationId, item.id, 'read', request.correlationId))));
      read += marked.filter((events) => events.length > 0).length;
    }
    return { read, more: unread.length > READ_ALL_LIMIT };
  }

  @Get('stream')
  @SubscriberRoute()
  @TokenInQuery()
  @ApiOperation({
    summary: 'The feed live, as Server-Sent Events',
    description:
      'Events: `item` (an item added or changed, as in the list; its id resumes after it), `counts` ({unread, unseen} after the changes before it), `reset` (the resume id is unknown here: read the list again), `expired` (the token expired: mint a new one and reconnect). Comments are heartbeats. Reconnecting with Last-Event-ID (EventSource does it itself) or ?lastEventId= sends every change since, so none is missed. The token may be given as ?token= (EventSource cannot send headers).',
  })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'resume after this event id' })
  @ApiResponse({ status: 200, description: 'the stream', content: { 'text/event-stream': { schema: { type: 'string', example: 'id: 1042\nevent: item\ndata: {"id":"0b7c6f3e-4a1d-4c2e-9f8a-2d5e6b7c8d9e.1","state":"unseen"}\n\nid: 1042\nevent: counts\ndata: {"unread":3,"unseen":1}\n\n' } } } })
  @ApiErrorResponses(400, { status: 429, description: 'this user has INBOX_MAX_STREAMS_PER_USER streams open already', message: 'this user has as many live streams open as allowed: close one' }, { status: 503, description: 'this process holds INBOX_MAX_STREAMS streams already: retry (another process may have room)', message: 'this process holds as many live streams as it may: retry later' })
  async stream(@CurrentSubscriber() s: Subscriber, @Query() query: StreamQueryDto, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const header = request.headers['last-event-id'];
    const resume = typeof header === 'string' && CURSOR.test(header) ? header : query.lastEventId;
    const error = this.live.full(s.userId);
    if (error) {
      throw new HttpException({ statusCode: error.scope === 'user' ? 429 : 503, error: error.scope === 'user' ? 'Too Many Requests' : 'Service Unavailable', message: error.message }, error.scope === 'user' ? HttpStatus.TOO_MANY_REQUESTS : HttpStatus.SERVICE_UNAVAILABLE);
    }
    reply.hijack();
    reply.raw.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Proxies that buffer (nginx) would hold events back.
      'x-accel-buffering': 'no',
    });
    await this.live.serve(s.userId, reply.raw, resume === undefined ? null : BigInt(resume), s.expiresAtMs).catch((error: unknown) => {
      if (!(error instanceof TooManyStreamsError)) throw error;
      reply.raw.end();
    });
  }

  private async mark(s: Subscriber, id: string, mark: InboxMark, correlationId: string | undefined): Promise<MarkedDto> {
    const item = await this.feed.item(s.userId, id);
    if (!item) throw new HttpException({ statusCode: 404, error: 'Not Found', message: `no item ${id} in this user’s feed` }, HttpStatus.NOT_FOUND);
    const events = await this.commands.execute(new MarkInboxItemCommand(s.userId, item.notificationId, id, mark, correlationId));
    // The feed shows the mark a moment later; the answer says where the item stands now.
    const state = events.length > 0 ? MARKED[mark].state : item.state;
    return { id, state, recorded: events.map((e) => e.type) };
  }
}
