import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { HeraldConfig } from './config/herald-config.js';
import { AnalyticsModule } from './modules/analytics/analytics.module.js';
import { AuditModule } from './modules/audit/audit.module.js';
import { BroadcastsModule } from './modules/broadcasts/broadcasts.module.js';
import { AuthModule } from './modules/auth/auth.module.js';
import { ChannelsModule } from './modules/channels/channels.module.js';
import { DeliveryModule } from './modules/delivery/delivery.module.js';
import { DigestsModule } from './modules/digests/digests.module.js';
import { MetricsModule } from './modules/metrics/metrics.module.js';
import { PacingModule } from './modules/pacing/pacing.module.js';
import { QueuesModule } from './modules/queues/queues.module.js';
import { TopicsModule } from './modules/topics/topics.module.js';
import { TemplatesModule } from './modules/templates/templates.module.js';
import { TrackingModule } from './modules/tracking/tracking.module.js';
import { ConfigModule } from './modules/config/config.module.js';
import { ConsoleModule } from './modules/console/console.module.js';
import { EventStoreModule } from './modules/event-store/event-store.module.js';
import { HealthModule } from './modules/health/health.module.js';
import { InboundSmsModule } from './modules/inbound-sms/inbound-sms.module.js';
import { InboxModule } from './modules/inbox/inbox.module.js';
import { NotificationsModule } from './modules/notifications/notifications.module.js';
import { PreferencePageModule } from './modules/preference-page/preference-page.module.js';
import { ProcessesModule } from './modules/processes/processes.module.js';
import { ReadModelsModule } from './modules/read-models/read-models.module.js';
import { RecipientsModule } from './modules/recipients/recipients.module.js';
import { WebhooksModule } from './modules/webhooks/webhooks.module.js';

@Module({})
export class AppModule {
  static forRoot(config: HeraldConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            autoLogging: false,
            // Credentials never reach the logs.
            redact: ['req.headers.authorization', 'req.headers.cookie', '*.appSecret', '*.secret', '*.signingSecret'],
            customProps: (req) => ({ correlationId: (req as { correlationId?: string }).correlationId }),
          },
        }),
        EventStoreModule,
        ReadModelsModule,
        QueuesModule,
        MetricsModule,
        PacingModule,
        AuthModule,
        TopicsModule,
        RecipientsModule,
        TemplatesModule,
        ChannelsModule,
        TrackingModule,
        PreferencePageModule,
        InboxModule,
        InboundSmsModule,
        DeliveryModule,
        NotificationsModule,
        BroadcastsModule,
        AuditModule,
        AnalyticsModule,
        WebhooksModule,
        DigestsModule,
        ConsoleModule,
        HealthModule,
        ProcessesModule,
      ],
    };
  }
}
