import type { NotificationContent, Preferences, Profile } from './events.js';
import type { LocalSendAt } from './local-time.js';
import type { Channel, Platform, Priority, PushProvider, WebPushKeys } from './values.js';

/** Every command carries the time it is decided at (`now`, epoch ms): the domain reads no clock. */
export type RecipientCommand =
  | { type: 'UpdateProfile'; userId: string; profile: Profile; now: number }
  | {
      type: 'RegisterDevice';
      userId: string;
      deviceId: string;
      platform: Platform;
      provider: PushProvider;
      /** The push token; for webpush, the subscription's endpoint. */
      token: string;
      /** A webpush subscription's keys; null for the other providers. */
      keys: WebPushKeys | null;
      now: number;
    }
  | { type: 'RemoveDevice'; userId: string; deviceId: string; reason: 'removed' | 'token_moved'; now: number }
  | { type: 'InvalidateDeviceToken'; userId: string; token: string; reason: string; now: number }
  | { type: 'UpdatePreferences'; userId: string; preferences: Preferences; now: number }
  /** The recipient themselves switches one category's channel, e.g. by one-click unsubscribe: the rest of the preferences stay as they are now. */
  | { type: 'SetCategoryChannel'; userId: string; category: string; channel: Channel; enabled: boolean; now: number }
  /** The recipient themselves switches a channel for every category, e.g. by texting STOP: the rest of the preferences stay as they are now. */
  | { type: 'SetChannel'; userId: string; channel: Channel; enabled: boolean; now: number }
  | {
      type: 'RequestNotification';
      userId: string;
      notificationId: string;
      category: string;
      channels: Channel[] | null;
      content: NotificationContent;
      /** A digest of category and content, computed outside the domain. */
      contentHash: string;
      priority: Priority;
      sendAt: number | null;
      /** Instead of sendAt: a wall-clock time in the recipient's time zone, resolved by the decision. */
      localSendAt?: LocalSendAt;
      idempotencyKey: string | null;
      /** The broadcast this request is one member's share of. */
      broadcastId?: string;
      now: number;
    }

  /** A digest's window has ended: send it (nothing when it was already sent). */
  | { type: 'FlushDigest'; userId: string; digestId: string; now: number }
  /** A collected notification is canceled before its digest is sent. */
  | { type: 'RemoveDigestItem'; userId: string; notificationId: string; now: number };

export type RequestNotification = Extract<RecipientCommand, { type: 'RequestNotification' }>;
