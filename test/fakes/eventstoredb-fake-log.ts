/**
 * The storage model of the EventStoreDB fake: one append-only log with byte positions, streams
 * as indexes into it, and the server's rules for expected revisions, idempotent appends, stream
 * metadata and reads, as the current server (24.x) applies them to gRPC clients.
 *
 * Every gRPC append is one implicit transaction whose prepares commit themselves, so an event's
 * commit and prepare positions are both its own log position (there are no commit records), and
 * an append reports the position of its last event. Reads of $all ignore stream metadata
 * ($maxCount/$maxAge/$tb only hide events from stream reads until a scavenge, which the fake
 * never runs).
 */
import { randomUUID } from 'node:crypto';

/** Expected versions as the server numbers them (ExpectedVersion.cs); exact revisions are >= 0. */
export const ANY = -2n;
export const NO_STREAM = -1n;
export const STREAM_EXISTS = -4n;

export interface TfPos {
  commit: bigint;
  prepare: bigint;
}

export interface ProposedEvent {
  id: string;
  type: string;
  isJson: boolean;
  data: Uint8Array;
  metadata: Uint8Array;
}

export interface LogEvent extends ProposedEvent {
  stream: string;
  revision: bigint;
  /** Where the record starts; commit and prepare position both. */
  position: bigint;
  /** Where the next record starts. */
  postPosition: bigint;
  /** .NET ticks (100 ns) since the Unix epoch, as the server sends `created`. */
  created: bigint;
}

export type AppendResult =
  | { kind: 'success'; revision: bigint; position: bigint | null }
  | { kind: 'wrong_expected_version'; current: bigint };

export type StreamStart = bigint | 'start' | 'end';
export type AllStart = TfPos | 'start' | 'end';

export const compareTfPos = (a: TfPos, b: TfPos): number =>
  a.commit !== b.commit ? (a.commit < b.commit ? -1 : 1) : a.prepare === b.prepare ? 0 : a.prepare < b.prepare ? -1 : 1;
export const eventPos = (e: LogEvent): TfPos => ({ commit: e.position, prepare: e.position });

export const metastreamOf = (stream: string): string => `$$${stream}`;
const isMetastream = (stream: string): boolean => stream.startsWith('$$');

// Sizes only shape the positions (real ones are byte offsets with gaps); they need not be exact.
const EPOCH_RECORD_SIZE = 128n;
const recordSize = (stream: string, e: ProposedEvent): bigint =>
  BigInt(88 + Buffer.byteLength(stream) + Buffer.byteLength(e.type) + e.data.length + e.metadata.length);

interface StreamMetadata {
  maxCount?: number;
  maxAgeSeconds?: number;
  truncateBefore?: number;
}

export class FakeLog {
  readonly events: LogEvent[] = [];
  private readonly streams = new Map<string, LogEvent[]>();
  /** The server's committed-events index for idempotency: event id to where it was written. */
  private readonly byId = new Map<string, LogEvent>();
  private writer = 0n;
  private epochNumber = -1;
  private readonly instanceId = randomUUID();
  private wake: { promise: Promise<void>; resolve: () => void } | null = null;

