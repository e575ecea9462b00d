import type { Upcaster } from '../../domain/shared/upcasters.js';
import type { AppendResult, EventData, EventStore, ExpectedRevision, ReadAllOptions, ReadStreamOptions, RecordedEvent, SubscribeOptions, Subscription } from './event-store.port.js';

const versionOf = (event: RecordedEvent): number => event.metadata.schemaVersion ?? 1;

export function upcast(event: RecordedEvent, upcasters: readonly Upcaster[]): RecordedEvent {
  let current = event;
  for (;;) {
    const step = upcasters.find((u) => u.type === current.type && u.fromVersion === versionOf(current));
    if (!step) return current;
    current = { ...current, data: step.upcast(current.data), metadata: { ...current.metadata, schemaVersion: step.fromVersion + 1 } };
  }
}

/** Wraps a store so every event read comes out at its current schema version. */
export function withUpcasting(store: EventStore, upcasters: readonly Upcaster[]): EventStore {
  if (upcasters.length === 0) return store;
  const up = (events: RecordedEvent[]) => events.map((e) => upcast(e, upcasters));
  return {
    append: (stream: string, events: EventData[], expected: ExpectedRevision): Promise<AppendResult> => store.append(stream, events, expected),
    readStream: async (stream: string, options?: ReadStreamOptions) => up(await store.readStream(stream, options)),
    readAll: async (options?: ReadAllOptions) => up(await store.readAll(options)),
    subscribeToAll(options?: SubscribeOptions): Subscription {
      const inner = store.subscribeToAll(options);
      return {
        close: () => inner.close(),
        scannedPosition: () => inner.scannedPosition(),
        async *[Symbol.asyncIterator]() {
          for await (const event of inner) yield upcast(event, upcasters);
        },
      };
    },
    headPosition: () => store.headPosition(),
    ping: () => store.ping(),
    close: () => store.close(),
  };
}
