import { randomUUID } from 'node:crypto';
import type { Decider } from '../../domain/shared/decider.js';
import {
  EventStoreUnavailableError,
  WrongExpectedRevisionError,
  type EventMetadata,
  type EventStore,
} from '../event-store/event-store.port.js';

export interface ActorSystemOptions {
  /** Most actors kept in memory; the least recently used idle ones go first. */
  maxActors: number;
  /** An actor unused for this long is evicted. */
  idleMs: number;
  /** How many times a command is decided again after losing a race with another writer. */
  maxConflictRetries?: number;
  /** Longest pause (ms) before deciding again after repeated conflicts. */
  maxConflictBackoffMs?: number;
  /** Most actors a scan keeps (see `ScanOption`); a tenth of maxActors, at least 100, unless told. */
  maxScanActors?: number;
}

/**
 * A scan (a broadcast's fan-out and its deliveries) touches each of many streams once: the
 * actors it loads wait in a small segment of their own, so they never push out the actors of
 * the streams in everyday use. A scan's call to an actor already cached uses it as any call
 * does; any other call moves a scanned actor into the main cache.
 */
export interface ScanOption {
  scan?: boolean;
}

export interface Decided<S, E> {
  events: E[];
  state: S;
  /** Stream revision after the command (-1: the stream does not exist). */
  revision: number;
}

export type DomainEvent = { type: string; data: unknown };

class Actor<S> {
  state: S;
  revision = -1;
  loaded = false;
  pending = 0;
  lastUsed = 0;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(initial: S) {
    this.state = initial;
  }

  /** The mailbox: tasks run one at a time, in arrival order. */
  enqueue<T>(task: () => Promise<T>): Promise<T> {
    this.pending += 1;
    const run = this.tail.then(task);
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run.finally(() => {
      this.pending -= 1;
    });
  }
}

/**
 * One actor per aggregate instance (per user, per token): commands for one id run one at a
 * time; different ids run in parallel. The actor caches state and revision so the hot path
 * reads nothing; correctness rests on the expected revision of every append, never on the
 * cache: on a conflict the actor catches up from the stream and decides again.
 */
export class ActorSystem<C, S, E extends DomainEvent> {
  private readonly actors = new Map<string, Actor<S>>();
  private readonly scanned = new Map<string, Actor<S>>();
  private readonly maxScanActors: number;
  private readonly sweeper: NodeJS.Timeout;
  private readonly knownTypes: Set<string> | null;

  constructor(
    private readonly store: EventStore,
    private readonly decider: Decider<C, S, E>,
    private readonly streamName: (id: string) => string,
    private readonly options: ActorSystemOptions,
    knownEventTypes?: readonly string[],
    private readonly eventId: (event: E) => string = () => randomUUID(),
  ) {
    this.knownTypes = knownEventTypes ? new Set(knownEventTypes) : null;
    this.maxScanActors = options.maxScanActors ?? Math.max(100, Math.floor(options.maxActors / 10));
    this.sweeper = setInterval(() => this.evictIdle(Date.now()), Math.max(1000, Math.min(options.idleMs, 30_000)));
    this.sweeper.unref();
  }

  get size(): number {
    return this.actors.size + this.scanned.size;
  }

