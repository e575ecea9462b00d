import type { EventMetadata, RecordedEvent } from '../event-store/event-store.port.js';

/** Who changed a user's preferences and how: the calling service (with its appKey), or the recipient by one-click unsubscribe. */
export interface ChangedBy {
  source: 'service' | 'one-click';
  appKey?: string;
}

export function changedByOf(metadata: EventMetadata): ChangedBy {
  if (metadata.source === 'one-click') return { source: 'one-click' };
  return { source: 'service', ...(metadata.appKey ? { appKey: metadata.appKey } : {}) };
}

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
    ...(e.type === 'PreferencesUpdated' ? { changedBy: changedByOf(e.metadata) } : {}),
  };
}
