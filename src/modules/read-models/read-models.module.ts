import { Global, Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import { NotificationStatsProjection } from '../../projections/notification-stats.projection.js';
import { NotificationStatusProjection } from '../../projections/notification-status.projection.js';
import { BroadcastsProjection } from '../../projections/broadcasts.projection.js';
import { RecipientsProjection } from '../../projections/recipients.projection.js';
import { InboxProjection } from '../../projections/inbox.projection.js';
import { TopicsProjection } from '../../projections/topics.projection.js';
import { LeasedProjection } from '../../projections/leased-projection.js';
import type { Projection } from '../../projections/sql-sink.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { READ_MODEL_DB, type ReadModelDb } from './read-model-db.port.js';
import { PostgresReadModelDb } from './postgres-read-model-db.js';
import { SqliteReadModelDb } from './sqlite-read-model-db.js';

export const NOTIFICATION_STATUS_RUNNER = Symbol('NotificationStatusRunner');
export const NOTIFICATION_STATS_RUNNER = Symbol('NotificationStatsRunner');
export const RECIPIENTS_RUNNER = Symbol('RecipientsRunner');
export const TOPICS_RUNNER = Symbol('TopicsRunner');
export const BROADCASTS_RUNNER = Symbol('BroadcastsRunner');
// Read models are for people and dashboards: 100 ms batches cost them nothing and save the database a transaction per event.
const READ_MODEL_COMMIT_INTERVAL_MS = 100;
const INBOX_COMMIT_INTERVAL_MS = 20;
const STATUS_PROJECTION = Symbol('NotificationStatusProjection');
const STATS_PROJECTION = Symbol('NotificationStatsProjection');
const RECIPIENTS_PROJECTION = Symbol('RecipientsProjection');
const INBOX_PROJECTION = Symbol('InboxProjection');
const TOPICS_PROJECTION = Symbol('TopicsProjection');
const BROADCASTS_PROJECTION = Symbol('BroadcastsProjection');

/** The provider of one SQL read model's leased projection, under `token`. */
const leasedReadModel = (token: symbol, projection: () => Projection, minCommitIntervalMs = READ_MODEL_COMMIT_INTERVAL_MS): Provider => ({
  provide: token,
  inject: [EVENT_STORE, READ_MODEL_DB, HERALD_CONFIG],
  useFactory: (store: EventStore, db: ReadModelDb, config: HeraldConfig): LeasedProjection =>
    LeasedProjection.ofSqlReadModel(store, db, projection(), { leaseMs: config.projectionLeaseMs, minCommitIntervalMs }),
});

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
    leasedReadModel(STATUS_PROJECTION, () => new NotificationStatusProjection()),
    leasedReadModel(STATS_PROJECTION, () => new NotificationStatsProjection()),
    leasedReadModel(RECIPIENTS_PROJECTION, () => new RecipientsProjection()),
    // The feed is watched live by browsers: its batches are as short as the dispatcher's.
    leasedReadModel(INBOX_PROJECTION, () => new InboxProjection(), INBOX_COMMIT_INTERVAL_MS),
    leasedReadModel(TOPICS_PROJECTION, () => new TopicsProjection()),
    leasedReadModel(BROADCASTS_PROJECTION, () => new BroadcastsProjection()),
    { provide: NOTIFICATION_STATUS_RUNNER, inject: [STATUS_PROJECTION], useFactory: (p: LeasedProjection) => p.runner },
    { provide: NOTIFICATION_STATS_RUNNER, inject: [STATS_PROJECTION], useFactory: (p: LeasedProjection) => p.runner },
    { provide: RECIPIENTS_RUNNER, inject: [RECIPIENTS_PROJECTION], useFactory: (p: LeasedProjection) => p.runner },
    { provide: TOPICS_RUNNER, inject: [TOPICS_PROJECTION], useFactory: (p: LeasedProjection) => p.runner },
    { provide: BROADCASTS_RUNNER, inject: [BROADCASTS_PROJECTION], useFactory: (p: LeasedProjection) => p.runner },
  ],
  exports: [READ_MODEL_DB, NOTIFICATION_STATUS_RUNNER, NOTIFICATION_STATS_RUNNER, RECIPIENTS_RUNNER, TOPICS_RUNNER, BROADCASTS_RUNNER],
})
export class ReadModelsModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly projections: LeasedProjection[];

  constructor(
    @Inject(STATUS_PROJECTION) status: LeasedProjection,
    @Inject(STATS_PROJECTION) stats: LeasedProjection,
    @Inject(RECIPIENTS_PROJECTION) recipients: LeasedProjection,
    @Inject(INBOX_PROJECTION) inbox: LeasedProjection,
    @Inject(TOPICS_PROJECTION) topics: LeasedProjection,
    @Inject(BROADCASTS_PROJECTION) broadcasts: LeasedProjection,
    @Inject(READ_MODEL_DB) private readonly db: ReadModelDb,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    metrics: MetricsService,
  ) {
    this.projections = [status, stats, recipients, inbox, topics, broadcasts];
    for (const { runner } of this.projections) metrics.watchProjection(runner);
  }

  /** Projector processes stand by until they hold a projection's lease: one writer per read model. */
  onApplicationBootstrap(): void {
    if (this.config.roles.has('projector')) for (const projection of this.projections) projection.start();
  }

  async onApplicationShutdown(): Promise<void> {
    for (const projection of this.projections) await projection.stop();
    await this.db.close();
  }
}