  execute(id: string, command: C, metadata: EventMetadata = {}, options: ScanOption = {}): Promise<Decided<S, E>> {
    const actor = this.actorFor(id, options.scan === true);
    return actor.enqueue(async () => {
      const retries = this.options.maxConflictRetries ?? 50;
      for (let attempt = 0; ; attempt++) {
        if (!actor.loaded) await this.load(id, actor);
        const events = this.decider.decide(command, actor.state);
        if (events.length === 0) return { events, state: actor.state, revision: actor.revision };
        try {
          const result = await this.store.append(
            this.streamName(id),
            events.map((e) => ({ id: this.eventId(e), type: e.type, data: e.data, metadata: { schemaVersion: 1, ...metadata } })),
            actor.revision < 0 ? 'no_stream' : actor.revision,
          );
          actor.state = events.reduce((s, e) => this.decider.evolve(s, e), actor.state);
          actor.revision = result.nextRevision;
          return { events, state: actor.state, revision: actor.revision };
        } catch (error) {
          if (error instanceof WrongExpectedRevisionError && attempt < retries) {
            // Another process writes this stream too. The one that just won has its next command
            // ready while this one must first read what it missed, so under a burst it can keep
            // losing: after the first retries, wait a random, growing moment to break the rhythm.
            if (attempt >= 2) await new Promise((r) => setTimeout(r, Math.random() * Math.min(this.options.maxConflictBackoffMs ?? 50, 2 ** attempt)));
            await this.load(id, actor, true);
            continue;
          }
          if (error instanceof WrongExpectedRevisionError) {
            actor.loaded = false;
            throw new EventStoreUnavailableError(`${this.streamName(id)} is contended: ${retries} conflicts in a row; nothing was written`, { cause: error });
          }
          // Whether a failed append landed is unknown: read the stream again next time.
          actor.loaded = false;
          throw error;
        } finally {
          actor.lastUsed = Date.now();
        }
      }
    });
  }

  /**
   * The current state, seen after every command already in the mailbox. `fresh` also reads
   * what other processes appended since the cache was filled (a send-time re-check needs it).
   */
  read(id: string, options: { fresh?: boolean } & ScanOption = {}): Promise<{ state: S; revision: number }> {
    const actor = this.actorFor(id, options.scan === true);
    return actor.enqueue(async () => {
      if (!actor.loaded) await this.load(id, actor);
      else if (options.fresh) await this.load(id, actor, true);
      actor.lastUsed = Date.now();
      return { state: actor.state, revision: actor.revision };
    });
  }

  /** The id's actor, now the most recently used of its cache: a scanned one moves to the main cache unless a scan asks. */
  private actorFor(id: string, scan: boolean): Actor<S> {
    const cached = this.actors.get(id);
    const actor = cached ?? this.scanned.get(id) ?? new Actor(this.decider.initialState());
    // Re-inserted, so each Map's order is least recently used first.
    this.actors.delete(id);
    this.scanned.delete(id);
    const [cache, max] = scan && !cached ? [this.scanned, this.maxScanActors] : [this.actors, this.options.maxActors];
    if (cache.size >= max) evictOldest(cache, max);
    cache.set(id, actor);
    actor.lastUsed = Date.now();
    return actor;
  }

  /** Reads the stream from where the cache ends (or from the start) and folds it in. */
  private async load(id: string, actor: Actor<S>, catchUp = false): Promise<void> {
    if (!catchUp || !actor.loaded) {
      actor.state = this.decider.initialState();
      actor.revision = -1;
    }
    const events = await this.store.readStream(this.streamName(id), { fromRevision: actor.revision + 1 });
    for (const e of events) {
      if (this.knownTypes === null || this.knownTypes.has(e.type)) {
        actor.state = this.decider.evolve(actor.state, { type: e.type, data: e.data } as E);
      }
      actor.revision = e.revision;
    }
    actor.loaded = true;
  }

  evictIdle(now: number): void {
    for (const cache of [this.actors, this.scanned]) {
      for (const [id, actor] of cache) {
        if (actor.pending === 0 && now - actor.lastUsed >= this.options.idleMs) cache.delete(id);
      }
    }
  }

  close(): void {
    clearInterval(this.sweeper);
    this.actors.clear();
    this.scanned.clear();
  }
}

/** Down to nine tenths of `max`, least recently used first, never an actor with work in its mailbox. */
function evictOldest<S>(cache: Map<string, Actor<S>>, max: number): void {
  const target = Math.floor(max * 0.9);
  for (const [id, actor] of cache) {
    if (cache.size <= target) break;
    if (actor.pending === 0) cache.delete(id);
  }
}
