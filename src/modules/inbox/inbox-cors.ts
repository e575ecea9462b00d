import type { FastifyInstance } from 'fastify';

/** Headers a subscriber request may carry: its token, a JSON body, and the stream's resume id. */
const ALLOWED_HEADERS = 'authorization, content-type, last-event-id';

/**
 * CORS for the subscriber API (/v1/inbox...) only: pages on INBOX_CORS_ORIGINS (or any, with
 * `*`) may call it from the browser. Its credential is a Bearer token, never a cookie, so no
 * credentials mode is allowed. The appKey routes send no CORS headers: an appSecret never
 * belongs in a browser. Preflights are answered here, before routing.
 */
export function registerInboxCors(fastify: FastifyInstance, origins: readonly string[]): void {
  if (origins.length === 0) return;
  const any = origins.includes('*');
  fastify.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/v1/inbox')) return;
    const origin = request.headers.origin;
    if (typeof origin !== 'string' || !(any || origins.includes(origin))) return;
    void reply.header('access-control-allow-origin', any ? '*' : origin);
    void reply.header('vary', 'Origin');
    if (request.method !== 'OPTIONS') return;
    void reply.header('access-control-allow-methods', 'GET, POST');
    void reply.header('access-control-allow-headers', ALLOWED_HEADERS);
    void reply.header('access-control-max-age', '600');
    return reply.code(204).send();
  });
}
