import { Global, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { HERALD_CONFIG } from '../../config/herald-config.js';
import { RecordEngagementHandler } from './commands/record-engagement.handler.js';
import { DeviceOwnership } from './device-ownership.js';
import { EmailTracking } from './email-tracking.js';
import { EventsController } from './events.controller.js';
import { PreferenceLinks } from './preference-links.js';
import { TRACKING_TOKENS, loadTrackingTokens } from './tracking-keys.js';
import { TrackingController } from './tracking.controller.js';
import { UnsubscribeController } from './unsubscribe.controller.js';
import { UnsubscribeLinks } from './unsubscribe-links.js';

/** Opens, clicks and conversions: signed email links and pixel, and app reports; the signed links recipients follow (unsubscribe, preference page). */
@Global()
@Module({
  imports: [CqrsModule],
  controllers: [TrackingController, EventsController, UnsubscribeController],
  providers: [
    { provide: TRACKING_TOKENS, inject: [HERALD_CONFIG], useFactory: loadTrackingTokens },
    EmailTracking,
    UnsubscribeLinks,
    PreferenceLinks,
    DeviceOwnership,
    RecordEngagementHandler,
  ],
  exports: [TRACKING_TOKENS, EmailTracking, UnsubscribeLinks, PreferenceLinks],
})
export class TrackingModule {}
