import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import { BullmqQueue } from './bullmq-queue.js';
import { QUEUE_BACKEND, type QueueBackend } from './queue.port.js';
import { SqliteQueue } from './sqlite-queue.js';

export function openQueueBackend(config: HeraldConfig): QueueBackend {
  const q = config.queue;
  return q.kind === 'sqlite' ? new SqliteQueue(q.file, { leaseMs: q.leaseMs }) : new BullmqQueue(q.redisUrl, q.prefix, q.leaseMs);
}

@Global()
@Module({
  providers: [{ provide: QUEUE_BACKEND, inject: [HERALD_CONFIG], useFactory: openQueueBackend }],
  exports: [QUEUE_BACKEND],
})
export class QueuesModule implements OnApplicationShutdown {
  constructor(@Inject(QUEUE_BACKEND) private readonly queues: QueueBackend) {}

  async onApplicationShutdown(): Promise<void> {
    await this.queues.close();
  }
}
