import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { RecipientsModule } from '../recipients/recipients.module.js';
import { SendNotificationHandler } from './commands/send-notification.handler.js';
import { NotificationsController } from './notifications.controller.js';
import { GetNotificationHandler } from './queries/get-notification.handler.js';

@Module({
  imports: [CqrsModule, RecipientsModule],
  controllers: [NotificationsController],
  providers: [SendNotificationHandler, GetNotificationHandler],
})
export class NotificationsModule {}
