import type {
  ChannelSwitches,
  ChannelSuppression,
  Delivery,
  NotificationContent,
  NotificationDecision,
  Preferences,
  Profile,
  RecipientEvent,
} from './events.js';
import type { DigestItem, OpenDigest } from './digest.js';
import { sendsStillCounted, type SendRecord } from './history.js';
import type { RecipientPolicy } from './policy.js';
import { ALL_CHANNELS_ON, type Channel, type Platform, type PushProvider, type WebPushKeys } from './values.js';

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
  digested?: NotificationDecision['digested'];
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
  /** The open digest window of each digest category, with the items collected so far. */
  digests: Record<string, OpenDigest>;
}

/** Invalidated tokens are kept so they are never targeted again; the list is capped. */
export const MAX_REMEMBERED_INVALID_TOKENS = 200;

export const initialRecipientState = (): RecipientState => ({
  userId: null,
  profile: { email: null, phone: null, locale: null, timezone: null },
  devices: [],
  invalidatedTokens: [],
  preferences: { muted: false, channels: { ...ALL_CHANNELS_ON }, categories: [], quietHours: null },
  sends: [],
  idempotency: [],
  recentContent: [],
  digests: {},
});

/** The category's open digest; own keys only, so no category name can reach Object.prototype. */
export const categoryDigest = (state: RecipientState, category: string): OpenDigest | undefined =>
  Object.hasOwn(state.digests, category) ? state.digests[category] : undefined;

/** The open digest with this id, whichever category it collects. */
export const openDigest = (state: RecipientState, digestId: string): OpenDigest | undefined => Object.values(state.digests).find((d) => d.digestId === digestId);

/** The item a notification became in its digest: what the digest template is given about it. */
export function digestItemOf(d: { notificationId: string; requestedAt: string; content: NotificationContent }, channels: DigestItem['channels']): DigestItem {
  const { kind: _kind, ...fields } = d.content;
  return {
    notificationId: d.notificationId,
    at: d.requestedAt,
    params: d.content.kind === 'template' ? d.content.params : {},
    content: d.content.kind === 'template' ? { templateId: d.content.templateId, version: d.content.version } : fields,
    channels,
  };
}

const withoutDigest = (digests: Record<string, OpenDigest>, category: string): Record<string, OpenDigest> =>
  Object.fromEntries(Object.entries(digests).filter(([c]) => c !== category));

/**
 * Switches in one key order (so equal preferences compare equal as JSON), the in-app feed on
 * where an event written before it existed does not name it.
 */
export const switches = (c: Omit<ChannelSwitches, 'inapp'> & { inapp?: boolean }): ChannelSwitches => ({ push: c.push, sms: c.sms, email: c.email, inapp: c.inapp ?? true });

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
        const preferences = { muted, channels: switches(channels), categories: categories.map((c) => ({ ...c, channels: switches(c.channels) })), quietHours: quietHours ?? null };
        return { ...state, userId, preferences };
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
            ...(d.digested ? { digested: d.digested } : {}),
          });
        }
        const recentContent = state.recentContent.filter((r) => at - r.at < policy.contentDedupWindowMs);
        if (deliveredChannels.length > 0 && policy.contentDedupWindowMs > 0) {
          recentContent.push({ hash: d.contentHash, at, notificationId: d.notificationId, channels: deliveredChannels });
        }
        const open = d.digested ? categoryDigest(state, d.category) : undefined;
        const digests =
          open && d.digested && open.digestId === d.digested.digestId
            ? { ...state.digests, [d.category]: { ...open, items: [...open.items, digestItemOf(d, d.digested.channels)] } }
            : state.digests;
        return { ...state, sends, idempotency, recentContent, digests };
      }
      case 'DigestOpened': {
        const d = event.data;
        const digest: OpenDigest = { digestId: d.digestId, category: d.category, templateId: d.templateId, windowEndsAt: Date.parse(d.windowEndsAt), maxItems: d.maxItems, items: [], removed: [] };
        return { ...state, digests: { ...state.digests, [d.category]: digest } };
      }
      case 'DigestItemRemoved': {
        const d = event.data;
        const entry = Object.entries(state.digests).find(([, o]) => o.digestId === d.digestId);
        if (!entry) return state;
        const [category, open] = entry;
        const next = { ...open, items: open.items.filter((i) => i.notificationId !== d.notificationId), removed: [...open.removed, d.notificationId] };
        return { ...state, digests: { ...state.digests, [category]: next } };
      }
      case 'DigestFlushed': {
        const d = event.data;
        const at = Date.parse(d.flushedAt);
        const channels = [...new Set(d.deliveries.map((x) => x.channel))];
        const sends = sendsStillCounted(policy, [...state.sends, ...channels.map((channel) => ({ at, channel, category: d.category }))], at);
        const digests = categoryDigest(state, d.category)?.digestId === d.digestId ? withoutDigest(state.digests, d.category) : state.digests;
        return { ...state, sends, digests };
      }
      default: {
        const never: never = event;
        return never;
      }
    }
  };
}
