import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Preferences } from '../../src/domain/recipient/events.js';
import { pageLanguage } from '../../src/modules/preference-page/messages.js';
import { pageCategories, preferencesFromForm, quietHoursFormOf, typedTime } from '../../src/modules/preference-page/preference-form.js';

const current: Preferences = {
  muted: false,
  channels: { push: true, sms: false, email: true, inapp: true },
  categories: [{ category: 'digest', enabled: false, channels: { push: true, sms: true, email: true, inapp: true } }],
  quietHours: { start: '22:00', end: '07:30' },
};
/** A category as the form sends it with every box ticked but `unticked`. */
const all = (category: string, ...unticked: string[]) =>
  Object.fromEntries(Object.entries(everything(category)).filter(([field]) => !unticked.includes(field.slice(`category:${category}:`.length))));
const everything = (category: string): Record<string, string> => ({ [`category:${category}`]: 'shown', [`category:${category}:enabled`]: 'on', [`category:${category}:push`]: 'on', [`category:${category}:sms`]: 'on', [`category:${category}:email`]: 'on', [`category:${category}:inapp`]: 'on' });

describe('preference page form', () => {
  it('lists the configured categories, then the user’s own, each once', () => {
    assert.deepEqual(pageCategories(['security', 'digest'], { ...current, categories: [...current.categories, { category: 'news', enabled: true, channels: current.channels }] }), ['security', 'digest', 'news']);
  });

  it('the untouched form gives the preferences back unchanged: no entry for a category left at its default', () => {
    const form = { 'channel:push': 'on', 'channel:email': 'on', 'channel:inapp': 'on', 'category:digest': 'shown', 'category:digest:push': 'on', 'category:digest:sms': 'on', 'category:digest:email': 'on', 'category:digest:inapp': 'on', ...all('security') };
    assert.deepEqual(preferencesFromForm(form, current, ['security', 'digest']), { preferences: current });
  });

  it('unticked is off; a category not on the form, and any preference the page does not show, stay as they are', () => {
    const withMore = { ...current, quietHours: { start: '22:00', end: '07:00' } } as Preferences;
    const result = preferencesFromForm({ muted: 'on', 'channel:sms': 'on', ...all('marketing', 'email') }, withMore, ['marketing', 'digest']);
    assert.deepEqual(result, {
      preferences: {
        ...withMore,
        muted: true,
        channels: { push: false, sms: true, email: false, inapp: false },
        categories: [current.categories[0], { category: 'marketing', enabled: true, channels: { push: true, sms: true, email: false, inapp: true } }],
      },
    });
  });

  it('names every field holding what no checkbox sends, and ignores categories the page does not offer', () => {
    const result = preferencesFromForm({ muted: 'true', 'channel:push': ['on'], 'category:digest': 'yes', ...all('injected') }, current, ['digest']);
    assert.deepEqual('errors' in result && result.errors.map((e) => e.field), ['muted', 'channel:push', 'category:digest']);
    const ignored = preferencesFromForm(all('injected', 'sms'), current, ['digest']);
    assert.ok('preferences' in ignored && !ignored.preferences.categories.some((c) => c.category === 'injected'));
  });

  it('reads the quiet hours as the page sends them: times typed H:MM too, only the days and channels ticked', () => {
    const form = { 'quiet-hours': 'shown', 'quiet-hours:enabled': 'on', 'quiet-hours:start': ' 23:15 ', 'quiet-hours:end': '6:30', 'quiet-hours:day:mon': 'on', 'quiet-hours:day:sun': 'on', 'quiet-hours:channel:sms': 'on', 'quiet-hours:channel:push': 'on' };
    const result = preferencesFromForm(form, current, []);
    assert.deepEqual('preferences' in result && result.preferences.quietHours, { start: '23:15', end: '06:30', days: ['sun', 'mon'], channels: ['push', 'sms'] });
  });

  it('no day or channel ticked, or all of them, is every one; the box unticked is no quiet hours; without the marker they stay', () => {
    const times = { 'quiet-hours': 'shown', 'quiet-hours:enabled': 'on', 'quiet-hours:start': '21:00', 'quiet-hours:end': '08:00' };
    const allTicked = { ...times, ...Object.fromEntries(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((d) => [`quiet-hours:day:${d}`, 'on'])), 'quiet-hours:channel:push': 'on', 'quiet-hours:channel:sms': 'on', 'quiet-hours:channel:email': 'on', 'quiet-hours:channel:inapp': 'on' };
    for (const form of [times, allTicked]) {
      const result = preferencesFromForm(form, current, []);
      assert.deepEqual('preferences' in result && result.preferences.quietHours, { start: '21:00', end: '08:00' });
    }
    const off = preferencesFromForm({ 'quiet-hours': 'shown', 'quiet-hours:start': 'whatever' }, current, []);
    assert.equal('preferences' in off && off.preferences.quietHours, null, 'unticked: none, whatever the times say');
    const untouched = preferencesFromForm({}, current, []);
    assert.equal('preferences' in untouched && untouched.preferences.quietHours, current.quietHours);
  });

  it('shows a window that names no days or channels with every one ticked, and saving it untouched keeps it as it was spelt', () => {
    const spelt = { ...current, quietHours: { start: '22:00', end: '07:30', days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] } } as Preferences;
    const shown = quietHoursFormOf(spelt.quietHours);
    assert.deepEqual(quietHoursFormOf(current.quietHours).channels, ['push', 'sms', 'email', 'inapp']);
    const form = { 'quiet-hours': 'shown', 'quiet-hours:enabled': 'on', 'quiet-hours:start': shown.start, 'quiet-hours:end': shown.end, ...Object.fromEntries(shown.days.map((d) => [`quiet-hours:day:${d}`, 'on'])) };
    const result = preferencesFromForm(form, spelt, []);
    assert.equal('preferences' in result && result.preferences.quietHours, spelt.quietHours);
    assert.deepEqual(quietHoursFormOf(null), { enabled: false, start: '22:00', end: '07:00', days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], channels: ['push', 'sms', 'email', 'inapp'] });
  });

  it('a mistyped time gives the page back with what was chosen and typed; a value no page sends is a field error', () => {
    const typed = { 'quiet-hours': 'shown', 'quiet-hours:enabled': 'on', 'quiet-hours:start': '25:00', 'quiet-hours:end': '', 'quiet-hours:day:fri': 'on' };
    const result = preferencesFromForm({ muted: 'on', ...typed }, current, []);
    assert.ok('retype' in result);
    assert.deepEqual(result.retype.problems, [{ field: 'quiet-hours:start', problem: 'not_a_time' }, { field: 'quiet-hours:end', problem: 'not_a_time' }]);
    assert.deepEqual(result.retype.quietHours, { enabled: true, start: '25:00', end: '', days: ['fri'], channels: [] });
    assert.equal(result.retype.preferences.muted, true, 'the other choices are shown as made');
    assert.equal(result.retype.preferences.quietHours, current.quietHours, 'nothing of the quiet hours is taken');
    const same = preferencesFromForm({ ...typed, 'quiet-hours:start': '7:00', 'quiet-hours:end': '07:00' }, current, []);
    assert.deepEqual('retype' in same && same.retype.problems, [{ field: 'quiet-hours:end', problem: 'same_as_start' }]);
    const sent = preferencesFromForm({ ...typed, 'quiet-hours': 'yes', 'quiet-hours:start': ['22:00', '23:00'], 'quiet-hours:day:mon': 'true' }, current, []);
    assert.deepEqual('errors' in sent && sent.errors.map((e) => e.field), ['quiet-hours', 'quiet-hours:start', 'quiet-hours:day:mon']);
  });

  it('takes a time as HH:MM or H:MM, nothing else', () => {
    assert.deepEqual(['22:00', '7:05', ' 00:00 ', '23:59'].map(typedTime), ['22:00', '07:05', '00:00', '23:59']);
    for (const bad of ['24:00', '22:60', '7.30', '2200', '22:00:00', '', '10pm', '-1:00']) assert.equal(typedTime(bad), undefined, bad);
  });

  it('speaks the profile’s language, then Accept-Language’s best we have, then English', () => {
    assert.equal(pageLanguage('de-AT', 'fr').lang, 'de');
    assert.equal(pageLanguage('pt-BR', 'ja, fr-CH;q=0.8, de;q=0.9').lang, 'de');
    assert.equal(pageLanguage(null, 'it, fr;q=0.5, de;q=0').lang, 'fr');
    assert.equal(pageLanguage(null, '*').lang, 'en');
    assert.equal(pageLanguage(null, undefined).messages.save, 'Save preferences');
  });
});