  /** Resolves at the next append; subscriptions wait on it when live. */
  changed(): Promise<void> {
    if (!this.wake) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.wake = { promise, resolve };
    }
    return this.wake.promise;
  }

  /** A node start: an epoch record, then the `$epoch-information` event every election writes. */
  startEpoch(): void {
    const epochPosition = this.writer;
    this.writer += EPOCH_RECORD_SIZE;
    this.epochNumber += 1;
    const data = { epochNumber: this.epochNumber, epochPosition: Number(epochPosition), epochId: randomUUID(), leaderInstanceId: this.instanceId };
    const event = { id: randomUUID(), type: '$epoch-information', isJson: true, data: Buffer.from(JSON.stringify(data)), metadata: new Uint8Array() };
    this.write('$epoch-information', this.lastRevision('$epoch-information'), [event]);
  }

  lastRevision(stream: string): bigint {
    return BigInt((this.streams.get(stream)?.length ?? 0) - 1);
  }

  /** The last event's position (what a subscription from End starts after), or null when empty. */
  lastPosition(): TfPos | null {
    const last = this.events.at(-1);
    return last ? eventPos(last) : null;
  }

  /** IndexWriter.CheckCommit, minus soft deletes and tombstones (the fake has no deletes). */
  append(stream: string, expected: bigint, events: ProposedEvent[]): AppendResult {
    const current = this.lastRevision(stream);
    const wrong: AppendResult = { kind: 'wrong_expected_version', current };
    // stream_exists holds for a stream that has only metadata so far.
    if (expected === STREAM_EXISTS && current < 0n && !this.streams.has(metastreamOf(stream))) return wrong;
    if (expected === ANY || expected === STREAM_EXISTS) {
      const found = events.map((e) => this.byId.get(e.id));
      const ours = (e: LogEvent | undefined) => e !== undefined && e.stream === stream;
      if (events.length > 0 && found.every(ours)) return this.idempotent(found.at(-1)!);
      if (events.length > 0 && ours(found[0])) return wrong; // part written before, part not: not idempotent
      return this.write(stream, current, events);
    }
    if (expected < current) {
      // A retry of an append that already landed right after `expected`: report it again.
      const stored = this.streams.get(stream) ?? [];
      const matches = events.map((e, i) => stored[Number(expected) + 1 + i]?.id === e.id);
      if (events.length > 0 && matches.every(Boolean)) return this.idempotent(stored[Number(expected) + events.length]!);
      return wrong;
    }
    if (expected > current) return wrong;
    return this.write(stream, current, events);
  }

  private idempotent(last: LogEvent): AppendResult {
    return { kind: 'success', revision: last.revision, position: last.position };
  }

  private write(stream: string, current: bigint, events: ProposedEvent[]): AppendResult {
    let list = this.streams.get(stream);
    if (!list && events.length > 0) this.streams.set(stream, (list = []));
    const created = BigInt(Date.now()) * 10_000n;
    for (const [i, proposed] of events.entries()) {
      const position = this.writer;
      this.writer += recordSize(stream, proposed);
      const event: LogEvent = { ...proposed, stream, revision: current + 1n + BigInt(i), position, postPosition: this.writer, created };
      this.events.push(event);
      list!.push(event);
      this.byId.set(event.id, event);
    }
    if (events.length > 0) {
      const wake = this.wake;
      this.wake = null;
      wake?.resolve();
    }
    const last = list?.at(-1);
    return { kind: 'success', revision: current + BigInt(events.length), position: events.length > 0 ? last!.position : null };
  }

  /** A stream read (IndexReader.ReadStreamEvents*): null when the stream does not exist. */
  readStream(stream: string, from: StreamStart, backwards: boolean, count: number): LogEvent[] | null {
    const stored = this.streams.get(stream);
    if (!stored) return null;
    const visible = this.visibleFilter(stream, stored);
    const out: LogEvent[] = [];
    if (backwards) {
      const start = from === 'end' ? stored.length - 1 : from === 'start' ? 0 : Math.min(Number(from), stored.length - 1);
      for (let i = start; i >= 0 && out.length < count; i--) if (visible(stored[i]!)) out.push(stored[i]!);
    } else {
      const start = from === 'end' ? stored.length : from === 'start' ? 0 : Number(from);
      for (let i = start; i < stored.length && out.length < count; i++) if (visible(stored[i]!)) out.push(stored[i]!);
    }
    return out;
  }

  /** Which events of a stream reads still show: $maxCount, $tb and $maxAge of its metadata. */
  private visibleFilter(stream: string, stored: LogEvent[]): (e: LogEvent) => boolean {
    // Metadata streams keep only their latest event visible (the server's metastream $maxCount is 1).
    const meta = isMetastream(stream) ? { maxCount: 1 } : this.metadataOf(stream);
    let minRevision = 0;
    if (meta.maxCount !== undefined) minRevision = Math.max(minRevision, stored.length - meta.maxCount);
    if (meta.truncateBefore !== undefined) minRevision = Math.max(minRevision, meta.truncateBefore);
    const oldest = meta.maxAgeSeconds !== undefined ? BigInt(Date.now() - meta.maxAgeSeconds * 1000) * 10_000n : undefined;
    return (e) => Number(e.revision) >= minRevision && (oldest === undefined || e.created >= oldest);
  }

  private metadataOf(stream: string): StreamMetadata {
    const last = this.streams.get(metastreamOf(stream))?.at(-1);
    if (!last || !last.isJson) return {};
    try {
      const raw = JSON.parse(Buffer.from(last.data).toString('utf8')) as Record<string, unknown>;
      const int = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined);
      return { maxCount: int(raw.$maxCount), maxAgeSeconds: int(raw.$maxAge), truncateBefore: int(raw.$tb) };
    } catch {
      return {}; // the server treats unreadable metadata as none
    }
  }

  /** Index of the first event at or after `pos` (forward reads of $all include their start). */
  indexFrom(pos: TfPos): number {
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareTfPos(eventPos(this.events[mid]!), pos) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * A read of $all (AllReader): forwards from a position includes the event there; backwards
   * returns only events that end at or before it, so it excludes the event starting there.
   */
  readAll(from: AllStart, backwards: boolean, count: number): LogEvent[] {
    const out: LogEvent[] = [];
    if (backwards) {
      if (from === 'start') return out;
      for (let i = this.events.length - 1; i >= 0 && out.length < count; i--) {
        const e = this.events[i]!;
        if (from === 'end' || compareTfPos({ commit: e.postPosition, prepare: e.postPosition }, from) <= 0) out.push(e);
      }
      return out;
    }
    if (from === 'end') return out;
    for (let i = from === 'start' ? 0 : this.indexFrom(from); i < this.events.length && out.length < count; i++) out.push(this.events[i]!);
    return out;
  }
}
