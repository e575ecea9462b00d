import { HttpException, HttpStatus, Inject, Injectable, UnauthorizedException, ForbiddenException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { hasScope, type ApiClient, type Scope } from '../../domain/client/client.js';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import { ClientDirectory } from './client-directory.js';
import { PUBLIC_KEY, SCOPES_KEY, SESSION_KEY } from './scopes.decorator.js';
import { TokenBuckets } from './token-bucket.js';

export type AuthenticatedRequest = FastifyRequest & { client?: ApiClient; correlationId?: string };

export function basicCredentials(header: string | undefined): { appKey: string; appSecret: string } | undefined {
  if (!header || !header.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { appKey: decoded.slice(0, colon), appSecret: decoded.slice(colon + 1) };
}

/** appKey/appSecret over HTTP Basic, scopes per route, then the client's request rate. */
@Injectable()
export class ApiAuthGuard implements CanActivate {
  private readonly buckets = new TokenBuckets();

  constructor(
    private readonly reflector: Reflector,
    private readonly clients: ClientDirectory,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    // The console's routes check their session cookie themselves (ConsoleSessionGuard).
    if (this.reflector.getAllAndOverride<boolean>(SESSION_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const credentials = basicCredentials(request.headers.authorization);
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    if (!credentials) {
      reply.header('WWW-Authenticate', 'Basic realm="herald"');
      throw new UnauthorizedException('credentials required: HTTP Basic with appKey and appSecret');
    }
    const client = await this.clients.authenticate(credentials.appKey, credentials.appSecret);
    if (!client) {
      reply.header('WWW-Authenticate', 'Basic realm="herald"');
      throw new UnauthorizedException('invalid appKey or appSecret');
    }
    const needed = this.reflector.getAllAndOverride<Scope[]>(SCOPES_KEY, targets) ?? ['admin'];
    if (!hasScope(client, needed)) throw new ForbiddenException(`this client lacks the scope: one of ${needed.join(', ')}`);
    const wait = this.buckets.take(client.appKey, client.rateLimitPerSecond ?? this.config.http.clientRateLimitPerSecond, Date.now());
    if (wait > 0) {
      reply.header('Retry-After', String(wait));
      throw new HttpException({ statusCode: 429, error: 'Too Many Requests', message: 'request rate limit exceeded for this client' }, HttpStatus.TOO_MANY_REQUESTS);
    }
    request.client = client;
    return true;
  }
}
