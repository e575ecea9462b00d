import type { CategoryPreference, ChannelSwitches, Preferences } from '../../domain/recipient/events.js';
import { WEEKDAYS, type QuietHours, type Weekday } from '../../domain/recipient/quiet-hours.js';
import { ALL_CHANNELS_ON, CHANNELS, type Channel } from '../../domain/recipient/values.js';
import { parseTime } from '../../domain/recipient/wall-clock.js';
import type { FieldError } from '../http/validation.js';

/**
 * The form's field names. A checkbox is sent as `on` when ticked and not at all when not, so
 * each category on the form also sends a hidden `category:<name>` marker: a category without
 * it was not on the form, and keeps its preferences. Category names cannot hold a colon.
 * Quiet hours likewise send a `quiet-hours` marker.
 */
export const FIELDS = {
  formToken: 'form-token',
  muted: 'muted',
  channel: (channel: string) => `channel:${channel}`,
  category: (category: string) => `category:${category}`,
  categoryEnabled: (category: string) => `category:${category}:enabled`,
  categoryChannel: (category: string, channel: string) => `category:${category}:${channel}`,
  quietHours: 'quiet-hours',
  quietHoursEnabled: 'quiet-hours:enabled',
  quietHoursStart: 'quiet-hours:start',
  quietHoursEnd: 'quiet-hours:end',
  quietHoursDay: (day: string) => `quiet-hours:day:${day}`,
  quietHoursChannel: (channel: string) => `quiet-hours:channel:${channel}`,
};
export const TICKED = 'on';
export const SHOWN = 'shown';

const ALL_ON: ChannelSwitches = { ...ALL_CHANNELS_ON };

/** What the page offers a user who has no quiet hours yet, once they tick the box: a night. */
const SUGGESTED_WINDOW = { start: '22:00', end: '07:00' };

/**
 * The quiet-hours fieldset as shown: times as text (as typed, when the page comes back with an
 * error), and every day and channel ticked for a window that names none.
 */
export interface QuietHoursForm {
  enabled: boolean;
  start: string;
  end: string;
  days: Weekday[];
  channels: Channel[];
}

/** A time the person typed that is not one, or an end equal to the start: the page comes back saying so. */
export interface TimeProblem {
  field: typeof FIELDS.quietHoursStart | typeof FIELDS.quietHoursEnd;
  problem: 'not_a_time' | 'same_as_start';
}

export const quietHoursFormOf = (window: QuietHours | null): QuietHoursForm => ({
  enabled: window !== null,
  start: window?.start ?? SUGGESTED_WINDOW.start,
  end: window?.end ?? SUGGESTED_WINDOW.end,
  days: window?.days ?? [...WEEKDAYS],
  channels: window?.channels ?? [...CHANNELS],
});

/**
 * The categories a recipient chooses from: those the deployment configures (CATEGORY_POLICIES),
 * then the ones the user has preferences for, each once.
 */
export function pageCategories(configured: readonly string[], preferences: Preferences): string[] {
  return [...new Set([...configured, ...preferences.categories.map((c) => c.category)])];
}

export type FormResult =
  | { preferences: Preferences }
  /** Something no page sends (a checkbox that is not `on`, a field given twice): a JSON 400 naming it. */
  | { errors: FieldError[] }
  /** A person's typing mistake: the page again, with what they chose and typed, and the problems. */
  | { retype: { preferences: Preferences; quietHours: QuietHoursForm; problems: TimeProblem[] } };

/**
 * A time as a person types it where the browser shows a text box: `HH:MM`, or `H:MM` (a native
 * time input always sends `HH:MM`). Undefined when it is not a time.
 */
export function typedTime(text: string): string | undefined {
  const match = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!match) return undefined;
  const time = `${match[1]!.padStart(2, '0')}:${match[2]}`;
  return parseTime(time) ? time : undefined;
}

/**
 * The preferences the submitted form asks for, over the current ones: fields the page does not
 * show are kept as they are, and so are the quiet hours when the form did not carry them. A
 * category the user had no entry for gets one only when it differs from the default
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
  const text = (field: string): string => {
    const value = form[field];
    if (value === undefined || typeof value === 'string') return value ?? '';
    errors.push({ field, messages: [`${field} is a text field: one value`] });
    return '';
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

  let quietHours = current.quietHours;
  let retyped: { form: QuietHoursForm; problems: TimeProblem[] } | undefined;
  const marker = form[FIELDS.quietHours];
  if (marker !== undefined) {
    if (marker !== SHOWN) errors.push({ field: FIELDS.quietHours, messages: [`${FIELDS.quietHours} must be ${SHOWN}`] });
    const typed: QuietHoursForm = {
      enabled: ticked(FIELDS.quietHoursEnabled),
      start: text(FIELDS.quietHoursStart),
      end: text(FIELDS.quietHoursEnd),
      days: WEEKDAYS.filter((day) => ticked(FIELDS.quietHoursDay(day))),
      channels: CHANNELS.filter((channel) => ticked(FIELDS.quietHoursChannel(channel))),
    };
    const window = typed.enabled ? quietHoursFrom(typed) : null;
    if (window && 'problems' in window) retyped = { form: typed, problems: window.problems };
    else quietHours = window && sameWindow(window, current.quietHours) ? current.quietHours : window;
  }

  if (errors.length > 0) return { errors };
  const preferences: Preferences = { ...current, muted, channels, categories: [...byName.values()], quietHours };
  return retyped ? { retype: { preferences, quietHours: retyped.form, problems: retyped.problems } } : { preferences };
}

/**
 * The window the ticked form describes. No day ticked, or all of them, is every day (a window
 * on no day would be no window, and that is what the checkbox above says); channels likewise.
 */
function quietHoursFrom(typed: QuietHoursForm): QuietHours | { problems: TimeProblem[] } {
  const start = typedTime(typed.start);
  const end = typedTime(typed.end);
  const problems: TimeProblem[] = [];
  if (!start) problems.push({ field: FIELDS.quietHoursStart, problem: 'not_a_time' });
  if (!end) problems.push({ field: FIELDS.quietHoursEnd, problem: 'not_a_time' });
  else if (end === start) problems.push({ field: FIELDS.quietHoursEnd, problem: 'same_as_start' });
  if (problems.length > 0 || !start || !end) return { problems };
  const some = <T>(chosen: T[], all: readonly T[]) => (chosen.length === 0 || chosen.length === all.length ? undefined : chosen);
  const days = some(typed.days, WEEKDAYS);
  const channels = some(typed.channels, CHANNELS);
  return { start, end, ...(days ? { days } : {}), ...(channels ? { channels } : {}) };
}

/** The same window, however its days and channels are spelled: every one listed is no list. */
function sameWindow(a: QuietHours, b: QuietHours | null): boolean {
  if (!b) return false;
  const list = <T>(value: T[] | undefined, all: readonly T[]) => all.filter((x) => !value || value.includes(x)).join();
  return a.start === b.start && a.end === b.end && list(a.days, WEEKDAYS) === list(b.days, WEEKDAYS) && list(a.channels, CHANNELS) === list(b.channels, CHANNELS);
}

export const categoryOf = (preferences: Preferences, category: string): CategoryPreference =>
  preferences.categories.find((c) => c.category === category) ?? { category, enabled: true, channels: ALL_ON };
