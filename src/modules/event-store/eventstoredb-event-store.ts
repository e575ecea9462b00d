import {
  ANY,
  BACKWARDS,
  CancelledError,
  DeadlineExceededError,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  UnavailableError,
  WrongExpectedVersionError,
  convertToCommandError,
  eventTypeFilter,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
  type AppendExpectedRevision,
  type Position,
  type ResolvedEvent,
} from '@eventstore/db-client';
import {
  EventStoreUnavailableError,
  WrongExpectedRevisionError,
  matchesFilter,
  type AppendResult,
  type EventData,
  type EventMetadata,
  type EventStore,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
} from './event-store.port.js';

/**
 * EventStoreDB positions are (commit, prepare) pairs; several events of one append share a
 * commit position. Packing both into one bigint keeps positions unique, ordered and reversible.
 */
const SHIFT = 64n;
const MASK = (1n << SHIFT) - 1n;
export const packPosition = (p: Position): bigint => (p.commit << SHIFT) | p.prepare;
export const unpackPosition = (v: bigint): Position => ({ commit: v >> SHIFT, prepare: v & MASK });

function toExpected(expected: ExpectedRevision): AppendExpectedRevision {
  if (expected === 'any') return ANY;
  if (expected === 'no_stream') return NO_STREAM;
  if (expected === 'stream_exists') return STREAM_EXISTS;
  return BigInt(expected);
}

function toRecorded(resolved: ResolvedEvent): RecordedEvent | null {
  const e = resolved.event;
  if (!e || !e.isJson) return null;
  return {
    id: e.id,
    streamName: e.streamId,
    type: e.type,
    revision: Number(e.revision),
    position: e.position ? packPosition(e.position) : 0n,
    data: e.data,
    metadata: (e.metadata ?? {}) as EventMetadata,
    createdAt: new Date(e.created),
  };
}

/**
 * The node is away or the connection is being replaced: the client reconnects by itself, so the
 * caller should retry later. A call in flight on a connection the client drops ends CANCELLED
 * ("Call cancelled"), which the client also treats as a reason to reconnect.
 */
function isConnectionLoss(error: unknown): boolean {
  // Not every failure arrives converted: after a lost connection appendToStream first asks the
  // server for its features again, and rejects with that call's raw gRPC status.
  const converted = error instanceof Error ? convertToCommandError(error) : error;
  return converted instanceof UnavailableError || converted instanceof CancelledError || converted instanceof DeadlineExceededError;
}

function wrap(error: unknown): unknown {
  if (isConnectionLoss(error)) return new EventStoreUnavailableError(error instanceof Error ? error.message : String(error), { cause: error });
  return error;
}

/** The production event store. Idempotent appends, conflicts and subscriptions are native here. */
export class EventStoreDbEventStore implements EventStore {
  private readonly client: EventStoreDBClient;

  constructor(connectionString: string) {
    this.client = EventStoreDBClient.connectionString([connectionString] as unknown as TemplateStringsArray);
  }

