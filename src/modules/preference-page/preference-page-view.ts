import type { Preferences } from '../../domain/recipient/events.js';
import { WEEKDAYS, type Weekday } from '../../domain/recipient/quiet-hours.js';
import { CHANNELS } from '../../domain/recipient/values.js';
import { escapeHtml } from '../tracking/email-links.js';
import type { PageMessages } from './messages.js';
import { FIELDS, SHOWN, TICKED, categoryOf, type QuietHoursForm, type TimeProblem } from './preference-form.js';

export interface PreferencePageView {
  messages: PageMessages;
  /** Where the form posts: the page's own path. */
  action: string;
  formToken: string;
  preferences: Preferences;
  categories: string[];
  saved: boolean;
  /** The page's language, for the names of the days. */
  lang: string;
  quietHours: QuietHoursForm;
  /** The zone quiet hours are read in, and whether it is the one on the user's profile. */
  timezone: { name: string; fromProfile: boolean };
  /** Mistakes in the typed times: the page says what was not saved and why. */
  problems: TimeProblem[];
}

/** A checkbox inside its label: the label names it for screen readers and makes the whole text clickable. */
const checkbox = (name: string, checked: boolean, label: string, describedBy?: string): string =>
  `<label><input type="checkbox" name="${escapeHtml(name)}" value="${TICKED}"${checked ? ' checked' : ''}${describedBy ? ` aria-describedby="${describedBy}"` : ''}> ${escapeHtml(label)}</label>`;

/**
 * The page is one form of native checkboxes (keyboard: Tab to move, Space to toggle) grouped
 * by fieldsets whose legends give each checkbox its context, and it works without script.
 */
export function preferencePageBody(view: PreferencePageView): string {
  const { messages: m, action, formToken, preferences, categories, saved, problems } = view;
  const channelBoxes = (field: (channel: string) => string, switches: Preferences['channels']) => CHANNELS.map((c) => checkbox(field(c), switches[c], m.channel[c])).join('\n');
  const categoryFieldsets = categories.map((name) => {
    const category = categoryOf(preferences, name);
    return `<fieldset>
<legend>${escapeHtml(name)}</legend>
<input type="hidden" name="${escapeHtml(FIELDS.category(name))}" value="${SHOWN}">
<p>${checkbox(FIELDS.categoryEnabled(name), category.enabled, m.receiveCategory(name))}</p>
${channelBoxes((channel) => FIELDS.categoryChannel(name, channel), category.channels)}
</fieldset>`;
  });
  return `<h1>${escapeHtml(m.title)}</h1>
${saved ? `<p class="status" role="status">${escapeHtml(m.saved)}</p>` : ''}
${problems.length > 0 ? `<p class="alert" role="alert">${escapeHtml(m.notSaved)}</p>` : ''}
<p class="note">${escapeHtml(m.intro)}</p>
<form method="post" action="${escapeHtml(action)}">
<input type="hidden" name="${FIELDS.formToken}" value="${escapeHtml(formToken)}">
<fieldset>
<legend>${escapeHtml(m.everything)}</legend>
${checkbox(FIELDS.muted, preferences.muted, m.muted, 'muted-hint')}
<p class="note" id="muted-hint">${escapeHtml(m.mutedHint)}</p>
</fieldset>
<fieldset>
<legend>${escapeHtml(m.channels)}</legend>
${channelBoxes(FIELDS.channel, preferences.channels)}
</fieldset>
${quietHoursFieldset(view)}
<h2>${escapeHtml(m.categories)}</h2>
<p class="note">${escapeHtml(categories.length > 0 ? m.categoriesHint : m.noCategories)}</p>
${categoryFieldsets.join('\n')}
<button type="submit">${escapeHtml(m.save)}</button>
</form>`;
}

/** Monday first, named in the page's language by Intl (1 January 2024 was a Monday). */
const weekdayNames = (lang: string): [Weekday, string][] => {
  const format = new Intl.DateTimeFormat(lang, { weekday: 'long', timeZone: 'UTC' });
  return [1, 2, 3, 4, 5, 6, 0].map((day) => [WEEKDAYS[day]!, format.format(Date.UTC(2024, 0, day === 0 ? 7 : day))]);
};

const ids = { hint: 'quiet-hours-hint', format: 'quiet-hours-format', start: 'quiet-hours-start', end: 'quiet-hours-end', days: 'quiet-hours-days-hint', channels: 'quiet-hours-channels-hint' };

/**
 * Native time inputs, labelled, with the format in words for a browser that shows them as text
 * boxes (and a screen reader); a mistake is named next to its field, tied to it by
 * aria-describedby and marked aria-invalid, and announced by the page's alert.
 */
function quietHoursFieldset({ messages: m, quietHours: q, timezone, problems, lang }: PreferencePageView): string {
  const timeInput = (field: typeof FIELDS.quietHoursStart | typeof FIELDS.quietHoursEnd, id: string, label: string, value: string) => {
    const problem = problems.find((p) => p.field === field);
    const error = problem && (problem.problem === 'not_a_time' ? m.notATime(label) : m.sameAsStart(label));
    const describedBy = [ids.format, ...(error ? [`${id}-error`] : [])].join(' ');
    return `<p><label for="${id}">${escapeHtml(label)}</label> <input type="time" id="${id}" name="${field}" value="${escapeHtml(value)}" aria-describedby="${describedBy}"${error ? ' aria-invalid="true"' : ''}>${
      error ? ` <span class="error" id="${id}-error">${escapeHtml(error)}</span>` : ''
    }</p>`;
  };
  const days = weekdayNames(lang).map(([day, name]) => checkbox(FIELDS.quietHoursDay(day), q.days.includes(day), name)).join('\n');
  const channels = CHANNELS.map((c) => checkbox(FIELDS.quietHoursChannel(c), q.channels.includes(c), m.channel[c])).join('\n');
  return `<fieldset>
<legend>${escapeHtml(m.quietHours)}</legend>
<input type="hidden" name="${FIELDS.quietHours}" value="${SHOWN}">
<p class="note" id="${ids.hint}">${escapeHtml(m.quietHoursHint)} ${escapeHtml(m.quietHoursZone(timezone.name, timezone.fromProfile))}</p>
<p>${checkbox(FIELDS.quietHoursEnabled, q.enabled, m.useQuietHours, ids.hint)}</p>
${timeInput(FIELDS.quietHoursStart, ids.start, m.from, q.start)}
${timeInput(FIELDS.quietHoursEnd, ids.end, m.until, q.end)}
<p class="note" id="${ids.format}">${escapeHtml(m.timeFormat)}</p>
<fieldset aria-describedby="${ids.days}">
<legend>${escapeHtml(m.startsOn)}</legend>
${days}
<p class="note" id="${ids.days}">${escapeHtml(m.startsOnHint)}</p>
</fieldset>
<fieldset aria-describedby="${ids.channels}">
<legend>${escapeHtml(m.appliesTo)}</legend>
${channels}
<p class="note" id="${ids.channels}">${escapeHtml(m.appliesToHint)}</p>
</fieldset>
</fieldset>`;
}
