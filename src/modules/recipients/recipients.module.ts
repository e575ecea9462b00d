import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { RegisterDeviceHandler } from './commands/register-device.handler.js';
import { RemoveDeviceHandler } from './commands/remove-device.handler.js';
import { SetCategoryChannelHandler } from './commands/set-category-channel.handler.js';
import { SetChannelHandler } from './commands/set-channel.handler.js';
import { UpdatePreferencesHandler } from './commands/update-preferences.handler.js';
import { UpdateProfileHandler } from './commands/update-profile.handler.js';
import { FindUsersByPhoneHandler } from './queries/find-users-by-phone.handler.js';
import { GetUserHandler } from './queries/get-user.handler.js';
import { DEVICE_TOKEN_ACTORS, RECIPIENT_ACTORS, recipientActorProviders } from './recipient-actors.js';
import { TopicsModule } from '../topics/topics.module.js';
import { UsersController } from './users.controller.js';

@Module({
  imports: [CqrsModule, TopicsModule],
  controllers: [UsersController],
  providers: [...recipientActorProviders, UpdateProfileHandler, RegisterDeviceHandler, RemoveDeviceHandler, UpdatePreferencesHandler, SetCategoryChannelHandler, SetChannelHandler, GetUserHandler, FindUsersByPhoneHandler],
  exports: [RECIPIENT_ACTORS, DEVICE_TOKEN_ACTORS],
})
export class RecipientsModule {}
