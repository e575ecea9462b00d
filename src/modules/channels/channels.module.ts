import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import { CHANNEL_QUEUES } from '../queues/queue.port.js';
import { CHANNEL_PROVIDERS, type ChannelProvider, type ChannelProviders } from './provider.port.js';
import { SandboxOutbox, SandboxProvider } from './sandbox.provider.js';
import { SandboxController } from './sandbox.controller.js';
import { SANDBOX_OUTBOX } from './sandbox.token.js';
import { realProviders } from './real-providers.js';

@Global()
@Module({
  controllers: [SandboxController],
  providers: [
    { provide: SANDBOX_OUTBOX, inject: [HERALD_CONFIG], useFactory: (config: HeraldConfig) => new SandboxOutbox(join(config.dataDir, 'sandbox-outbox.db')) },
    {
      provide: CHANNEL_PROVIDERS,
      inject: [HERALD_CONFIG, SANDBOX_OUTBOX],
      useFactory: (config: HeraldConfig, outbox: SandboxOutbox): ChannelProviders => {
        const real = realProviders(config);
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
  constructor(
    @Inject(CHANNEL_PROVIDERS) private readonly providers: ChannelProviders,
    @Inject(SANDBOX_OUTBOX) private readonly outbox: SandboxOutbox,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(Object.values(this.providers).flatMap((chain) => chain.map((p) => p.close())));
    this.outbox.close();
  }
}
