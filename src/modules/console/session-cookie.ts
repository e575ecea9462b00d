import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'herald_console';
const PATH = '/console';

/** The session id from the request's Cookie header, if it carries one of the right shape. */
export function sessionIdOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE) {
      const id = value.join('=');
      return /^[A-Za-z0-9_-]{43}$/.test(id) ? id : undefined;
    }
  }
  return undefined;
}

/**
 * Secure whenever the browser reached us over https: directly, through a proxy that says so
 * (X-Forwarded-Proto, honoured for this even without TRUST_PROXY: it can only make the cookie
 * stricter), or as PUBLIC_BASE_URL names it.
 */
function overHttps(request: FastifyRequest, publicBaseUrl: string): boolean {
  const forwarded = request.headers['x-forwarded-proto'];
  const proto = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim().toLowerCase();
  return request.protocol === 'https' || proto === 'https' || publicBaseUrl.startsWith('https:');
}

/** HttpOnly (no script reads it), SameSite=Strict (no other site's page sends it), only for /console. */
export function setSessionCookie(reply: FastifyReply, request: FastifyRequest, publicBaseUrl: string, id: string, maxAgeMs: number): void {
  const secure = overHttps(request, publicBaseUrl) ? '; Secure' : '';
  void reply.header('set-cookie', `${SESSION_COOKIE}=${id}; Path=${PATH}; Max-Age=${Math.floor(maxAgeMs / 1000)}; HttpOnly; SameSite=Strict${secure}`);
}

export function clearSessionCookie(reply: FastifyReply, request: FastifyRequest, publicBaseUrl: string): void {
  const secure = overHttps(request, publicBaseUrl) ? '; Secure' : '';
  void reply.header('set-cookie', `${SESSION_COOKIE}=; Path=${PATH}; Max-Age=0; HttpOnly; SameSite=Strict${secure}`);
}
