import type { ChannelSuppression, DeliveryTarget } from './events.js';
import type { RecipientState } from './state.js';
import type { Channel, PushProvider } from './values.js';

/** Where a channel reaches the user now: each device, the phone, the email, their in-app feed. */
export function targetsFor(state: RecipientState, channel: Channel): DeliveryTarget[] {
  switch (channel) {
    case 'push':
      return state.devices.map((d) => ({ channel, deviceId: d.deviceId, platform: d.platform, provider: d.provider, token: d.token, ...(d.keys ? { keys: d.keys } : {}) }));
    case 'sms':
      return state.profile.phone ? [{ channel, phone: state.profile.phone }] : [];
    case 'email':
      return state.profile.email ? [{ channel, email: state.profile.email }] : [];
    case 'inapp':
      return state.userId ? [{ channel, userId: state.userId }] : [];
  }
}

export function optOut(state: RecipientState, category: string, channel: Channel): ChannelSuppression | undefined {
  const prefs = state.preferences;
  const at = (level: ChannelSuppression['detail']['level']): ChannelSuppression => ({
    channel,
    reason: 'opted_out',
    detail: { level, category },
  });
  if (prefs.muted) return at('global');
  if (!prefs.channels[channel]) return at('channel');
  const cat = prefs.categories.find((c) => c.category === category);
  if (cat && !cat.enabled) return at('category');
  if (cat && !cat.channels[channel]) return at('category_channel');
  return undefined;
}


/** The provider queue a target's delivery goes to: its push provider's, or its channel's. */
export const queueOf = (target: DeliveryTarget): PushProvider | 'sms' | 'email' | 'inapp' => (target.channel === 'push' ? target.provider : target.channel);
