import type { Preferences } from '../../domain/recipient/events.js';
import { CHANNELS } from '../../domain/recipient/values.js';
import { escapeHtml } from '../tracking/email-links.js';
import type { PageMessages } from './messages.js';
import { FIELDS, SHOWN, TICKED, categoryOf } from './preference-form.js';

export interface PreferencePageView {
  messages: PageMessages;
  /** Where the form posts: the page's own path. */
  action: string;
  formToken: string;
  preferences: Preferences;
  categories: string[];
  saved: boolean;
}

/** A checkbox inside its label: the label names it for screen readers and makes the whole text clickable. */
const checkbox = (name: string, checked: boolean, label: string, describedBy?: string) =>
  `<label><input type="checkbox" name="${escapeHtml(name)}" value="${TICKED}"${checked ? ' checked' : ''}${describedBy ? ` aria-describedby="${describedBy}"` : ''}> ${escapeHtml(label)}</label>`;

/**
 * The page is one form of native checkboxes (keyboard: Tab to move, Space to toggle) grouped
 * by fieldsets whose legends give each checkbox its context, and it works without script.
 */
export function preferencePageBody({ messages: m, action, formToken, preferences, categories, saved }: PreferencePageView): string {
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
<!-- Quiet hours (m.quietHours) get their own fieldset here once preferences carry them; preferencesFromForm keeps them meanwhile. -->
<h2>${escapeHtml(m.categories)}</h2>
<p class="note">${escapeHtml(categories.length > 0 ? m.categoriesHint : m.noCategories)}</p>
${categoryFieldsets.join('\n')}
<button type="submit">${escapeHtml(m.save)}</button>
</form>`;
}
