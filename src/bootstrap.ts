import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import { AppModule } from './app.module.js';
import type { HeraldConfig } from './config/herald-config.js';
import { registerQueueDashboard } from './modules/admin/queue-dashboard.js';
import { ClientDirectory } from './modules/auth/client-directory.js';
import { restrictDataDir } from './modules/data-dir/owner-only.js';
import { MetricsService } from './modules/metrics/metrics.service.js';
import { BullmqQueue } from './modules/queues/bullmq-queue.js';
import { ALL_QUEUES, QUEUE_BACKEND, type QueueBackend } from './modules/queues/queue.port.js';
import { logRequest, routeOf } from './modules/http/access-log.js';
import { HttpExceptionFilter } from './modules/http/http-exception.filter.js';
import { requestSchemas } from './modules/http/request-schemas.js';
import { createValidationPipe } from './modules/http/validation.js';
import { StartupNoiseAtDebug } from './modules/logging/startup-noise-at-debug.js';
import { SendBatchDto, SendNotificationDto } from './modules/notifications/dto/send-notification.dto.js';
import { setupOpenApi } from './modules/openapi/openapi-document.js';
import { registerFormBody } from './modules/http/form-body.js';
import { registerInboxCors } from './modules/inbox/inbox-cors.js';
import { InboxOrigins } from './modules/inbox/inbox-origins.js';

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Builds the Nest application on Fastify; `listen` is left to the caller. */
export async function createApp(config: HeraldConfig): Promise<NestFastifyApplication> {
  restrictDataDir(config.dataDir);
  const adapter = new FastifyAdapter({
    bodyLimit: config.http.bodyLimitBytes,
    trustProxy: config.http.trustProxy,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Tracking tokens carry the signed target URL: room for long links.
    routerOptions: { maxParamLength: 4096 },
  });
  const fastify = adapter.getInstance();
  // The API speaks JSON only: anything else is 415, not a string handed to validation. Nest's own
  // body parsers (JSON and url-encoded forms) are off, so Fastify's JSON parser, with the poisoning
  // checks above, is the only one; a url-encoded form is parsed only for routes marked AcceptsForm.
  fastify.removeContentTypeParser('text/plain');
  registerFormBody(fastify);
  fastify.addHook('onRequest', async (request, reply) => {
    const given = request.headers['x-correlation-id'];
    const id = typeof given === 'string' && CORRELATION_ID.test(given) ? given : randomUUID();
    (request as unknown as { correlationId: string }).correlationId = id;
    (request.raw as unknown as { correlationId: string }).correlationId = id;
    void reply.header('x-correlation-id', id);
  });

  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, { bufferLogs: true, bodyParser: false });
  app.useLogger(new StartupNoiseAtDebug(app.get(Logger)));
  registerInboxCors(fastify, app.get(InboxOrigins));
  const metrics = app.get(MetricsService);
  fastify.addHook('onResponse', async (request, reply) => {
    metrics.httpDuration.observe({ method: request.method, route: routeOf(request), status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    if (config.accessLog) logRequest(request, reply);
  });
  const queues = app.get<QueueBackend>(QUEUE_BACKEND);
  if (queues instanceof BullmqQueue && config.roles.has('api')) await registerQueueDashboard(app, queues.bullQueues(ALL_QUEUES), app.get(ClientDirectory));
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new HttpExceptionFilter());
  // SIGTERM and SIGINT only: Nest's default list includes SIGUSR2 and SIGHUP, so a heap snapshot
  // (node --heapsnapshot-signal=SIGUSR2) would have shut the service down.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);

  // The hot routes' bodies are checked against the document's schemas before class-validator's (request-schemas.ts).
  requestSchemas.load(setupOpenApi(app), [SendNotificationDto.name, SendBatchDto.name]);
  return app;
}
