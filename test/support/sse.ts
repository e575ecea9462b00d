import type { TestContext } from 'node:test';
import { eventually } from './temp.js';

export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

export interface SseStream {
  status: number;
  headers: Headers;
  /** Every event received so far, in order (comments as event ':'). */
  events: SseEvent[];
  /** The first event received (from now on or before) that matches; fails after the deadline. */
  next(match: (e: SseEvent) => boolean, timeoutMs?: number, what?: string): Promise<SseEvent>;
  close(): void;
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
}

/** A Server-Sent Events client as a browser's EventSource reads the wire: id, event, data lines, comments. Closed when the test ends. */
export async function openSse(t: TestContext, url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const abort = new AbortController();
  t.after(() => abort.abort());
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const events: SseEvent[] = [];
  let resolveEnded!: () => void;
  const ended = new Promise<void>((r) => (resolveEnded = r));
  if (res.ok && res.body) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const e: SseEvent = { event: 'message', data: '' };
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) e.event = ':';
              else if (line.startsWith('id: ')) e.id = line.slice(4);
              else if (line.startsWith('event: ')) e.event = line.slice(7);
              else if (line.startsWith('data: ')) data.push(line.slice(6));
            }
            e.data = data.join('\n');
            if (block.startsWith('retry:')) continue;
            events.push(e);
          }
        }
      } catch {
        // aborted
      }
      resolveEnded();
    })();
  } else resolveEnded();
  return {
    status: res.status,
    headers: res.headers,
    events,
    next: (match, timeoutMs = 5000, what = 'an event') => eventually(() => events.find(match), timeoutMs, what),
    close: () => abort.abort(),
    ended,
  };
}
