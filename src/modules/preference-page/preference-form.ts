import type { CategoryPreference, ChannelSwitches, Preferences } from '../../domain/recipient/events.js';
import { CHANNELS } from '../../domain/recipient/values.js';
import type { FieldError } from '../http/validation.js';

/**
 * The form's field names. A checkbox is sent as `on` when ticked and not at all when not, so
 * each category on the form also sends a hidden `category:<name>` marker: a category without
 * it was not on the form, and keeps its preferences. Category names cannot hold a colon.
 */
export const FIELDS = {
  formToken: 'form-token',
  muted: 'muted',
  channel: (channel: string) => `channel:${channel}`,
  category: (category: string) => `category:${category}`,
  categoryEnabled: (category: string) => `category:${category}:enabled`,
  categoryChannel: (category: string, channel: string) => `category:${category}:${channel}`,
};
export const TICKED = 'on';
export const SHOWN = 'shown';

const ALL_ON: ChannelSwitches = { push: true, sms: true, email: true };

/**
 * The categories a recipient chooses from: those the deployment configures (CATEGORY_POLICIES),
 * then the ones the user has preferences for, each once.
 */
export function pageCategories(configured: readonly string[], preferences: Preferences): string[] {
  return [...new Set([...configured, ...preferences.categories.map((c) => c.category)])];
}

export type FormResult = { preferences: Preferences } | { errors: FieldError[] };

/**
 * The preferences the submitted form asks for, over the current ones: fields the page does not
 * show (and preferences added later, such as quiet hours, until the page shows them) are kept as
 * they are. A category the user had no entry for gets one only when it differs from the default
 * (everything on), so saving an untouched page changes nothing.
 */
export function preferencesFromForm(form: Record<string, unknown>, current: Preferences, categories: readonly string[]): FormResult {
  const errors: FieldError[] = [];
  const ticked = (field: string): boolean => {
    const value = form[field];
    if (value === undefined) return false;
    if (value !== TICKED) errors.push({ field, messages: [`${field} is a checkbox: ${TICKED} when ticked, absent when not`] });
    return value === TICKED;
  };
  const switches = (field: (channel: string) => string): ChannelSwitches =>
    Object.fromEntries(CHANNELS.map((channel) => [channel, ticked(field(channel))])) as unknown as ChannelSwitches;

  const muted = ticked(FIELDS.muted);
  const channels = switches(FIELDS.channel);
  const byName = new Map(current.categories.map((c) => [c.category, c]));
  for (const category of categories) {
    const marker = form[FIELDS.category(category)];
    if (marker === undefined) continue;
    if (marker !== SHOWN) errors.push({ field: FIELDS.category(category), messages: [`${FIELDS.category(category)} must be ${SHOWN}`] });
    const chosen: CategoryPreference = { category, enabled: ticked(FIELDS.categoryEnabled(category)), channels: switches((channel) => FIELDS.categoryChannel(category, channel)) };
    const isDefault = chosen.enabled && CHANNELS.every((c) => chosen.channels[c]);
    if (byName.has(category) || !isDefault) byName.set(category, chosen);
  }
  if (errors.length > 0) return { errors };
  return { preferences: { ...current, muted, channels, categories: [...byName.values()] } };
}

export const categoryOf = (preferences: Preferences, category: string): CategoryPreference =>
  preferences.categories.find((c) => c.category === category) ?? { category, enabled: true, channels: ALL_ON };
