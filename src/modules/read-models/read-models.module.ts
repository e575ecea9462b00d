import { Global, Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import { NotificationStatusProjection } from '../../projections/notification-status.projection.js';
import { ProjectionRunner, sqlSink } from '../../projections/projection-runner.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { READ_MODEL_DB, type ReadModelDb } from './read-model-db.port.js';
import { PostgresReadModelDb } from './postgres-read-model-db.js';
import { SqliteReadModelDb } from './sqlite-read-model-db.js';

export const NOTIFICATION_STATUS_RUNNER = Symbol('NotificationStatusRunner');

@Global()
@Module({
  providers: [
    {
      provide: READ_MODEL_DB,
      inject: [HERALD_CONFIG],
      useFactory: async (config: HeraldConfig): Promise<ReadModelDb> => {
        const db = config.readModels.kind === 'postgres' ? new PostgresReadModelDb(config.readModels.url, config.readModels.schema) : new SqliteReadModelDb(config.readModels.file);
        await db.migrate();
        return db;
      },
    },
    {
      provide: NOTIFICATION_STATUS_RUNNER,
      inject: [EVENT_STORE, READ_MODEL_DB],
      useFactory: (store: EventStore, db: ReadModelDb) => new ProjectionRunner(store, sqlSink(db, new NotificationStatusProjection())),
    },
  ],
  exports: [READ_MODEL_DB, NOTIFICATION_STATUS_RUNNER],
})
export class ReadModelsModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(NOTIFICATION_STATUS_RUNNER) private readonly status: ProjectionRunner,
    @Inject(READ_MODEL_DB) private readonly db: ReadModelDb,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    metrics: MetricsService,
  ) {
    metrics.watchProjection(status);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.roles.has('projector')) await this.status.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.status.stop();
    await this.db.close();
  }
}
