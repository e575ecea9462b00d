import { DIGEST_EVENT_TYPES, type DigestFlushedData } from '../../domain/recipient/events.js';
import type { EventMetadata, RecordedEvent } from '../event-store/event-store.port.js';

/** How a recipient changes their own preferences: an email's one-click unsubscribe (or its undo), the hosted preference page, or texting a keyword. */
export const RECIPIENT_SOURCES = ['one-click', 'preference-page', 'sms-keyword'] as const;
export type RecipientSource = (typeof RECIPIENT_SOURCES)[number];

/** Who changed a user's preferences and how: the calling service (with its appKey), or the recipient themselves (for a keyword: which one, and the message's id). */
export interface ChangedBy {
  source: 'service' | RecipientSource;
  appKey?: string;
  keyword?: string;
  messageId?: string;
}

const isRecipientSource = (value: unknown): value is RecipientSource => RECIPIENT_SOURCES.includes(value as RecipientSource);

export function changedByOf(metadata: EventMetadata): ChangedBy {
  if (metadata.source === 'sms-keyword') return { source: 'sms-keyword', keyword: String(metadata.keyword), messageId: String(metadata.causationId) };
  if (isRecipientSource(metadata.source)) return { source: metadata.source };
  return { source: 'service', ...(metadata.appKey ? { appKey: metadata.appKey } : {}) };
}

/** Webhook signing secrets are kept in the log (Herald signs with them) but never shown. */
function redactSigningSecret(data: unknown): unknown {
  if (typeof data !== 'object' || data === null || !('signingSecret' in data)) return data;
  return { ...data, signingSecret: '[redacted]' };
}

const DIGEST_EVENTS: ReadonlySet<string> = new Set(DIGEST_EVENT_TYPES);

/** A digest event at a glance, so a timeline reads without opening a flush's item list. */
function digestBrief(e: RecordedEvent): Record<string, unknown> {
  const data = e.data as Partial<DigestFlushedData> & { digestId: string; windowEndsAt?: string; notificationId?: string };
  switch (e.type) {
    case 'DigestOpened':
      return { digestId: data.digestId, windowEndsAt: data.windowEndsAt };
    case 'DigestItemRemoved':
      return { digestId: data.digestId, notificationId: data.notificationId, canceledBy: e.metadata.appKey ?? null };
    default:
      return { digestId: data.digestId, reason: data.reason, count: data.count, deliveries: data.deliveries?.map((d) => d.deliveryId) ?? [] };
  }
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
    ...(DIGEST_EVENTS.has(e.type) ? { digest: digestBrief(e) } : {}),
  };
}
