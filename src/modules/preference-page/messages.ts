import { pickLocale } from '../../domain/template/template.js';
import type { Channel } from '../../domain/recipient/values.js';

/** Everything the preference page says, in one language. */
export interface PageMessages {
  title: string;
  intro: string;
  saved: string;
  everything: string;
  muted: string;
  mutedHint: string;
  channels: string;
  channel: Record<Channel, string>;
  categories: string;
  categoriesHint: string;
  receiveCategory: (category: string) => string;
  noCategories: string;
  quietHours: string;
  save: string;
}

const en: PageMessages = {
  title: 'Notification preferences',
  intro: 'Choose how and about what you want to hear from us. Changes apply once you save.',
  saved: 'Your preferences are saved.',
  everything: 'All notifications',
  muted: 'Pause all notifications',
  mutedHint: 'While paused you receive nothing, whatever is chosen below.',
  channels: 'How to reach me',
  channel: { push: 'Push notifications', sms: 'Text messages (SMS)', email: 'Email' },
  categories: 'Topics',
  categoriesHint: 'For each topic, whether to receive it and on which channels.',
  receiveCategory: (category) => `Receive ${category}`,
  noCategories: 'There are no topics to choose from yet.',
  quietHours: 'Quiet hours',
  save: 'Save preferences',
};

const de: PageMessages = {
  title: 'Benachrichtigungseinstellungen',
  intro: 'Wählen Sie, wie und worüber Sie von uns hören möchten. Änderungen gelten, sobald Sie speichern.',
  saved: 'Ihre Einstellungen sind gespeichert.',
  everything: 'Alle Benachrichtigungen',
  muted: 'Alle Benachrichtigungen pausieren',
  mutedHint: 'Solange pausiert ist, erhalten Sie nichts, unabhängig von der Auswahl unten.',
  channels: 'Wie Sie mich erreichen',
  channel: { push: 'Push-Benachrichtigungen', sms: 'Textnachrichten (SMS)', email: 'E-Mail' },
  categories: 'Themen',
  categoriesHint: 'Für jedes Thema: ob Sie es erhalten möchten und über welche Kanäle.',
  receiveCategory: (category) => `${category} erhalten`,
  noCategories: 'Es gibt noch keine Themen zur Auswahl.',
  quietHours: 'Ruhezeiten',
  save: 'Einstellungen speichern',
};

const fr: PageMessages = {
  title: 'Préférences de notification',
  intro: 'Choisissez comment et à quel sujet vous souhaitez être contacté. Les changements s’appliquent dès l’enregistrement.',
  saved: 'Vos préférences sont enregistrées.',
  everything: 'Toutes les notifications',
  muted: 'Suspendre toutes les notifications',
  mutedHint: 'Pendant la suspension, vous ne recevez rien, quel que soit le choix ci-dessous.',
  channels: 'Comment me joindre',
  channel: { push: 'Notifications push', sms: 'SMS', email: 'E-mail' },
  categories: 'Sujets',
  categoriesHint: 'Pour chaque sujet : le recevoir ou non, et sur quels canaux.',
  receiveCategory: (category) => `Recevoir ${category}`,
  noCategories: 'Il n’y a pas encore de sujet à choisir.',
  quietHours: 'Heures calmes',
  save: 'Enregistrer les préférences',
};

const CATALOG: Record<string, PageMessages> = { en, de, fr };
export const PAGE_LANGUAGES = Object.keys(CATALOG);

/**
 * The page's language: the user's profile locale when the catalog has its language, else the
 * browser's Accept-Language (the first of its languages we have), else English.
 */
export function pageLanguage(profileLocale: string | null, acceptLanguage: string | undefined): { lang: string; messages: PageMessages } {
  const wanted = [profileLocale, ...acceptedLanguages(acceptLanguage)].filter((l): l is string => Boolean(l));
  const lang = wanted.map((l) => pickLocale(PAGE_LANGUAGES, l, '')).find((l) => l !== '') ?? 'en';
  return { lang, messages: CATALOG[lang]! };
}

/** Accept-Language (RFC 9110 12.5.4) in order of preference; `*` and q=0 say nothing we can use. */
function acceptedLanguages(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(',')
    .map((part, index) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([01](?:\.\d{0,3})?)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag!.trim(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((l) => /^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$/.test(l.tag) && l.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index)
    .map((l) => l.tag);
}
