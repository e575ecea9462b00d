import type {
  ChannelSuppression,
  Delivery,
  Preferences,
  Profile,
  RecipientEvent,
} from './events.js';
import { sendsStillCounted, type SendRecord } from './history.js';
import type { RecipientPolicy } from './policy.js';
import type { Channel, Platform, PushProvider, WebPushKeys } from './values.js';

export interface Device {
  deviceId: string;
  platform: Platform;
  provider: PushProvider;
  token: string;
  keys?: WebPushKeys;
  registeredAt: string;
}

export type { SendRecord } from './history.js';

export interface IdempotencyRecord {
  key: string;
  at: number;
  notificationId: string;
  status: 'accepted' | 'suppressed';
  deliveries: Pick<Delivery, 'deliveryId' | 'channel' | 'queue'>[];
  suppressed: ChannelSuppression[];
}

export interface ContentRecord {
  hash: string;
  at: number;
  notificationId: string;
  channels: Channel[];
}

/**
 * Only what the rules need: current contact data, devices and preferences, and bounded
 * windows of recent history (sends, idempotency keys, content hashes), so state stays small
 * however long the stream grows.
 */
export interface RecipientState {
  userId: string | null;
  profile: Profile;
  devices: Device[];
  invalidatedTokens: string[];
  preferences: Preferences;
  sends: SendRecord[];
  idempotency: IdempotencyRecord[];
  recentContent: ContentRecord[];
}

/** Invalidated tokens are kept so they are never targeted again; the list is capped. */
export const MAX_REMEMBERED_INVALID_TOKENS = 200;

export const initialRecipientState = (): RecipientState => ({
  userId: null,
  profile: { email: null, phone: null, locale: null, timezone: null },
  devices: [],
  invalidatedTokens: [],
  preferences: { muted: false, channels: { push: true, sms: true, email: true }, categories: [], quietHours: null },
  sends: [],
  idempotency: [],
  recentContent: [],
});

export function createRecipientEvolve(policy: RecipientPolicy) {
  return function evolve(state: RecipientState, event: RecipientEvent): RecipientState {
    switch (event.type) {
      case 'RecipientProfileUpdated': {
        const { userId, email, phone, locale, timezone } = event.data;
        return { ...state, userId, profile: { email, phone, locale, timezone } };
      }
      case 'DeviceRegistered': {
        const { userId, deviceId, platform, provider, token, keys, registeredAt } = event.data;
        return {
          ...state,
          userId,
          devices: [...state.devices.filter((d) => d.token !== token), { deviceId, platform, provider, token, ...(keys ? { keys } : {}), registeredAt }],
        };
      }
      case 'DeviceRemoved':
        return { ...state, devices: state.devices.filter((d) => d.deviceId !== event.data.deviceId) };
      case 'DeviceTokenInvalidated':
        return {
          ...state,
          devices: state.devices.filter((d) => d.token !== event.data.token),
          invalidatedTokens: [...state.invalidatedTokens.filter((t) => t !== event.data.token), event.data.token].slice(
            -MAX_REMEMBERED_INVALID_TOKENS,
          ),
        };
      case 'PreferencesUpdated': {
        const { userId, muted, channels, categories, quietHours } = event.data;
        return { ...state, userId, preferences: { muted, channels, categories, quietHours: quietHours ?? null } };
      }
      case 'NotificationRequested':
      case 'NotificationSuppressed': {
        const d = event.data;
        const at = Date.parse(d.requestedAt);
        const deliveries = event.type === 'NotificationRequested' ? event.data.deliveries : [];
        const deliveredChannels = [...new Set(deliveries.map((x) => x.channel))];
        // Each kind of history is kept only as long as the rule that reads it can look back.
        const sends = sendsStillCounted(policy, [...state.sends, ...deliveredChannels.map((channel) => ({ at, channel, category: d.category }))], at);
        const idempotency = state.idempotency.filter((r) => at - r.at < policy.idempotencyWindowMs);
        if (d.idempotencyKey !== null) {
          idempotency.push({
            key: d.idempotencyKey,
            at,
            notificationId: d.notificationId,
            status: event.type === 'NotificationRequested' ? 'accepted' : 'suppressed',
            deliveries: deliveries.map(({ deliveryId, channel, queue }) => ({ deliveryId, channel, queue })),
            suppressed: d.suppressed,
          });
        }
        const recentContent = state.recentContent.filter((r) => at - r.at < policy.contentDedupWindowMs);
        if (deliveredChannels.length > 0 && policy.contentDedupWindowMs > 0) {
          recentContent.push({ hash: d.contentHash, at, notificationId: d.notificationId, channels: deliveredChannels });
        }
        return { ...state, sends, idempotency, recentContent };
      }
      default: {
        const never: never = event;
        return never;
      }
    }
  };
}
