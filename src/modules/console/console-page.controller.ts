import { Controller, Get, NotFoundException, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import { ConsoleSessionAuth } from '../auth/scopes.decorator.js';
import { ConsoleSessions } from './console-sessions.js';
import { sessionIdOf } from './session-cookie.js';

/** Built by scripts/build.sh (esbuild) next to the compiled server: dist/src/modules/console -> dist/console. */
const ASSETS_DIR = new URL('../../../console/', import.meta.url);
const ASSET_TYPES: Record<string, string> = { 'console.js': 'text/javascript; charset=utf-8', 'console.css': 'text/css; charset=utf-8' };

/** Only the console's own script, style and API: no inline script, nothing from elsewhere, no framing. */
const POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const SHELL = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin"><title>Herald console</title><link rel="stylesheet" href="/console/assets/console.css"></head>
<body><div id="app"><main><h1>Herald console</h1><p>The console needs JavaScript.</p></main></div><script type="module" src="/console/assets/console.js"></script></body></html>`;

const assetCache = new Map<string, Buffer>();

function asset(name: string): Buffer {
  let body = assetCache.get(name);
  if (!body) {
    const file = new URL(name, ASSETS_DIR);
    if (!existsSync(file)) throw new NotFoundException({ statusCode: 404, error: 'Not Found', message: `the console's ${name} is not built: run npm run build` });
    body = readFileSync(file);
    assetCache.set(name, body);
  }
  return body;
}

const secureHeaders = (reply: FastifyReply) =>
  reply.header('content-security-policy', POLICY).header('x-content-type-options', 'nosniff').header('referrer-policy', 'same-origin').header('x-frame-options', 'DENY');

/**
 * The console's page: one HTML shell whose script draws every screen (hash routes: #/find,
 * #/notifications/:id, …) from the console's data API. Without a session the shell answers 401
 * and shows the sign-in form. Its script and stylesheet hold no data, and are the same for everyone.
 */
@ApiExcludeController()
@ConsoleSessionAuth()
@Controller('console')
export class ConsolePageController {
  constructor(private readonly sessions: ConsoleSessions) {}

  @Get()
  async page(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const id = sessionIdOf(request);
    const signedIn = id ? (await this.sessions.find(id)) !== undefined : false;
    return secureHeaders(reply).status(signedIn ? 200 : 401).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(SHELL);
  }

  @Get('assets/:name')
  asset(@Param('name') name: string, @Res() reply: FastifyReply) {
    const type = ASSET_TYPES[name];
    if (!type) throw new NotFoundException({ statusCode: 404, error: 'Not Found', message: `no console asset ${name}` });
    const body = asset(name);
    return secureHeaders(reply).header('content-type', type).header('cache-control', 'no-cache').send(body);
  }
}
