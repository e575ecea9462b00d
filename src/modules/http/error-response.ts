import { HttpException } from '@nestjs/common';
import { DomainError } from '../../domain/shared/decider.js';
import { EventStoreUnavailableError } from '../event-store/event-store.port.js';
import type { FieldError } from './validation.js';

/** The one error shape of the API, on every status: `errors` is always present (empty when no field is to blame). */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  errors: FieldError[];
  code?: string;
}

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
}

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
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Faults of the request body as a whole (malformed JSON, too large, wrong content type): the body is the bad field. */
const BODY_FAULTS = new Set([400, 413, 415]);

const UNSUPPORTED_MEDIA_TYPE = 'send the body as JSON, with the header content-type: application/json';

export function errorBody(status: number, message: string, errors: FieldError[] = [], code?: string): ErrorBody {
  return { statusCode: status, error: STATUS_TEXT[status] ?? 'Error', message, errors, ...(code ? { code } : {}) };
}

function bodyFault(status: number, message: string, code?: string): ErrorResponse {
  const said = status === 415 ? `${message}: ${UNSUPPORTED_MEDIA_TYPE}` : message;
  return { status, body: errorBody(status, said, [{ field: 'body', messages: [said] }], code) };
}

function fromHttpException(exception: HttpException): ErrorResponse {
  const status = exception.getStatus();
  const response = exception.getResponse();
  const given = typeof response === 'object' && response !== null ? (response as Omit<Partial<ErrorBody>, 'message'> & { message?: unknown }) : {};
  // Nest's own exceptions may carry a list of messages.
  const message = typeof given.message === 'string' ? given.message : Array.isArray(given.message) ? given.message.map(String).join('; ') : exception.message;
  if (Array.isArray(given.errors)) return { status, body: errorBody(status, message, given.errors, given.code) };
  if (BODY_FAULTS.has(status)) return bodyFault(status, message, given.code);
  return { status, body: errorBody(status, message, [], given.code) };
}

/**
 * What the caller is told about an error, the same for a single request and for each item of a
 * batch: 4xx for their mistakes (naming the bad fields), 503 when storage cannot take the write
 * (retry later; nothing was accepted). Null for anything else: a genuine bug, which the caller
 * logs and answers with 500.
 */
export function errorResponse(exception: unknown): ErrorResponse | null {
  if (exception instanceof HttpException) return fromHttpException(exception);
  if (exception instanceof DomainError) {
    const status = DOMAIN_STATUS[exception.code];
    return { status, body: errorBody(status, exception.message, exception.field ? [{ field: exception.field, messages: [exception.message] }] : [], exception.code) };
  }
  if (exception instanceof EventStoreUnavailableError) return { status: 503, body: errorBody(503, 'storage is unavailable; nothing was accepted, retry later') };
  // Fastify's own errors (bad JSON, body too large, wrong content type) carry a 4xx status.
  const fastifyStatus = (exception as { statusCode?: number } | null)?.statusCode;
  if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
    return bodyFault(fastifyStatus, (exception as Error).message, (exception as { code?: string }).code);
  }
  return null;
}

export const internalError = (): ErrorResponse => ({ status: 500, body: errorBody(500, 'internal error') });
