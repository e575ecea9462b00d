import { choosePageLanguage } from '../http/page-language.js';
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

const CATALOG = { en, de, fr };
export const PAGE_LANGUAGES = Object.keys(CATALOG);

/** The page's language and what it says in it (see choosePageLanguage). */
export const pageLanguage = (profileLocale: string | null, acceptLanguage: string | undefined) => choosePageLanguage(CATALOG, profileLocale, acceptLanguage);
