import { Module } from '@nestjs/common';
import { MEMBERSHIP_ACTORS, TOPIC_ACTORS, topicActorProviders } from './topic-actors.js';
import { TopicMembership } from './topic-membership.js';
import { TopicQueries } from './topic-queries.js';
import { TopicsController } from './topics.controller.js';

/** Topics: their definitions, who is in each (event-sourced per user), and the read model to enumerate them. */
@Module({
  controllers: [TopicsController],
  providers: [...topicActorProviders, TopicMembership, TopicQueries],
  exports: [TOPIC_ACTORS, MEMBERSHIP_ACTORS, TopicMembership, TopicQueries],
})
export class TopicsModule {}
