import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BullBoardAdapter } from '@bull-board/fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { hasScope } from '../../domain/client/client.js';
import { basicCredentials } from '../auth/api-auth.guard.js';
import type { ClientDirectory } from '../auth/client-directory.js';
import { errorBody } from '../http/error-response.js';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * bull-board (the BullMQ dashboard: jobs per state, retry, remove) as a Fastify plugin under
 * /admin/queues. It can retry and delete jobs, so only an admin client may open it: the same
 * HTTP Basic appKey/appSecret as the API, checked on every request (assets and its JSON API
 * too), before anything else runs.
 */
export async function registerQueueDashboard(app: NestFastifyApplication, queues: Queue[], clients: ClientDirectory): Promise<void> {
  const board = new BullBoardAdapter();
  board.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter: board });
  await app.register(async (scope: FastifyInstance) => {
    scope.addHook('onRequest', async (request, reply) => {
      const credentials = basicCredentials(request.headers.authorization);
      const client = credentials ? await clients.authenticate(credentials.appKey, credentials.appSecret) : undefined;
      if (!client) {
        return reply
          .code(401)
          .header('WWW-Authenticate', 'Basic realm="herald-admin"')
          .send(errorBody(401, 'admin credentials required: HTTP Basic with appKey and appSecret'));
      }
      if (!hasScope(client, ['admin'])) return reply.code(403).send(errorBody(403, 'the queue dashboard needs the admin scope'));
    });
    await scope.register(board.registerPlugin(), { prefix: QUEUE_DASHBOARD_PATH });
  });
}
