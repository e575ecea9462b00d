import { Global, Module, type OnApplicationShutdown, Inject } from '@nestjs/common';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { BulkPacer, TimerDriftProbe } from './bulk-pacer.js';

/** Bulk work's share of this process: see BulkPacer. */
export const BULK_PACER = Symbol('BULK_PACER');

@Global()
@Module({
  providers: [
    {
      provide: BULK_PACER,
      inject: [HERALD_CONFIG, MetricsService],
      useFactory: (config: HeraldConfig, metrics: MetricsService) =>
        new BulkPacer({ maxLoopDelayMs: config.broadcasts.maxLoopDelayMs, maxConcurrency: config.broadcasts.parallel }, new TimerDriftProbe(), (limit) =>
          metrics.broadcastConcurrency.set(limit),
        ),
    },
  ],
  exports: [BULK_PACER],
})
export class PacingModule implements OnApplicationShutdown {
  constructor(@Inject(BULK_PACER) private readonly pacer: BulkPacer) {}

  onApplicationShutdown(): void {
    this.pacer.stop();
  }
}
