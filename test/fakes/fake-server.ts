import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { testTls } from './tls.js';

/**
 * What every fake provider shares: an HTTPS server on a free loopback port, a record of every
 * request, and scripted failures (the next n requests, a predicate, or "down" until "up").
 */
export interface Scripted<F> {
  failNext(n: number, failure: F): void;
  failWhen(predicate: (request: { path: string; body: Record<string, unknown> }) => F | undefined): void;
  down(failure: F): void;
  up(): void;
  setDelay(ms: number): void;
}

export class Script<F> implements Scripted<F> {
  private next: F[] = [];
  private predicate: ((request: { path: string; body: Record<string, unknown> }) => F | undefined) | null = null;
  private outage: F | null = null;
  delayMs = 0;

  failNext(n: number, failure: F): void {
    for (let i = 0; i < n; i++) this.next.push(failure);
  }
  failWhen(predicate: (request: { path: string; body: Record<string, unknown> }) => F | undefined): void {
    this.predicate = predicate;
  }
  down(failure: F): void {
    this.outage = failure;
  }
  up(): void {
    this.outage = null;
  }
  setDelay(ms: number): void {
    this.delayMs = ms;
  }
  /** The failure to answer this request with, if any. */
  pick(request: { path: string; body: Record<string, unknown> }): F | undefined {
    return this.outage ?? this.next.shift() ?? this.predicate?.(request) ?? undefined;
  }
}

/** The user name and password of an HTTP Basic Authorization header; empty when there is none. */
export function basicAuth(header: string | undefined): [string?, string?] {
  if (!header?.startsWith('Basic ')) return [];
  const decoded = Buffer.from(header.slice(6), 'base64').toString();
  const colon = decoded.indexOf(':');
  return colon < 0 ? [] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
}

export async function readBody(req: AsyncIterable<Buffer | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export async function listenHttps(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>) {
  const tls = testTls();
  const sockets = new Set<Duplex>();
  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    handler(req, res).catch((error) => json(res, 500, { error: String(error) }));
  });
  server.on('secureConnection', (s: Duplex) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `https://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
