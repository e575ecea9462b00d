import { RouteConfig } from '@nestjs/platform-fastify';
import { errorCodes, type FastifyInstance } from 'fastify';

export const FORM = 'application/x-www-form-urlencoded';

/**
 * Marks a route that takes a url-encoded form, as mail providers send a one-click unsubscribe
 * (RFC 8058) and as an HTML form posts. Every other route stays JSON-only and answers 415.
 */
export const AcceptsForm = () => RouteConfig({ acceptsForm: true });

/** The form parser, applied only to routes marked with AcceptsForm. */
export function registerFormBody(fastify: FastifyInstance): void {
  fastify.addContentTypeParser(FORM, { parseAs: 'string' }, (request, body, done) => {
    const config = request.routeOptions.config as { acceptsForm?: boolean } | undefined;
    if (!config?.acceptsForm) {
      done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE(FORM), undefined);
      return;
    }
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
}
