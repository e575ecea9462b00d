import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiAuthGuard } from './api-auth.guard.js';
import { BootstrapAdmin } from './bootstrap-admin.js';
import { ClientDirectory } from './client-directory.js';
import { ClientsController } from './clients.controller.js';

@Global()
@Module({
  controllers: [ClientsController],
  providers: [ClientDirectory, BootstrapAdmin, { provide: APP_GUARD, useClass: ApiAuthGuard }],
  exports: [ClientDirectory],
})
export class AuthModule {}
