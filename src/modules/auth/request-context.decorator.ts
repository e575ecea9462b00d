import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { AuthenticatedRequest } from './api-auth.guard.js';
import type { RequestContext } from './request-context.js';

/** The authenticated client and the request's correlation id, for event metadata. */
export const Ctx = createParamDecorator((_: unknown, context: ExecutionContext): RequestContext => {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  return { appKey: request.client?.appKey ?? 'anonymous', correlationId: request.correlationId ?? randomUUID() };
});
