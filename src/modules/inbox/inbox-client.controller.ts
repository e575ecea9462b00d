import { createHash } from 'node:crypto';
import { Controller, Get, Header, Headers, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/scopes.decorator.js';
import { HERALD_INBOX_JS } from './herald-inbox.source.js';

const ETAG = `"${createHash('sha256').update(HERALD_INBOX_JS).digest('base64url').slice(0, 16)}"`;

/** The embeddable client: <herald-inbox>, a web component any page loads as a module script. */
@ApiTags('inbox')
@Controller('inbox')
export class InboxClientController {
  @Get('herald-inbox.js')
  @Public()
  // A module script from another origin needs CORS; the code is the same for everyone and holds no secret.
  @Header('access-control-allow-origin', '*')
  @Header('cache-control', 'public, max-age=300')
  @Header('x-content-type-options', 'nosniff')
  @ApiOperation({ summary: 'The <herald-inbox> web component (an ES module): bell, unread badge, list, mark read, live' })
  @ApiProduces('text/javascript')
  @ApiOkResponse({ description: 'the module', content: { 'text/javascript': { schema: { type: 'string' } } } })
  @ApiResponse({ status: 304, description: 'not modified since the ETag given in If-None-Match' })
  component(@Headers('if-none-match') ifNoneMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): string {
    void reply.header('etag', ETAG);
    if (ifNoneMatch === ETAG) {
      void reply.code(304);
      return '';
    }
    void reply.type('text/javascript; charset=utf-8');
    return HERALD_INBOX_JS;
  }
}
