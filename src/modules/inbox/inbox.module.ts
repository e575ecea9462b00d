import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { MarkInboxItemHandler } from './commands/mark-inbox-item.handler.js';
import { InboxClientController } from './inbox-client.controller.js';
import { InboxFeed } from './inbox-feed.js';
import { SubscriberGuard } from './inbox-auth.js';
import { InboxLive } from './inbox-live.js';
import { InboxOrigins } from './inbox-origins.js';
import { InboxTokenController } from './inbox-token.controller.js';
import { InboxTokens } from './inbox-tokens.js';
import { InboxController } from './inbox.controller.js';

/** The in-app feed for browsers: subscriber tokens, the feed and its marks, the live stream, the web component. */
@Module({
  imports: [CqrsModule],
  controllers: [InboxController, InboxTokenController, InboxClientController],
  providers: [InboxFeed, InboxTokens, InboxLive, InboxOrigins, SubscriberGuard, MarkInboxItemHandler],
})
export class InboxModule {}
