import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AuditController } from './audit.controller.js';
import { AuditService } from './audit.service.js';

@Module({ imports: [CqrsModule], controllers: [AuditController], providers: [AuditService], exports: [AuditService] })
export class AuditModule {}
