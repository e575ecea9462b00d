import type { FastifyInstance } from 'fastify';
import type { InboxOrigins } from './inbox-origins.js';

/** Headers a subscriber request may carry: its token, a JSON body, and the stream's resume id. */
const ALLOWED_HEADERS = 'authorization, content-type, last-event-id';

/**
 * CORS for the subscriber API (/v1/inbox...) only, for the origins InboxOrigins allows. Its
 * credential is a Bearer token, never a cookie, so no credentials mode is allowed. The appKey
 * routes send no CORS headers: an appSecret never belongs in a browser. Preflights are answered
 * here, before routing; SubscriberGuard holds each request to its token's client.
 */
export function registerInboxCors(fastify: FastifyInstance, origins: InboxOrigins): void {
  fastify.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/v1/inbox')) return;
    const origin = request.headers.origin;
    if (typeof origin !== 'string' || !(await origins.allowsAny(origin))) return;
    void reply.header('access-control-allow-origin', origins.allowsEveryOrigin ? '*' : origin);
    void reply.header('vary', 'Origin');
    if (request.method !== 'OPTIONS') return;
    void reply.header('access-control-allow-methods', 'GET, POST');
    void reply.header('access-control-allow-headers', ALLOWED_HEADERS);
    void reply.header('access-control-max-age', '600');
    return reply.code(204).send();
  });
}
