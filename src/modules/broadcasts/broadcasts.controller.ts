import { Body, Controller, Delete, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Ctx } from '../auth/request-context.decorator.js';
import type { RequestContext } from '../auth/request-context.js';
import { Scopes } from '../auth/scopes.decorator.js';
import { AUTH_ERRORS, ApiErrorResponses, BODY_ERRORS } from '../openapi/api-responses.js';
import { BroadcastQueries } from './broadcast-queries.js';
import { BroadcastRequests } from './broadcast-requests.js';
import { AcceptedBroadcastDto, BroadcastPageDto, BroadcastParams, BroadcastViewDto, CanceledBroadcastDto, CreateBroadcastDto, ListBroadcastsQuery } from './dto/broadcast.dto.js';

const NO_BROADCAST = { status: 404, description: 'no such broadcast', message: 'no broadcast 7d1c9b8e-5a4f-4e3d-9c2b-1a0f9e8d7c6b' } as const;

const EXAMPLES = {
  topic: {
    summary: 'every subscriber of a topic, inline content',
    value: { audience: { topic: 'order-updates' }, category: 'news', channels: ['email'], content: { subject: 'Spring sale', text: 'Everything is 20% off this week' }, idempotencyKey: 'spring-sale-2026' },
  },
  users: {
    summary: 'a list of users, at 09:00 in each one’s own time zone',
    value: { audience: { userIds: ['user-42', 'user-43'] }, category: 'news', content: { title: 'Good morning', body: 'Your weekly summary is ready' }, sendAt: { localTime: '09:00' } },
  },
};

@ApiTags('broadcasts')
@ApiErrorResponses(...AUTH_ERRORS)
@Controller('v1/broadcasts')
export class BroadcastsController {
  constructor(
    private readonly requests: BroadcastRequests,
    private readonly queries: BroadcastQueries,
  ) {}

  @Post()
  @Scopes('broadcasts:send')
  @ApiOperation({ summary: 'Notify an audience (a topic’s subscribers, up to 10,000 user ids, or every user): each member is decided as a single request would be' })
  @ApiBody({ type: CreateBroadcastDto, examples: EXAMPLES })
  @ApiAcceptedResponse({ type: AcceptedBroadcastDto, description: 'accepted and durable; the fan-out decides the members in the background' })
  @ApiOkResponse({ type: AcceptedBroadcastDto, description: 'the idempotencyKey matched an earlier broadcast of this client: its id' })
  @ApiErrorResponses(...BODY_ERRORS)
  // Validated by hand (as POST /v1/notifications is), so sendAt's two forms and the audience's three are checked together.
  async create(@Body() body: Record<string, unknown>, @Ctx() ctx: RequestContext, @Res({ passthrough: true }) reply: FastifyReply) {
    const accepted = await this.requests.accept(body, ctx);
    reply.status(accepted.duplicate ? 200 : 202);
    return accepted;
  }

  @Get()
  @Scopes('broadcasts:read', 'broadcasts:send')
  @ApiOperation({ summary: 'Broadcasts, newest first, by status, topic or category' })
  @ApiOkResponse({ type: BroadcastPageDto })
  @ApiErrorResponses(400)
  list(@Query() q: ListBroadcastsQuery) {
    return this.queries.list({ status: q.status, topic: q.topic, category: q.category, cursor: q.cursor, limit: q.limit ? Number(q.limit) : 20 });
  }

  @Get(':id')
  @Scopes('broadcasts:read', 'broadcasts:send')
  @ApiOperation({ summary: 'A broadcast’s progress: audience size, decided, accepted, suppressed by reason, and its deliveries sent and failed' })
  @ApiOkResponse({ type: BroadcastViewDto })
  @ApiErrorResponses(400, NO_BROADCAST)
  get(@Param() { id }: BroadcastParams) {
    return this.queries.get(id);
  }

  @Delete(':id')
  @Scopes('broadcasts:send')
  @ApiOperation({ summary: 'Cancel a broadcast: the fan-out stops at its next page and the members’ unsent deliveries are canceled (also once every member was decided: a scheduled broadcast’s deliveries)' })
  @ApiOkResponse({ type: CanceledBroadcastDto })
  @ApiErrorResponses(400, NO_BROADCAST)
  cancel(@Param() { id }: BroadcastParams, @Ctx() ctx: RequestContext) {
    return this.requests.cancel(id, ctx);
  }
}
