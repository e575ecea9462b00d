import type { RecordedEvent } from '../event-store/event-store.port.js';

/** Webhook signing secrets are kept in the log (Herald signs with them) but never shown. */
function redactSigningSecret(data: unknown): unknown {
  if (typeof data !== 'object' || data === null || !('signingSecret' in data)) return data;
  return { ...data, signingSecret: '[redacted]' };
}

/** How an event is shown to auditors: type, where it sits in the log, when, what, and who asked. */
export function eventView(e: RecordedEvent) {
  return {
    streamName: e.streamName,
    type: e.type,
    revision: e.revision,
    position: e.position.toString(),
    eventId: e.id,
    time: e.createdAt.toISOString(),
    data: redactSigningSecret(e.data),
    metadata: e.metadata,
  };
}
