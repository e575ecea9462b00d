import type { Delivery, NotificationDecision } from './events.js';
import { isCritical, timezoneFor, type RecipientPolicy } from './policy.js';
import { quietHoursEnd, type Deferral } from './quiet-hours.js';
import type { RecipientState } from './state.js';
import type { Channel } from './values.js';

/**
 * The quiet hours that hold a delivery on `channel` back, when it would be sent at `at`.
 * Critical categories are never held back. The user's own window, when they set one, is the
 * only one that applies: they know their nights, and the category's default is the sender's
 * guess for users who said nothing (so a user can also narrow it to some days or channels).
 */
export function quietHoursDeferral(
  policy: RecipientPolicy,
  state: RecipientState,
  category: string,
  channel: Channel,
  at: number,
): Deferral | undefined {
  if (isCritical(policy, category)) return undefined;
  const own = state.preferences.quietHours;
  const categoryDefault = policy.categories[category]?.quietHours;
  const [window, source] = own ? [own, 'user' as const] : categoryDefault ? [categoryDefault, 'category' as const] : [undefined, undefined];
  if (!window || (window.channels && !window.channels.includes(channel))) return undefined;
  const timezone = timezoneFor(policy, state.profile.timezone, category);
  const until = quietHoursEnd(window, timezone, at);
  return until === null ? undefined : { until: new Date(until).toISOString(), reason: 'quiet_hours', source, timezone, window };
}

/** When a delivery is due: the end of its deferral, else the decision's sendAt; null: at once. */
export const deliveryDueAt = (decision: Pick<NotificationDecision, 'sendAt'>, delivery: Pick<Delivery, 'deferred'>): string | null =>
  delivery.deferred?.until ?? decision.sendAt;
