import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AnalyticsModule } from '../analytics/analytics.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { BroadcastsModule } from '../broadcasts/broadcasts.module.js';
import { TemplatesModule } from '../templates/templates.module.js';
import { ConsoleDataController } from './console-data.controller.js';
import { ConsoleOperations } from './console-operations.js';
import { ConsolePageController } from './console-page.controller.js';
import { ConsoleSessionController } from './console-session.controller.js';
import { ConsoleSessionGuard } from './console-session.guard.js';
import { ConsoleSessions } from './console-sessions.js';

/** The operator console at /console: a client of the same queries and commands as the API (see ConsoleDataController). */
@Module({
  imports: [CqrsModule, AuditModule, AnalyticsModule, TemplatesModule, BroadcastsModule],
  controllers: [ConsoleSessionController, ConsoleDataController, ConsolePageController],
  providers: [ConsoleSessions, ConsoleSessionGuard, ConsoleOperations],
})
export class ConsoleModule {}
