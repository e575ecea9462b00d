import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { PreferenceLinkController } from './preference-link.controller.js';
import { PreferencePageController } from './preference-page.controller.js';

/** The hosted preference page recipients reach by a signed link, and the route that mints such links. */
@Module({
  imports: [CqrsModule],
  controllers: [PreferencePageController, PreferenceLinkController],
})
export class PreferencePageModule {}