  async append(streamName: string, events: EventData[], expected: ExpectedRevision): Promise<AppendResult> {
    try {
      const result = await this.client.appendToStream(
        streamName,
        events.map((e) => jsonEvent({ id: e.id, type: e.type, data: e.data as never, metadata: (e.metadata ?? {}) as never })),
        { expectedRevision: toExpected(expected) },
      );
      return { nextRevision: Number(result.nextExpectedRevision), position: result.position ? packPosition(result.position) : 0n };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        const actual = error.actualVersion;
        throw new WrongExpectedRevisionError(streamName, expected, typeof actual === 'bigint' ? Number(actual) : 'no_stream');
      }
      throw wrap(error);
    }
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const out: RecordedEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(streamName, {
        direction: backwards ? BACKWARDS : FORWARDS,
        fromRevision: options.fromRevision !== undefined ? BigInt(options.fromRevision) : backwards ? END : START,
        ...(options.maxCount !== undefined ? { maxCount: options.maxCount } : {}),
      })) {
        const event = toRecorded(resolved);
        if (event) out.push(event);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw wrap(error);
    }
    return out;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const maxCount = options.maxCount ?? 1000;
    const out: RecordedEvent[] = [];
    let from: Position | typeof START | typeof END = options.after !== undefined ? unpackPosition(options.after) : backwards ? END : START;
    let skip = options.after;
    // $all also holds EventStoreDB's own events ($-streams: epochs written at every start, stream
    // metadata, ...), which are dropped here; read on past them until the page is full or the log
    // ends, so that a short page always means the end.
    let pageSize = maxCount + 1;
    try {
      for (;;) {
        let read = 0;
        // Each page is read to its end: the client's dispose() waits forever for a read left half-consumed.
        // A forward read's start is inclusive: each page begins with the event it starts at.
        for await (const resolved of this.client.readAll({ direction: backwards ? BACKWARDS : FORWARDS, fromPosition: from, maxCount: pageSize })) {
          read++;
          if (resolved.event?.position) from = resolved.event.position;
          const event = toRecorded(resolved);
          if (!event || event.position === skip || event.streamName.startsWith('$') || out.length >= maxCount) continue;
          out.push(event);
        }
        if (out.length >= maxCount || read < pageSize) return out;
        skip = packPosition(from as Position);
        pageSize = Math.max(pageSize, 256);
      }
    } catch (error) {
      throw wrap(error);
    }
  }

  /**
   * A catch-up subscription that survives the server going away: on a connection error it
   * waits (100 ms doubling to 5 s) and resubscribes after the last event it delivered, so a
   * projection neither stops nor skips when EventStoreDB restarts or a leader changes.
   */
  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    let scanned: bigint | undefined;
    // The server reports how far a filtered subscription has read, matching events or not.
    const checkpointReached = (_: unknown, position: Position) => void (scanned = packPosition(position));
    const filter = options.filter?.eventTypes
      ? eventTypeFilter({ prefixes: options.filter.eventTypes, checkpointReached })
      : options.filter?.streamPrefixes
        ? streamNameFilter({ prefixes: options.filter.streamPrefixes, checkpointReached })
        : excludeSystemEvents({ checkpointReached });
    const client = this.client;
    let current: ReturnType<EventStoreDBClient['subscribeToAll']> | null = null;
    let closed = false;
    let after = options.after;
    /** The further of the server's last checkpoint and the last event received. */
    const scannedSoFar = (): bigint | undefined => (scanned !== undefined && (after === undefined || scanned > after) ? scanned : after);
    async function* events(): AsyncGenerator<RecordedEvent> {
      let backoffMs = 100;
      while (!closed) {
        const from = scannedSoFar();
        current = client.subscribeToAll({ fromPosition: from !== undefined ? unpackPosition(from) : START, filter });
        try {
          for await (const resolved of current) {
            backoffMs = 100;
            const event = toRecorded(resolved as ResolvedEvent);
            if (!event) continue;
            after = event.position;
            // Type prefixes are a superset on the server; the exact filter is applied here.
            if (!event.streamName.startsWith('$') && matchesFilter(event, options.filter)) yield event;
          }
          return;
        } catch (error) {
          if (closed) return;
          if (!isConnectionLoss(error)) throw error;
          await new Promise((resolve) => setTimeout(resolve, backoffMs));
          backoffMs = Math.min(backoffMs * 2, 5_000);
        }
      }
    }
    const iterator = events();
    return {
      [Symbol.asyncIterator]: () => iterator,
      scannedPosition: () => scannedSoFar() ?? 0n,
      close: async () => {
        closed = true;
        await current?.unsubscribe();
        await iterator.return(undefined);
      },
    };
  }

  async headPosition(): Promise<bigint> {
    const [last] = await this.readAll({ direction: 'backwards', maxCount: 1 });
    return last?.position ?? 0n;
  }

  async ping(): Promise<void> {
    await this.headPosition();
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }
}
