import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../domain/shared/decider.js';
import { EventStoreUnavailableError } from '../event-store/event-store.port.js';

const DOMAIN_STATUS: Record<DomainError['code'], number> = {
  invalid_argument: 400,
  not_found: 404,
  conflict: 409,
  token_invalidated: 409,
  too_many_devices: 409,
};

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

const BODY_FAULTS = new Set([400, 413, 415]);

export function errorBody(status: number, message: string, extra: Record<string, unknown> = {}) {
  return { statusCode: status, error: STATUS_TEXT[status] ?? 'Error', message, ...extra };
}

/**
 * Every error leaves as JSON with a status that tells the caller what to do: 4xx for their
 * mistakes (naming the bad fields), 503 when storage cannot take the write (retry later;
 * nothing was accepted), and 500 only for a genuine bug, which is logged.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const [status, body] = this.describe(exception, request);
    if (status >= 500) reply.header('Retry-After', '1');
    void reply.status(status).send(body);
  }

  private describe(exception: unknown, request: FastifyRequest): [number, object] {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const body = typeof response === 'object' ? (response as Record<string, unknown>) : errorBody(status, String(response));
      // Body-level faults (malformed JSON, too large, wrong content type) name the body as the bad field.
      if (BODY_FAULTS.has(status) && !('errors' in body)) return [status, { ...body, errors: [{ field: 'body', messages: [String(body.message)] }] }];
      return [status, body];
    }
    if (exception instanceof DomainError) {
      const status = DOMAIN_STATUS[exception.code];
      return [status, errorBody(status, exception.message, { code: exception.code, ...(exception.field ? { errors: [{ field: exception.field, messages: [exception.message] }] } : {}) })];
    }
    if (exception instanceof EventStoreUnavailableError) {
      this.logger.error({ msg: 'event store unavailable', err: exception.message, url: request.url });
      return [503, errorBody(503, 'storage is unavailable; nothing was accepted, retry later')];
    }
    // Fastify's own errors (bad JSON, body too large, wrong content type) carry a 4xx status.
    const fastifyStatus = (exception as { statusCode?: number } | null)?.statusCode;
    if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
      const message = (exception as Error).message;
      return [fastifyStatus, errorBody(fastifyStatus, message, { code: (exception as { code?: string }).code, errors: [{ field: 'body', messages: [message] }] })];
    }
    this.logger.error({ msg: 'unhandled error', err: exception instanceof Error ? exception.stack : String(exception), url: request.url });
    return [500, errorBody(500, 'internal error')];
  }
}
