import { applyDecorators } from '@nestjs/common';
import { ApiResponse, type HeaderObject } from '@nestjs/swagger';
import { ErrorSchema, type FieldErrorSchema } from './error-body.schema.js';

const RETRY_AFTER: Record<string, HeaderObject> = { 'Retry-After': { description: 'seconds to wait before retrying', schema: { type: 'integer' } } };

const example = (statusCode: number, error: string, message: string, errors: FieldErrorSchema[] = [], code?: string): ErrorSchema => ({
  statusCode,
  error,
  message,
  errors,
  ...(code ? { code } : {}),
});

/** What each error status means on this API, with a body as the server sends it. */
const ERRORS = {
  400: {
    description: 'The request is invalid: `errors` names each bad field (body, path or query)',
    example: example(400, 'Bad Request', 'request validation failed', [{ field: 'email', messages: ['email must be a valid email address'] }]),
  },
  401: {
    description: 'No credentials, or a wrong appKey or appSecret',
    example: example(401, 'Unauthorized', 'credentials required: HTTP Basic with appKey and appSecret'),
    headers: { 'WWW-Authenticate': { description: 'the Basic challenge', schema: { type: 'string', example: 'Basic realm="herald"' } } },
  },
  403: {
    description: 'The client lacks a scope this route needs, or may not act on this resource',
    example: example(403, 'Forbidden', 'this client lacks the scope: one of users:write'),
  },
  404: { description: 'Not found: the message says what', example: example(404, 'Not Found', 'no notification 0b7c6f3e-4a1d-4c2e-9f8a-2d5e6b7c8d9e') },
  409: {
    description: 'The request conflicts with the current state: the message (and `code`) says how',
    example: example(409, 'Conflict', 'this token was reported invalid by the provider; register the new token', [{ field: 'token', messages: ['this token was reported invalid by the provider; register the new token'] }], 'token_invalidated'),
  },
  413: {
    description: 'The body is larger than HTTP_BODY_LIMIT',
    example: example(413, 'Payload Too Large', 'Request body is too large', [{ field: 'body', messages: ['Request body is too large'] }], 'FST_ERR_CTP_BODY_TOO_LARGE'),
  },
  415: {
    description: 'The body is not JSON: send it with content-type application/json',
    example: example(415, 'Unsupported Media Type', 'Unsupported Media Type: send the body as JSON, with the header content-type: application/json', [
      { field: 'body', messages: ['Unsupported Media Type: send the body as JSON, with the header content-type: application/json'] },
    ], 'FST_ERR_CTP_INVALID_MEDIA_TYPE'),
  },
  429: {
    description: 'Over the client’s request rate (rateLimitPerSecond, default CLIENT_RATE_LIMIT): retry after Retry-After',
    example: example(429, 'Too Many Requests', 'request rate limit exceeded for this client'),
    headers: RETRY_AFTER,
  },
  503: {
    description: 'Storage is unavailable (nothing was accepted): retry after Retry-After',
    example: example(503, 'Service Unavailable', 'storage is unavailable; nothing was accepted, retry later'),
    headers: RETRY_AFTER,
  },
} satisfies Record<number, { description: string; example: ErrorSchema; headers?: Record<string, HeaderObject> }>;

export type ErrorStatus = keyof typeof ERRORS;

/** Errors of every route behind HTTP Basic: credentials, scope, the client's request rate; checking credentials reads the log. */
export const AUTH_ERRORS = [401, 403, 429, 503] as const satisfies readonly ErrorStatus[];
/** Errors of every route that reads a JSON body: invalid, too large, not JSON. */
export const BODY_ERRORS = [400, 413, 415] as const satisfies readonly ErrorStatus[];

/** A status as it reads on one route: what it means there, and the message it says. */
export interface RouteError {
  status: ErrorStatus;
  description: string;
  message?: string;
}

/**
 * Documents the error statuses a route (or every route of a controller) answers, each with the
 * one error schema.
 */
export function ApiErrorResponses(...statuses: (ErrorStatus | RouteError)[]) {
  return applyDecorators(
    ...statuses.map((given) => {
      const { status, description, message }: RouteError = typeof given === 'number' ? { status: given, description: ERRORS[given].description } : given;
      const { example, ...rest } = ERRORS[status];
      return ApiResponse({ ...rest, status, description, type: ErrorSchema, example: message ? { ...example, message } : example });
    }),
  );
}
