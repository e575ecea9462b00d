import { Module } from '@nestjs/common';
import { RecipientsModule } from '../recipients/recipients.module.js';
import { DigestFlusher } from './digest-flusher.js';
import { DigestScheduler } from './digest-scheduler.js';

/** Digest flushes: a projection schedules one job per window from the log (dispatcher role), a worker sends FlushDigest (worker role). */
@Module({ imports: [RecipientsModule], providers: [DigestScheduler, DigestFlusher] })
export class DigestsModule {}
