import { ForbiddenException, Inject, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import { hasScope } from '../../domain/client/client.js';
import type { AuthenticatedRequest } from '../auth/api-auth.guard.js';
import { ClientDirectory } from '../auth/client-directory.js';
import { crossSiteReason } from '../http/cross-site.js';
import { ConsoleSessions } from './console-sessions.js';
import { sessionIdOf } from './session-cookie.js';

/** Scopes that may sign in to the console (admin holds every scope). */
export const CONSOLE_SCOPES = ['console'] as const;

const READS = new Set(['GET', 'HEAD']);

/**
 * Every console data route: a live session (else 401), whose client still exists and may use
 * the console, and for a write, a request the browser says came from the console's own pages
 * (else 403; the cookie's SameSite=Strict already keeps it off other sites' requests). The
 * session's client becomes the request's, so a write carries its appKey into the events.
 */
@Injectable()
export class ConsoleSessionGuard implements CanActivate {
  constructor(
    private readonly sessions: ConsoleSessions,
    private readonly clients: ClientDirectory,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const id = sessionIdOf(request);
    const session = id ? await this.sessions.find(id) : undefined;
    if (!session) throw new UnauthorizedException('sign in to the console first');
    if (!this.clients.get(session.appKey)) await this.clients.refresh(); // signed in through another process
    const client = this.clients.get(session.appKey);
    if (!client || !hasScope(client, CONSOLE_SCOPES)) throw new UnauthorizedException('sign in to the console first');
    if (!READS.has(request.method)) refuseCrossSite(request, this.config.tracking.publicBaseUrl);
    request.client = client;
    return true;
  }
}

/** 403 for a write another site's page made (the check the preference page uses). */
export function refuseCrossSite(request: AuthenticatedRequest, publicBaseUrl: string): void {
  const reason = crossSiteReason(request, new URL(publicBaseUrl).origin);
  if (reason) throw new ForbiddenException(`refused: this request comes from another site (${reason})`);
}
