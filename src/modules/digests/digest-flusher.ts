import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import type { DigestFlushJob } from '../../projections/digest-schedule.projection.js';
import { DIGEST_QUEUE, QUEUE_BACKEND, type Job, type QueueBackend, type QueueWorker } from '../queues/queue.port.js';
import { RECIPIENT_ACTORS, type RecipientActors } from '../recipients/recipient-actors.js';

/** Flush jobs are one short append each: a few at a time keep up with any number of windows ending together. */
const CONCURRENCY = 4;

/**
 * Runs digest flush jobs on worker nodes: each sends FlushDigest to the user's actor, which
 * decides DigestFlushed (or nothing, when the digest was already sent). A crash before the
 * append leaves the job to run again; a crash after it makes the rerun decide nothing.
 */
@Injectable()
export class DigestFlusher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('DigestFlusher');
  private worker: QueueWorker | null = null;

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    @Inject(QUEUE_BACKEND) private readonly queues: QueueBackend,
    @Inject(RECIPIENT_ACTORS) private readonly recipients: RecipientActors,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.roles.has('worker')) return;
    this.worker = this.queues.work<DigestFlushJob>(DIGEST_QUEUE, (job) => this.handle(job), { concurrency: CONCURRENCY });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
  }

  async handle({ data }: Job<DigestFlushJob>): Promise<void> {
    const { events } = await this.recipients.execute(data.userId, { type: 'FlushDigest', userId: data.userId, digestId: data.digestId, now: Date.now() }, { causationId: data.digestId });
    const flushed = events.find((e) => e.type === 'DigestFlushed');
    this.logger.log({ msg: flushed ? 'digest flushed' : 'digest already flushed', userId: data.userId, digestId: data.digestId, ...(flushed ? { items: flushed.data.count, deliveries: flushed.data.deliveries.length } : {}) });
  }
}
