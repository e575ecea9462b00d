import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import { CHANNEL_QUEUES } from '../queues/queue.port.js';
import { READ_MODEL_DB, type ReadModelDb } from '../read-models/read-model-db.port.js';
import { CHANNEL_PROVIDERS, type ChannelProvider, type ChannelProviders } from './provider.port.js';
import { SANDBOX_OUTBOX, type SandboxOutbox } from './sandbox-outbox.port.js';
import { SandboxController } from './sandbox.controller.js';
import { SandboxProvider } from './sandbox.provider.js';
import { SqlSandboxOutbox } from './sql-sandbox-outbox.js';
import { InboxFeedProvider } from './inbox-feed.provider.js';
import { realProviders } from './real-providers.js';

@Global()
@Module({
  controllers: [SandboxController],
  providers: [
    // Beside the read models, which every process shares: any API process lists what any worker recorded.
    { provide: SANDBOX_OUTBOX, inject: [READ_MODEL_DB, HERALD_CONFIG], useFactory: (db: ReadModelDb, config: HeraldConfig) => new SqlSandboxOutbox(db, config.sandboxOutboxSize) },
    {
      provide: CHANNEL_PROVIDERS,
      inject: [HERALD_CONFIG, SANDBOX_OUTBOX],
      useFactory: (config: HeraldConfig, outbox: SandboxOutbox): ChannelProviders => {
        // The in-app feed is Herald's own: it has no sandbox, as it has nothing to stand in for.
        const real = { ...realProviders(config), inapp: [new InboxFeedProvider()] as const };
        const chosen = Object.fromEntries(
          CHANNEL_QUEUES.map((queue): [string, readonly ChannelProvider[]] => [queue, real[queue] ?? [new SandboxProvider(queue, outbox)]]),
        ) as ChannelProviders;
        new Logger('Channels').log({ msg: 'providers', ...Object.fromEntries(CHANNEL_QUEUES.map((q) => [q, chosen[q].map((p) => p.name).join(',')])) });
        return chosen;
      },
    },
  ],
  exports: [CHANNEL_PROVIDERS, SANDBOX_OUTBOX],
})
export class ChannelsModule implements OnApplicationShutdown {
  constructor(@Inject(CHANNEL_PROVIDERS) private readonly providers: ChannelProviders) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(Object.values(this.providers).flatMap((chain) => chain.map((p) => p.close())));
  }
}
