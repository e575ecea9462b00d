import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DependencyIndicators } from './dependency.indicators.js';
import { HealthController } from './health.controller.js';

@Module({
  // JSON, like every other log line; a failing probe is logged once per check.
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json' })],
  controllers: [HealthController],
  providers: [DependencyIndicators],
})
export class HealthModule {}
