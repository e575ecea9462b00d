import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Ctx } from '../auth/request-context.decorator.js';
import type { RequestContext } from '../auth/request-context.js';
import { Scopes } from '../auth/scopes.decorator.js';
import { AUTH_ERRORS, ApiErrorResponses, BODY_ERRORS } from '../openapi/api-responses.js';
import { DefineTopicDto, MembershipChangeDto, SubscriberPageDto, SubscribersDto, SubscribersQuery, TopicParams, TopicViewDto } from './dto/topic.dto.js';
import { TopicMembership } from './topic-membership.js';
import { TopicQueries } from './topic-queries.js';

const NO_TOPIC = { status: 404, description: 'no such topic', message: 'no topic order-updates' } as const;

@ApiTags('topics')
@ApiErrorResponses(...AUTH_ERRORS)
@Controller('v1/topics')
export class TopicsController {
  constructor(
    private readonly membership: TopicMembership,
    private readonly queries: TopicQueries,
  ) {}

  @Put(':topicKey')
  @Scopes('topics:write')
  @ApiOperation({ summary: 'Create a topic or change its name and description' })
  @ApiBody({ type: DefineTopicDto, examples: { topic: { summary: 'a topic', value: { name: 'Order updates', description: 'Every change to an order the user placed' } } } })
  @ApiCreatedResponse({ type: TopicViewDto, description: 'a new topic' })
  @ApiOkResponse({ type: TopicViewDto, description: 'the topic existed: its name and description are replaced' })
  @ApiErrorResponses(...BODY_ERRORS)
  async define(@Param() { topicKey }: TopicParams, @Body() dto: DefineTopicDto, @Ctx() ctx: RequestContext, @Res({ passthrough: true }) reply: FastifyReply) {
    const { created } = await this.membership.define(topicKey, dto.name, dto.description ?? null, ctx);
    reply.status(created ? 201 : 200);
    return this.queries.topic(topicKey);
  }

  @Get(':topicKey')
  @Scopes('topics:read', 'topics:write')
  @ApiOperation({ summary: 'A topic with its subscriber count' })
  @ApiOkResponse({ type: TopicViewDto })
  @ApiErrorResponses(400, NO_TOPIC)
  get(@Param() { topicKey }: TopicParams) {
    return this.queries.topic(topicKey);
  }

  @Post(':topicKey/subscribers')
  @HttpCode(200)
  @Scopes('topics:write')
  @ApiOperation({ summary: 'Subscribe up to 10,000 users to a topic; users already in it are left as they are' })
  @ApiBody({ type: SubscribersDto, examples: { users: { summary: 'two users', value: { userIds: ['user-42', 'user-43'] } } } })
  @ApiOkResponse({ type: MembershipChangeDto, description: 'every user named is subscribed' })
  @ApiErrorResponses(...BODY_ERRORS, NO_TOPIC)
  subscribe(@Param() { topicKey }: TopicParams, @Body() dto: SubscribersDto, @Ctx() ctx: RequestContext) {
    return this.membership.change(topicKey, dto.userIds, true, ctx);
  }

  @Delete(':topicKey/subscribers')
  @HttpCode(200)
  @Scopes('topics:write')
  @ApiOperation({ summary: 'Unsubscribe up to 10,000 users from a topic (the user ids in the body); users not in it are left as they are' })
  @ApiBody({ type: SubscribersDto, examples: { users: { summary: 'one user', value: { userIds: ['user-42'] } } } })
  @ApiOkResponse({ type: MembershipChangeDto, description: 'none of the users named is subscribed' })
  @ApiErrorResponses(...BODY_ERRORS, NO_TOPIC)
  unsubscribe(@Param() { topicKey }: TopicParams, @Body() dto: SubscribersDto, @Ctx() ctx: RequestContext) {
    return this.membership.change(topicKey, dto.userIds, false, ctx);
  }

  @Get(':topicKey/subscribers')
  @Scopes('topics:read', 'topics:write')
  @ApiOperation({ summary: 'A topic’s subscribers, by user id, a page at a time' })
  @ApiOkResponse({ type: SubscriberPageDto })
  @ApiErrorResponses(400, NO_TOPIC)
  subscribers(@Param() { topicKey }: TopicParams, @Query() q: SubscribersQuery) {
    return this.queries.subscribers(topicKey, q.cursor ?? '', q.limit ? Number(q.limit) : 100);
  }
}
