import type { Credentials } from './app.js';

export interface ConsoleResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * The console's data API as its page calls it: a session cookie from signing in, and on every
 * write the Origin a browser sends with a page of the console's own.
 */
export class ConsoleClient {
  cookie: string | undefined;

  constructor(readonly baseUrl: string) {}

  /** Signs in; keeps the session cookie when the answer sets one. */
  async signIn(credentials: Credentials, headers: Record<string, string> = {}): Promise<ConsoleResponse> {
    const res = await this.request('POST', '/console/api/session', credentials, headers);
    const set = res.headers.get('set-cookie');
    if (res.status === 200 && set) this.cookie = set.split(';')[0];
    return res;
  }

  async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ConsoleResponse<T>> {
    const all: Record<string, string> = { ...(method === 'GET' ? {} : { origin: this.baseUrl }), ...headers };
    if (this.cookie) all.cookie = this.cookie;
    if (body !== undefined) all['content-type'] = 'application/json';
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers: all, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (the page): keep the text.
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  get = <T = any>(path: string) => this.request<T>('GET', `/console/api/${path}`);
  post = <T = any>(path: string, body: unknown = {}, headers: Record<string, string> = {}) => this.request<T>('POST', `/console/api/${path}`, body, headers);
}
