import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/scopes.decorator.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { QUEUE_BACKEND, type QueueBackend } from '../queues/queue.port.js';
import { READ_MODEL_DB, type ReadModelDb } from '../read-models/read-model-db.port.js';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_DB) private readonly db: ReadModelDb,
    @Inject(QUEUE_BACKEND) private readonly queues: QueueBackend,
  ) {}

  @Get('live')
  @Public()
  @ApiOperation({ summary: 'The process is up' })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @Public()
  @ApiOperation({ summary: 'The event store, the read-model database and the queue backend answer' })
  async ready() {
    const checks: Record<string, { status: 'up' | 'down'; error?: string }> = {};
    const probe = async (name: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
        checks[name] = { status: 'up' };
      } catch (error) {
        checks[name] = { status: 'down', error: error instanceof Error ? error.message : String(error) };
      }
    };
    await probe('eventStore', () => this.store.ping());
    await probe('readModels', () => this.db.query('SELECT 1 AS one'));
    await probe('queues', () => this.queues.ping());
    const ok = Object.values(checks).every((c) => c.status === 'up');
    if (!ok) throw new ServiceUnavailableException({ status: 'error', checks });
    return { status: 'ok', checks };
  }
}
