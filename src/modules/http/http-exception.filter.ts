import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { EventStoreUnavailableError } from '../event-store/event-store.port.js';
import { errorResponse, internalError } from './error-response.js';

/** Every error leaves as JSON in the one error shape (see errorResponse); 500 only for a genuine bug, which is logged. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    if (exception instanceof EventStoreUnavailableError) this.logger.error({ msg: 'event store unavailable', err: exception.message, url: request.url });
    const known = errorResponse(exception);
    if (!known) this.logger.error({ msg: 'unhandled error', err: exception instanceof Error ? exception.stack : String(exception), url: request.url });
    const { status, body } = known ?? internalError();
    if (status >= 500) reply.header('Retry-After', '1');
    void reply.status(status).send(body);
  }
}
