import type { RecordedEvent } from '../event-store/event-store.port.js';

/** How an event is shown to auditors: type, where it sits in the log, when, what, and who asked. */
export function eventView(e: RecordedEvent) {
  return {
    streamName: e.streamName,
    type: e.type,
    revision: e.revision,
    position: e.position.toString(),
    eventId: e.id,
    time: e.createdAt.toISOString(),
    data: e.data,
    metadata: e.metadata,
  };
}
