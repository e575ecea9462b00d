import { choosePageLanguage } from '../http/page-language.js';

/** Everything the one-click unsubscribe pages say, in one language. */
export interface UnsubscribeMessages {
  title: string;
  ask: (category: string) => string;
  unsubscribe: string;
  keep: string;
  done: (category: string) => string;
  undo: string;
  kept: (category: string) => string;
  allPreferences: string;
}

const en: UnsubscribeMessages = {
  title: 'Email preferences',
  ask: (category) => `Unsubscribe from ${category} emails?`,
  unsubscribe: 'Unsubscribe',
  keep: 'Keep receiving them',
  done: (category) => `You are unsubscribed from ${category} emails`,
  undo: 'Undo: keep receiving them',
  kept: (category) => `You will keep receiving ${category} emails`,
  allPreferences: 'Choose which notifications you receive, and how',
};

const de: UnsubscribeMessages = {
  title: 'E-Mail-Einstellungen',
  ask: (category) => `E-Mails zu ${category} abbestellen?`,
  unsubscribe: 'Abbestellen',
  keep: 'Weiter erhalten',
  done: (category) => `Sie erhalten keine E-Mails zu ${category} mehr`,
  undo: 'Rückgängig: weiter erhalten',
  kept: (category) => `Sie erhalten weiter E-Mails zu ${category}`,
  allPreferences: 'Wählen Sie, welche Benachrichtigungen Sie wie erhalten',
};

const fr: UnsubscribeMessages = {
  title: 'Préférences e-mail',
  ask: (category) => `Se désabonner des e-mails ${category} ?`,
  unsubscribe: 'Se désabonner',
  keep: 'Continuer à les recevoir',
  done: (category) => `Vous êtes désabonné des e-mails ${category}`,
  undo: 'Annuler : continuer à les recevoir',
  kept: (category) => `Vous continuerez à recevoir les e-mails ${category}`,
  allPreferences: 'Choisir quelles notifications recevoir, et comment',
};

/** In the language the preference page would use for the same user and browser. */
export const unsubscribeLanguage = (profileLocale: string | null, acceptLanguage: string | undefined) => choosePageLanguage({ en, de, fr }, profileLocale, acceptLanguage);
