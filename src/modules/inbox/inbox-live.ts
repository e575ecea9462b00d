import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { InboxFeed, type InboxChange, type InboxCounts } from './inbox-feed.js';

/** Changes read per poll; more wait for the next read, at once. */
const PAGE = 1000;
/** A browser that reads slower than its feed changes is cut off (it reconnects and resumes) rather than held in memory. */
const MAX_BUFFERED_BYTES = 256 * 1024;

export class TooManyStreamsError extends Error {
  constructor(readonly scope: 'process' | 'user') {
    super(scope === 'process' ? 'this process holds as many live streams as it may: retry later' : 'this user has as many live streams open as allowed: close one');
  }
}

/** One browser's open stream: what it has been sent, and what arrived while it was catching up. */
class LiveStream {
  /** The position of the last change sent (the SSE id a reconnect resumes after). */
  sent = 0n;
  ready = false;
  pending: InboxChange[] = [];
  expiry: NodeJS.Timeout | undefined;

  constructor(
    readonly userId: string,
    private readonly raw: ServerResponse,
  ) {}

  write(text: string): void {
    if (this.raw.destroyed) return;
    this.raw.write(text);
    if (this.raw.writableLength > MAX_BUFFERED_BYTES) this.raw.destroy();
  }

  /** The changes not sent yet, then (when given) the counts after them, under the last change's id. */
  send(changes: InboxChange[], counts?: InboxCounts): void {
    const fresh = changes.filter((c) => c.position > this.sent);
    if (fresh.length === 0) return;
    let text = '';
    for (const c of fresh) text += `id: ${c.position}\nevent: item\ndata: ${JSON.stringify(c.item)}\n\n`;
    this.sent = fresh[fresh.length - 1]!.position;
    this.write(counts ? `${text}${this.countsEvent(counts)}` : text);
  }

  countsEvent(counts: InboxCounts): string {
    return `id: ${this.sent}\nevent: counts\ndata: ${JSON.stringify(counts)}\n\n`;
  }

  end(event?: string): void {
    clearTimeout(this.expiry);
    if (event) this.write(`event: ${event}\ndata: {}\n\n`);
    this.raw.end();
  }
}

/**
 * The live side of the in-app feed. Driven by the feed read model, which every API process
 * shares and which is its own change feed (each row carries the log position of its last
 * change): one poll per process reads what changed since the last, for every user with a
 * stream open here, whichever process wrote it. A stream resumes after the last id it was sent
 * (Last-Event-ID), reading that user's changes since, so a reconnect misses nothing.
 */
@Injectable()
export class InboxLive implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('InboxLive');
  private readonly byUser = new Map<string, Set<LiveStream>>();
  private open = 0;
  private last = 0n;
  private stopped = true;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    private readonly feed: InboxFeed,
    private readonly metrics: MetricsService,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.roles.has('api')) return;
    this.stopped = false;
    this.loop = this.poll();
    // Comments keep idle streams open through proxies that close quiet connections.
    this.heartbeat = setInterval(() => this.each((s) => s.write(': heartbeat\n\n')), this.config.inbox.heartbeatMs);
    this.heartbeat.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeat);
    this.wake?.();
    await this.loop;
    // Browsers reconnect (to another process) and resume where they were: nothing to drain.
    this.each((s) => s.end());
  }

  get streams(): number {
    return this.open;
  }

  /** Why one more stream for this user cannot open here, or null when it can. */
  full(userId: string): TooManyStreamsError | null {
    if (this.open >= this.config.inbox.maxStreams) return new TooManyStreamsError('process');
    if ((this.byUser.get(userId)?.size ?? 0) >= this.config.inbox.maxStreamsPerUser) return new TooManyStreamsError('user');
    return null;
  }

  /**
   * Serves one stream on `raw` (headers already sent) until the browser leaves, the token
   * expires or the process stops. Without `after`, it starts from now: the page the browser
   * read (GET /v1/inbox gives a `lastEventId` to resume from) plus what changes from here.
   */
  async serve(userId: string, raw: ServerResponse, after: bigint | null, expiresAtMs: number): Promise<void> {
    const full = this.full(userId);
    if (full) throw full;
    const own = this.byUser.get(userId) ?? new Set<LiveStream>();
    const stream = new LiveStream(userId, raw);
    // Registered before catching up, so nothing committed meanwhile is missed: the poll's changes wait in `pending`.
    own.add(stream);
    this.byUser.set(userId, own);
    this.open++;
    this.metrics.inboxStreams.set(this.open);
    raw.on('close', () => this.remove(stream));
    stream.expiry = setTimeout(() => stream.end('expired'), Math.max(0, expiresAtMs - Date.now()));
    stream.expiry.unref();
    raw.write(`retry: 2000\n\n`);
    try {
      const head = await this.feed.headFor(userId);
      // An id from elsewhere (another database, a feed since rebuilt from a shorter log): start over.
      if (after !== null && after > head) {
        stream.write('event: reset\ndata: {}\n\n');
        after = null;
      }
      stream.sent = after ?? head;
      for (let more = after !== null; more; ) {
        const changes = await this.feed.changesFor(userId, stream.sent, PAGE);
        stream.send(changes);
        more = changes.length === PAGE;
      }
      const counts = await this.feed.counts(userId);
      stream.write(stream.countsEvent(counts));
      stream.ready = true;
      if (stream.pending.length > 0) {
        const pending = stream.pending;
        stream.pending = [];
        stream.send(pending, await this.feed.counts(userId));
      }
    } catch (error) {
      this.logger.warn({ msg: 'stream could not catch up; closing it (the browser reconnects)', err: String(error) });
      stream.end();
    }
  }

  private remove(stream: LiveStream): void {
    const own = this.byUser.get(stream.userId);
    if (!own?.delete(stream)) return;
    clearTimeout(stream.expiry);
    if (own.size === 0) this.byUser.delete(stream.userId);
    this.open--;
    this.metrics.inboxStreams.set(this.open);
  }

  private each(fn: (stream: LiveStream) => void): void {
    for (const own of this.byUser.values()) for (const stream of own) fn(stream);
  }

  private async poll(): Promise<void> {
    while (!this.stopped) {
      try {
        if (this.open === 0) this.last = await this.feed.head();
        else {
          for (let more = true; more && !this.stopped; ) {
            const changes = await this.feed.changes(this.last, PAGE);
            if (changes.length > 0) {
              this.last = changes[changes.length - 1]!.position;
              await this.fanOut(changes);
            }
            more = changes.length === PAGE;
          }
        }
      } catch (error) {
        this.logger.warn({ msg: 'could not read the feed’s changes; trying again', err: String(error) });
      }
      if (this.stopped) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.config.inbox.pollMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private async fanOut(changes: InboxChange[]): Promise<void> {
    const byUser = new Map<string, InboxChange[]>();
    for (const c of changes) {
      if (!this.byUser.has(c.userId)) continue;
      const list = byUser.get(c.userId) ?? [];
      list.push(c);
      byUser.set(c.userId, list);
    }
    if (byUser.size === 0) return;
    const counts = await this.feed.countsOf([...byUser.keys()]);
    for (const [userId, own] of byUser) {
      for (const stream of this.byUser.get(userId) ?? []) {
        if (stream.ready) stream.send(own, counts.get(userId)!);
        else stream.pending.push(...own);
      }
    }
  }
}
