import type { FastifyRequest } from 'fastify';

/** Sec-Fetch-Site values of a request a page of Herald's own origin made (or the user typed). */
const SAME_ORIGIN = new Set(['same-origin', 'none']);

/**
 * Why a form POST (or any write: the console's too) looks like it came from another site, or null. Browsers say where a request
 * comes from: Sec-Fetch-Site (Fetch Metadata), and Origin on every POST. A form another site
 * submits, even one that knows the link, is refused by either. A non-browser client may send
 * neither; it then still needs the form token, which only a rendered page carries.
 * `publicOrigin` is PUBLIC_BASE_URL's: behind a proxy the request's own host may differ.
 */
export function crossSiteReason(request: FastifyRequest, publicOrigin: string): string | null {
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string' && !SAME_ORIGIN.has(site)) return `Sec-Fetch-Site is ${site}`;
  const origin = request.headers.origin;
  if (origin === undefined) return null;
  const ownOrigin = `${request.protocol}://${request.host}`;
  return origin === publicOrigin || origin === ownOrigin ? null : `Origin ${origin} is not this site`;
}
