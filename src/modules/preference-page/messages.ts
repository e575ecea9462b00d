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
  quietHoursHint: string;
  useQuietHours: string;
  /** Which zone the times are read in, and whether it is the user's own. */
  quietHoursZone: (timezone: string, fromProfile: boolean) => string;
  from: string;
  until: string;
  timeFormat: string;
  startsOn: string;
  startsOnHint: string;
  appliesTo: string;
  appliesToHint: string;
  notSaved: string;
  notATime: (field: string) => string;
  sameAsStart: (field: string) => string;
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
  channel: { push: 'Push notifications', sms: 'Text messages (SMS)', email: 'Email', inapp: 'In the app' },
  categories: 'Topics',
  categoriesHint: 'For each topic, whether to receive it and on which channels.',
  receiveCategory: (category) => `Receive ${category}`,
  noCategories: 'There are no topics to choose from yet.',
  quietHours: 'Quiet hours',
  quietHoursHint: 'During quiet hours notifications wait and arrive when they end. Urgent security messages are never held back.',
  useQuietHours: 'Use quiet hours',
  quietHoursZone: (timezone, fromProfile) => (fromProfile ? `Times are in your time zone, ${timezone}.` : `Times are in ${timezone}: your profile has no time zone.`),
  from: 'From',
  until: 'Until',
  timeFormat: 'Where a time is typed, as HH:MM in 24 hours, for example 22:00. An end before the start is the next morning.',
  startsOn: 'Starting on',
  startsOnHint: 'The nights that start on these days. None ticked: every day.',
  appliesTo: 'Holding back',
  appliesToHint: 'None ticked: every channel.',
  notSaved: 'Your preferences are not saved: please correct the quiet hours.',
  notATime: (field) => `${field}: enter a time as HH:MM, for example 22:00.`,
  sameAsStart: (field) => `${field}: the end must differ from the start.`,
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
  channel: { push: 'Push-Benachrichtigungen', sms: 'Textnachrichten (SMS)', email: 'E-Mail', inapp: 'In der App' },
  categories: 'Themen',
  categoriesHint: 'Für jedes Thema: ob Sie es erhalten möchten und über welche Kanäle.',
  receiveCategory: (category) => `${category} erhalten`,
  noCategories: 'Es gibt noch keine Themen zur Auswahl.',
  quietHours: 'Ruhezeiten',
  quietHoursHint: 'Während der Ruhezeiten warten Benachrichtigungen und kommen an, wenn sie enden. Dringende Sicherheitsmeldungen werden nie zurückgehalten.',
  useQuietHours: 'Ruhezeiten verwenden',
  quietHoursZone: (timezone, fromProfile) => (fromProfile ? `Die Zeiten gelten in Ihrer Zeitzone, ${timezone}.` : `Die Zeiten gelten in ${timezone}: Ihr Profil hat keine Zeitzone.`),
  from: 'Von',
  until: 'Bis',
  timeFormat: 'Wo eine Uhrzeit eingetippt wird: als HH:MM im 24-Stunden-Format, zum Beispiel 22:00. Ein Ende vor dem Beginn ist am nächsten Morgen.',
  startsOn: 'Beginnend am',
  startsOnHint: 'Die Nächte, die an diesen Tagen beginnen. Keiner angekreuzt: jeden Tag.',
  appliesTo: 'Zurückgehalten werden',
  appliesToHint: 'Keiner angekreuzt: alle Kanäle.',
  notSaved: 'Ihre Einstellungen sind nicht gespeichert: Bitte korrigieren Sie die Ruhezeiten.',
  notATime: (field) => `${field}: Geben Sie eine Uhrzeit als HH:MM ein, zum Beispiel 22:00.`,
  sameAsStart: (field) => `${field}: Das Ende muss sich vom Beginn unterscheiden.`,
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
  channel: { push: 'Notifications push', sms: 'SMS', email: 'E-mail', inapp: 'Dans l’application' },
  categories: 'Sujets',
  categoriesHint: 'Pour chaque sujet : le recevoir ou non, et sur quels canaux.',
  receiveCategory: (category) => `Recevoir ${category}`,
  noCategories: 'Il n’y a pas encore de sujet à choisir.',
  quietHours: 'Heures calmes',
  quietHoursHint: 'Pendant les heures calmes, les notifications attendent et arrivent à leur fin. Les messages de sécurité urgents ne sont jamais retenus.',
  useQuietHours: 'Utiliser les heures calmes',
  quietHoursZone: (timezone, fromProfile) => (fromProfile ? `Les heures sont celles de votre fuseau horaire, ${timezone}.` : `Les heures sont celles de ${timezone} : votre profil n’a pas de fuseau horaire.`),
  from: 'De',
  until: 'À',
  timeFormat: 'Une heure saisie au clavier s’écrit HH:MM sur 24 heures, par exemple 22:00. Une fin avant le début est le lendemain matin.',
  startsOn: 'Commençant le',
  startsOnHint: 'Les nuits qui commencent ces jours-là. Aucun coché : tous les jours.',
  appliesTo: 'Retenir',
  appliesToHint: 'Aucun coché : tous les canaux.',
  notSaved: 'Vos préférences ne sont pas enregistrées : veuillez corriger les heures calmes.',
  notATime: (field) => `${field} : saisissez une heure au format HH:MM, par exemple 22:00.`,
  sameAsStart: (field) => `${field} : la fin doit être différente du début.`,
  save: 'Enregistrer les préférences',
};

const CATALOG = { en, de, fr };
export const PAGE_LANGUAGES = Object.keys(CATALOG);

/** The page's language and what it says in it (see choosePageLanguage). */
export const pageLanguage = (profileLocale: string | null, acceptLanguage: string | undefined) => choosePageLanguage(CATALOG, profileLocale, acceptLanguage);
