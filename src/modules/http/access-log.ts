import { Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthenticatedRequest } from '../auth/api-auth.guard.js';

/** The route a request matched, as declared (`/v1/users/:userId`): ids and tokens stay out of logs and metric labels. */
export function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'unmatched';
}

const logger = new Logger('HTTP');

/**
 * The access-log line of an answered request. It names the route, not the URL, and carries no
 * header, query or body, so no credential or contact detail reaches it.
 */
export function logRequest(request: FastifyRequest, reply: FastifyReply): void {
  const { client, correlationId } = request as AuthenticatedRequest;
  logger.log({
    msg: 'request',
    method: request.method,
    route: routeOf(request),
    status: reply.statusCode,
    durationMs: Math.round(reply.elapsedTime * 10) / 10,
    appKey: client?.appKey,
    correlationId,
  });
}
