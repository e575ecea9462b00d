import type { DeliveryTarget } from './events.js';
import type { RecipientState } from './state.js';
import type { Channel } from './values.js';

/**
 * The last word before a provider is called: the user's preferences and devices as they are
 * now, not as they were at the decision. A delivery decided before an opt-out, but not yet
 * sent, is not sent.
 */
export function sendTimeBlock(
  state: RecipientState,
  category: string,
  channel: Channel,
  target: DeliveryTarget,
): 'opted_out' | 'token_invalidated' | 'device_removed' | null {
  const prefs = state.preferences;
  const cat = prefs.categories.find((c) => c.category === category);
  if (prefs.muted || !prefs.channels[channel] || (cat && (!cat.enabled || !cat.channels[channel]))) return 'opted_out';
  if (target.channel === 'push' && !state.devices.some((d) => d.token === target.token)) {
    return state.invalidatedTokens.includes(target.token) ? 'token_invalidated' : 'device_removed';
  }
  return null;
}

/**
 * The target as it is now. A browser that subscribes again keeps its endpoint and gets new
 * keys; a job queued before that must encrypt for the new keys, or the browser cannot read it.
 */
export function currentTarget(state: RecipientState, target: DeliveryTarget): DeliveryTarget {
  if (target.channel !== 'push') return target;
  const keys = state.devices.find((d) => d.token === target.token)?.keys;
  return keys ? { ...target, keys } : target;
}
