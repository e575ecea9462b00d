import { Module } from '@nestjs/common';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import { WebhookWorker } from './webhook-worker.js';

/** Client webhooks: a projection derives the jobs from the log (dispatcher role), a worker sends them (worker role). */
@Module({ providers: [WebhookDispatcher, WebhookWorker] })
export class WebhooksModule {}
