import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Preferences } from '../../src/domain/recipient/events.js';
import { pageLanguage } from '../../src/modules/preference-page/messages.js';
import { pageCategories, preferencesFromForm } from '../../src/modules/preference-page/preference-form.js';

const current: Preferences = {
  muted: false,
  channels: { push: true, sms: false, email: true },
  categories: [{ category: 'digest', enabled: false, channels: { push: true, sms: true, email: true } }],
  quietHours: { start: '22:00', end: '07:30' },
};
/** A category as the form sends it with every box ticked but `unticked`. */
const all = (category: string, ...unticked: string[]) =>
  Object.fromEntries(Object.entries(everything(category)).filter(([field]) => !unticked.includes(field.slice(`category:${category}:`.length))));
const everything = (category: string): Record<string, string> => ({ [`category:${category}`]: 'shown', [`category:${category}:enabled`]: 'on', [`category:${category}:push`]: 'on', [`category:${category}:sms`]: 'on', [`category:${category}:email`]: 'on' });

describe('preference page form', () => {
  it('lists the configured categories, then the user’s own, each once', () => {
    assert.deepEqual(pageCategories(['security', 'digest'], { ...current, categories: [...current.categories, { category: 'news', enabled: true, channels: current.channels }] }), ['security', 'digest', 'news']);
  });

  it('the untouched form gives the preferences back unchanged: no entry for a category left at its default', () => {
    const form = { 'channel:push': 'on', 'channel:email': 'on', 'category:digest': 'shown', 'category:digest:push': 'on', 'category:digest:sms': 'on', 'category:digest:email': 'on', ...all('security') };
    assert.deepEqual(preferencesFromForm(form, current, ['security', 'digest']), { preferences: current });
  });

  it('unticked is off; a category not on the form, and any preference the page does not show, stay as they are', () => {
    const withMore = { ...current, quietHours: { start: '22:00', end: '07:00' } } as Preferences;
    const result = preferencesFromForm({ muted: 'on', 'channel:sms': 'on', ...all('marketing', 'email') }, withMore, ['marketing', 'digest']);
    assert.deepEqual(result, {
      preferences: {
        ...withMore,
        muted: true,
        channels: { push: false, sms: true, email: false },
        categories: [current.categories[0], { category: 'marketing', enabled: true, channels: { push: true, sms: true, email: false } }],
      },
    });
  });

  it('names every field holding what no checkbox sends, and ignores categories the page does not offer', () => {
    const result = preferencesFromForm({ muted: 'true', 'channel:push': ['on'], 'category:digest': 'yes', ...all('injected') }, current, ['digest']);
    assert.deepEqual('errors' in result && result.errors.map((e) => e.field), ['muted', 'channel:push', 'category:digest']);
    const ignored = preferencesFromForm(all('injected', 'sms'), current, ['digest']);
    assert.ok('preferences' in ignored && !ignored.preferences.categories.some((c) => c.category === 'injected'));
  });

  it('speaks the profile’s language, then Accept-Language’s best we have, then English', () => {
    assert.equal(pageLanguage('de-AT', 'fr').lang, 'de');
    assert.equal(pageLanguage('pt-BR', 'ja, fr-CH;q=0.8, de;q=0.9').lang, 'de');
    assert.equal(pageLanguage(null, 'it, fr;q=0.5, de;q=0').lang, 'fr');
    assert.equal(pageLanguage(null, '*').lang, 'en');
    assert.equal(pageLanguage(null, undefined).messages.save, 'Save preferences');
  });
});
