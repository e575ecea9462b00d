import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { RecipientsModule } from '../recipients/recipients.module.js';
import { TemplatesModule } from '../templates/templates.module.js';
import { CancelNotificationHandler } from './commands/cancel-notification.handler.js';
import { SendNotificationHandler } from './commands/send-notification.handler.js';
import { NotificationsController } from './notifications.controller.js';
import { FindNotificationsHandler } from './queries/find-notifications.handler.js';
import { GetNotificationHandler } from './queries/get-notification.handler.js';

@Module({
  imports: [CqrsModule, RecipientsModule, TemplatesModule],
  controllers: [NotificationsController],
  providers: [SendNotificationHandler, CancelNotificationHandler, GetNotificationHandler, FindNotificationsHandler],
})
export class NotificationsModule {}
