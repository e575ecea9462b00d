import { Body, Controller, Delete, ForbiddenException, Get, HttpCode, Inject, Post, Req, Res, UnauthorizedException, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import { hasScope } from '../../domain/client/client.js';
import type { AuthenticatedRequest } from '../auth/api-auth.guard.js';
import { ClientDirectory } from '../auth/client-directory.js';
import { ConsoleSessionAuth } from '../auth/scopes.decorator.js';
import { CONSOLE_SCOPES, ConsoleSessionGuard, refuseCrossSite } from './console-session.guard.js';
import { ConsoleSessions } from './console-sessions.js';
import { clearSessionCookie, sessionIdOf, setSessionCookie } from './session-cookie.js';

class SignInDto {
  @IsString() @MinLength(1) @MaxLength(200) appKey: string;
  @IsString() @MinLength(1) @MaxLength(500) appSecret: string;
}

/** Who is signed in, as the console's pages show it. */
const signedIn = (client: { appKey: string; name: string; scopes: string[] }, expiresAt: number) => ({
  appKey: client.appKey,
  name: client.name,
  scopes: client.scopes,
  expiresAt: new Date(expiresAt).toISOString(),
});

/**
 * Sign-in with an API client's appKey and appSecret, checked as for HTTP Basic; the secret
 * goes no further than this request: the browser keeps only an HttpOnly session cookie.
 */
@ApiExcludeController()
@ConsoleSessionAuth()
@Controller('console/api/session')
export class ConsoleSessionController {
  constructor(
    private readonly sessions: ConsoleSessions,
    private readonly clients: ClientDirectory,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
  ) {}

  @Post()
  @HttpCode(200)
  async signIn(@Body() dto: SignInDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    // Another site's page must not sign a browser in to an account of its choosing either.
    refuseCrossSite(request, this.config.tracking.publicBaseUrl);
    const client = await this.clients.authenticate(dto.appKey, dto.appSecret);
    if (!client) throw new UnauthorizedException('invalid appKey or appSecret');
    if (!hasScope(client, CONSOLE_SCOPES)) throw new ForbiddenException('this client may not use the console: it needs the console (or admin) scope');
    const { id, expiresAt } = await this.sessions.open(client.appKey);
    setSessionCookie(reply, request, this.config.tracking.publicBaseUrl, id, this.sessions.ttlMs);
    return signedIn(client, expiresAt);
  }

  @Get()
  @UseGuards(ConsoleSessionGuard)
  async current(@Req() request: AuthenticatedRequest) {
    const session = await this.sessions.find(sessionIdOf(request)!);
    return signedIn(request.client!, session!.expiresAt);
  }

  @Delete()
  @HttpCode(204)
  @UseGuards(ConsoleSessionGuard)
  async signOut(@Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    await this.sessions.close(sessionIdOf(request)!);
    clearSessionCookie(reply, request, this.config.tracking.publicBaseUrl);
  }
}
