import { ForbiddenException, Injectable, SetMetadata, UnauthorizedException, createParamDecorator, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { InboxOrigins } from './inbox-origins.js';
import { InboxTokens } from './inbox-tokens.js';

/** Whose feed a request may read: the user its subscriber token names, and when that token expires. */
export interface Subscriber {
  userId: string;
  expiresAtMs: number;
}

type SubscriberRequest = FastifyRequest & { subscriber?: Subscriber };

const MESSAGES = {
  missing: 'a subscriber token is required: Authorization: Bearer <token> (mint one with POST /v1/users/{userId}/inbox-token)',
  invalid: 'the subscriber token is not valid',
  expired: 'the subscriber token has expired: mint a new one',
} as const;

const TOKEN_IN_QUERY = 'herald:inbox-token-in-query';
/** The live stream also takes the token as `?token=`: a browser's EventSource cannot send headers. */
export const TokenInQuery = () => SetMetadata(TOKEN_IN_QUERY, true);

const bearerOf = (header: string | undefined): string | undefined => (header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined);

/**
 * The subscriber API's own authentication (its routes are public to the appKey guard): a
 * subscriber token as a Bearer credential, or 401 with a Bearer challenge and nothing else.
 * A page on another site is refused (403) unless its origin is one the token's client allows,
 * so one client's pages cannot use tokens another client minted.
 */
@Injectable()
export class SubscriberGuard implements CanActivate {
  constructor(
    private readonly tokens: InboxTokens,
    private readonly origins: InboxOrigins,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<SubscriberRequest>();
    const inQuery = this.reflector.get<boolean>(TOKEN_IN_QUERY, context.getHandler()) === true;
    const fromQuery = inQuery ? (request.query as Record<string, unknown> | undefined)?.token : undefined;
    const check = this.tokens.check(bearerOf(request.headers.authorization) ?? (typeof fromQuery === 'string' ? fromQuery : undefined), Date.now());
    if (check.ok) {
      const origin = this.origins.foreignOrigin(request);
      if (origin !== undefined && !(await this.origins.allows(origin, check.appKey))) {
        throw new ForbiddenException(`pages on ${origin} may not use this token: add the origin with PUT /v1/clients/{appKey}/inbox-origins for the client that mints the tokens`);
      }
      request.subscriber = { userId: check.userId, expiresAtMs: check.expiresAtMs };
      return true;
    }
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    void reply.header('WWW-Authenticate', `Bearer realm="herald-inbox"${check.reason === 'missing' ? '' : ', error="invalid_token"'}`);
    throw new UnauthorizedException(MESSAGES[check.reason]);
  }
}

/** The subscriber SubscriberGuard found. */
export const CurrentSubscriber = createParamDecorator((_: unknown, context: ExecutionContext): Subscriber => context.switchToHttp().getRequest<SubscriberRequest>().subscriber!);
