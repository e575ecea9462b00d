import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import { ClientDirectory } from '../auth/client-directory.js';
import { crossSiteReason } from '../http/cross-site.js';

/**
 * Which pages may call the subscriber API from the browser: those on INBOX_CORS_ORIGINS (the
 * deployment's, for every client), and those on the origins of the API client that minted the
 * token (PUT /v1/clients/{appKey}/inbox-origins). A preflight carries no token, so it is answered
 * for any origin some client allows; the request itself is then held to its token's client.
 */
@Injectable()
export class InboxOrigins {
  private readonly deployment: ReadonlySet<string>;
  private readonly any: boolean;
  private readonly publicOrigin: string;

  constructor(
    @Inject(HERALD_CONFIG) config: HeraldConfig,
    private readonly clients: ClientDirectory,
  ) {
    this.deployment = new Set(config.inbox.corsOrigins);
    this.any = this.deployment.has('*');
    this.publicOrigin = new URL(config.tracking.publicBaseUrl).origin;
  }

  /** The page's origin when the request comes from another site's page; undefined for Herald's own pages and for servers. */
  foreignOrigin(request: FastifyRequest): string | undefined {
    const origin = request.headers.origin;
    return typeof origin === 'string' && crossSiteReason(request, this.publicOrigin) !== null ? origin : undefined;
  }

  /** Whether some client, or the deployment, lets pages on `origin` call: the preflight's question. */
  allowsAny(origin: string): Promise<boolean> {
    if (this.any || this.deployment.has(origin)) return Promise.resolve(true);
    return this.withFreshClients(() => [...this.clients.all()].some((client) => client.inboxOrigins?.origins.includes(origin) === true));
  }

  /** Whether a page on `origin` may use a token minted by `appKey` (tokens from before per-client origins name no client). */
  allows(origin: string, appKey: string | undefined): Promise<boolean> {
    if (this.any || this.deployment.has(origin)) return Promise.resolve(true);
    if (appKey === undefined) return Promise.resolve(false);
    return this.withFreshClients(() => this.clients.get(appKey)?.inboxOrigins?.origins.includes(origin) === true);
  }

  /**
   * A refusal is checked once more against the clients' latest events, so an origin just added
   * in another process is allowed at once. The re-read is of the clients stream's tail (nothing,
   * mostly), and concurrent refusals share it: a flood of foreign preflights costs one read at a time.
   */
  private async withFreshClients(allowed: () => boolean): Promise<boolean> {
    await this.clients.refreshIfStale();
    if (allowed()) return true;
    await this.clients.readLatest();
    return allowed();
  }

  /** CORS answers say `*` only when the deployment allows any page: otherwise the page's own origin. */
  get allowsEveryOrigin(): boolean {
    return this.any;
  }
}
