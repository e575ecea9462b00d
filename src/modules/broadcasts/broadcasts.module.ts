import { Module } from '@nestjs/common';
import { RecipientsModule } from '../recipients/recipients.module.js';
import { TemplatesModule } from '../templates/templates.module.js';
import { TopicsModule } from '../topics/topics.module.js';
import { BROADCAST_ACTORS, broadcastActorProviders } from './broadcast-actors.js';
import { BroadcastAudienceReader } from './broadcast-audience.js';
import { BroadcastFanOut } from './broadcast-fan-out.js';
import { BroadcastQueries } from './broadcast-queries.js';
import { BroadcastRequests } from './broadcast-requests.js';
import { BroadcastsController } from './broadcasts.controller.js';

/** Broadcasts: accepted by the API, fanned out to their members by the leased fan-out (dispatcher role). */
@Module({
  imports: [RecipientsModule, TemplatesModule, TopicsModule],
  controllers: [BroadcastsController],
  providers: [...broadcastActorProviders, BroadcastRequests, BroadcastQueries, BroadcastAudienceReader, BroadcastFanOut],
  exports: [BROADCAST_ACTORS, BroadcastFanOut, BroadcastQueries],
})
export class BroadcastsModule {}
