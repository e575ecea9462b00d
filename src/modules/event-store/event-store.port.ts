/** The event log: Herald's source of truth. One port, one adapter per backend. */

export const EVENT_STORE = Symbol('EventStore');

/** Revision of the last event in the stream (0-based), or a looser expectation. */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

export interface EventMetadata {
  /** Version of the event's data schema, for upcasting old events. */
  schemaVersion?: number;
  correlationId?: string;
  causationId?: string;
  /** The API client whose request caused the event. */
  appKey?: string;
  [key: string]: unknown;
}

export interface EventData {
  /** A UUID; appending the same ids again to the same stream is a no-op. */
  id: string;
  type: string;
  data: unknown;
  metadata?: EventMetadata;
}

export interface RecordedEvent<Data = unknown> {
  id: string;
  streamName: string;
  type: string;
  revision: number;
  /** Global, strictly increasing position in the whole log. */
  position: bigint;
  data: Data;
  metadata: EventMetadata;
  createdAt: Date;
}

export interface AppendResult {
  nextRevision: number;
  position: bigint;
}

export interface ReadStreamOptions {
  direction?: 'forwards' | 'backwards';
  /** Inclusive start; defaults to the first (forwards) or last (backwards) event. */
  fromRevision?: number;
  maxCount?: number;
}

export interface ReadAllOptions {
  direction?: 'forwards' | 'backwards';
  /** Exclusive: only events after (forwards) or before (backwards) this position. */
  after?: bigint;
  maxCount?: number;
}

export interface SubscriptionFilter {
  streamPrefixes?: string[];
  eventTypes?: string[];
}

export interface SubscribeOptions {
  /** Exclusive: the subscription starts after this position (undefined: from the start). */
  after?: bigint;
  filter?: SubscriptionFilter;
}

/** A catch-up subscription: reads history, then goes live. Iterate with `for await`. */
export interface Subscription extends AsyncIterable<RecordedEvent> {
  close(): Promise<void>;
  /**
   * How far the subscription has read the log, counting events its filter skipped (its start
   * position until it has read further). A filtered projection is caught up when it has
   * applied all it was given and this is the head, however long ago its last matching event was.
   */
  scannedPosition(): bigint;
}

export interface EventStore {
  append(streamName: string, events: EventData[], expected: ExpectedRevision): Promise<AppendResult>;
  readStream(streamName: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  subscribeToAll(options?: SubscribeOptions): Subscription;
  /** Position of the last event in the log (0n when empty). */
  headPosition(): Promise<bigint>;
  /** Throws when the store cannot serve requests; used by readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class WrongExpectedRevisionError extends Error {
  constructor(
    readonly streamName: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | 'no_stream',
  ) {
    super(`wrong expected revision on ${streamName}: expected ${String(expected)}, actual ${String(actual)}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

/** The store cannot take writes now (disk full or read-only, database locked, server down). */
export class EventStoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EventStoreUnavailableError';
  }
}

export function matchesFilter(event: Pick<RecordedEvent, 'streamName' | 'type'>, filter?: SubscriptionFilter): boolean {
  if (!filter) return true;
  if (filter.eventTypes && !filter.eventTypes.includes(event.type)) return false;
  if (filter.streamPrefixes && !filter.streamPrefixes.some((p) => event.streamName.startsWith(p))) return false;
  return true;
}
