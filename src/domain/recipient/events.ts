import { keysOf } from '../shared/keys-of.js';
import type { DigestItem } from './digest.js';
import type { LocalSendAt } from './local-time.js';
import type { Deferral, QuietHours } from './quiet-hours.js';
import type { Channel, Platform, Priority, PushProvider, SuppressionReason, WebPushKeys } from './values.js';

export interface Profile {
  email: string | null;
  phone: string | null;
  locale: string | null;
  timezone: string | null;
}

export interface ChannelSwitches {
  push: boolean;
  sms: boolean;
  email: boolean;
  /** The in-app feed; absent from events written before it existed: on. */
  inapp: boolean;
}

export interface CategoryPreference {
  category: string;
  /** false opts the user out of the whole category. */
  enabled: boolean;
  channels: ChannelSwitches;
}

export interface Preferences {
  /** A global mute: nothing but critical categories' opt-in is honoured while muted. */
  muted: boolean;
  channels: ChannelSwitches;
  categories: CategoryPreference[];
  /** The user's own quiet hours; null: none of their own (the category's default applies). */
  quietHours: QuietHours | null;
}

export type NotificationContent =
  | { kind: 'template'; templateId: string; version: number; params: Record<string, unknown> }
  | {
      kind: 'inline';
      title?: string;
      body?: string;
      subject?: string;
      text?: string;
      html?: string;
      data?: Record<string, string>;
      /** Where an in-app item leads when the user opens it. */
      actionUrl?: string;
    };

export type DeliveryTarget =
  /** `keys` only for webpush, whose token is the subscription's endpoint. */
  | { channel: 'push'; deviceId: string; platform: Platform; provider: PushProvider; token: string; keys?: WebPushKeys }
  | { channel: 'sms'; phone: string }
  | { channel: 'email'; email: string }
  /** The user's in-app feed: every registered user has one, no contact data needed. */
  | { channel: 'inapp'; userId: string };

export interface Delivery {
  deliveryId: string;
  channel: Channel;
  /** The provider queue this delivery goes to: apns, fcm, webpush, sms, email or inapp. */
  queue: PushProvider | 'sms' | 'email' | 'inapp';
  target: DeliveryTarget;
  /** Held back by quiet hours: sent at `until`, not before. Absent: due at sendAt (or at once). */
  deferred?: Deferral;
}

export type OptOutLevel = 'global' | 'channel' | 'category' | 'category_channel';

export interface ChannelSuppression {
  channel: Channel;
  reason: SuppressionReason;
  /** Why, precisely enough for an auditor: which opt-out, which window, which original. */
  detail: {
    level?: OptOutLevel;
    category?: string;
    limit?: number;
    windowSeconds?: number;
    count?: number;
    duplicateOf?: string;
  };
}

export interface NotificationDecision {
  notificationId: string;
  userId: string;
  category: string;
  /** Channels the caller asked for, or null when Herald chose every channel with a target. */
  requestedChannels: Channel[] | null;
  content: NotificationContent;
  contentHash: string;
  priority: Priority;
  /** When to send (null: at once); for a local-time send, the instant it came to. */
  sendAt: string | null;
  /** A local-time send as asked, with the zone it was read in. */
  localSendAt?: LocalSendAt & { timezone: string };
  idempotencyKey: string | null;
  /** Set when the request is one member's share of a broadcast. */
  broadcastId?: string;
  critical: boolean;
  suppressed: ChannelSuppression[];
  requestedAt: string;
  /** Channels collected into a digest instead of delivered now: which digest, and when its window ends. */
  digested?: { digestId: string; channels: Channel[]; windowEndsAt: string };
}

/** A digest window opened by the first notification of a digest category. */
export interface DigestOpenedData {
  userId: string;
  digestId: string;
  category: string;
  templateId: string;
  channels: Channel[];
  maxItems: number;
  windowEndsAt: string;
  openedAt: string;
}

/** A digest sent: its items (canceled ones removed) and one delivery per channel, or none when no item is left. */
export interface DigestFlushedData {
  userId: string;
  digestId: string;
  category: string;
  templateId: string;
  /** window_ended: its window's end passed; max_items: it was full. */
  reason: 'window_ended' | 'max_items';
  items: DigestItem[];
  count: number;
  firstAt: string | null;
  lastAt: string | null;
  /** Items canceled before the flush. */
  removed: string[];
  deliveries: Delivery[];
  suppressed: ChannelSuppression[];
  flushedAt: string;
}

export type RecipientEvent =
  | { type: 'RecipientProfileUpdated'; data: Profile & { userId: string; updatedAt: string } }
  | {
      type: 'DeviceRegistered';
      data: {
        userId: string;
        deviceId: string;
        platform: Platform;
        provider: PushProvider;
        token: string;
        /** A webpush subscription's keys; absent for APNs and FCM. */
        keys?: WebPushKeys;
        registeredAt: string;
      };
    }
  | {
      type: 'DeviceRemoved';
      data: { userId: string; deviceId: string; reason: 'removed' | 'token_moved'; removedAt: string };
    }
  | {
      type: 'DeviceTokenInvalidated';
      data: { userId: string; deviceId: string; token: string; reason: string; invalidatedAt: string };
    }
  /** quietHours is absent from events written before there were quiet hours: none. */
  /** quietHours and each `inapp` switch are absent from events written before there were any: none, and on. */
  | { type: 'PreferencesUpdated'; data: Omit<Preferences, 'quietHours'> & { quietHours?: QuietHours | null; userId: string; updatedAt: string } }
  | NotificationDecisionEvent
  | DigestEvent;

/** A digest window's life on the user's stream: opened, items canceled out of it, flushed. */
export type DigestEvent =
  | { type: 'DigestOpened'; data: DigestOpenedData }
  | { type: 'DigestItemRemoved'; data: { userId: string; digestId: string; notificationId: string; removedAt: string } }
  | { type: 'DigestFlushed'; data: DigestFlushedData };

/** What Herald decided about a send request: deliveries to make, or none and why. */
export type NotificationDecisionEvent =
  | { type: 'NotificationRequested'; data: NotificationDecision & { deliveries: Delivery[] } }
  | { type: 'NotificationSuppressed'; data: NotificationDecision };

export type RecipientEventType = RecipientEvent['type'];

export const RECIPIENT_EVENT_TYPES = keysOf({
  RecipientProfileUpdated: true,
  DeviceRegistered: true,
  DeviceRemoved: true,
  DeviceTokenInvalidated: true,
  PreferencesUpdated: true,
  NotificationRequested: true,
  NotificationSuppressed: true,
  DigestOpened: true,
  DigestItemRemoved: true,
  DigestFlushed: true,
} satisfies Record<RecipientEventType, true>);

export const DIGEST_EVENT_TYPES = keysOf({
  DigestOpened: true,
  DigestItemRemoved: true,
  DigestFlushed: true,
} satisfies Record<DigestEvent['type'], true>);

export const NOTIFICATION_DECISION_TYPES = keysOf({
  NotificationRequested: true,
  NotificationSuppressed: true,
} satisfies Record<NotificationDecisionEvent['type'], true>);

export const recipientStream = (userId: string): string => `recipient-${userId}`;
