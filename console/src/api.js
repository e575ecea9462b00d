// The console's data API: same-origin fetches; the session rides in its HttpOnly cookie, so
// no secret is ever held by this script or put in storage.

export class ApiError extends Error {
  constructor(status, body) {
    super(messageOf(body) ?? `request failed (${status})`);
    this.status = status;
    this.body = body;
  }
}

function messageOf(body) {
  if (!body || typeof body !== 'object') return undefined;
  const fields = Array.isArray(body.errors) ? body.errors.map((e) => `${e.field}: ${(e.messages ?? []).join(', ')}`) : [];
  return fields.length > 0 ? fields.join('; ') : Array.isArray(body.message) ? body.message.join('; ') : body.message;
}

const listeners = new Set();
/** Called with no argument whenever the server says the session is gone (401). */
export const onSignedOut = (fn) => listeners.add(fn);

export async function api(path, { method = 'GET', body } = {}) {
  const res = await fetch(`/console/api/${path}`, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const parsed = text ? JSON.parse(text) : undefined;
  if (res.status === 401 && path !== 'session') for (const fn of listeners) fn();
  if (!res.ok) throw new ApiError(res.status, parsed);
  return parsed;
}

export const query = (params) => {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== '');
  return entries.length > 0 ? `?${new URLSearchParams(entries)}` : '';
};
