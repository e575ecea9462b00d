import { DomainError, type Decider } from '../shared/decider.js';

export interface PushContent {
  title?: string;
  body?: string;
}
export interface SmsContent {
  text: string;
}
export interface EmailContent {
  subject: string;
  text?: string;
  html?: string;
}

/** An in-app feed item; `data` is given to the browser as it is (not rendered). */
export interface InappContent {
  title?: string;
  body?: string;
  actionUrl?: string;
  data?: Record<string, string>;
}

/** Content per channel, then per locale (BCP 47 tag). */
export interface TemplateChannels {
  push?: Record<string, PushContent>;
  sms?: Record<string, SmsContent>;
  email?: Record<string, EmailContent>;
  inapp?: Record<string, InappContent>;
}

export interface TemplateVersion {
  templateId: string;
  version: number;
  defaultLocale: string;
  channels: TemplateChannels;
  /** Every variable the template reads: a request must supply each of them. */
  variables: string[];
  publishedAt: string;
}

export type TemplateEvent = { type: 'TemplateVersionPublished'; data: TemplateVersion };
export type TemplateCommand = {
  type: 'PublishTemplate';
  templateId: string;
  defaultLocale: string;
  channels: TemplateChannels;
  variables: string[];
  now: number;
};
export interface TemplateState {
  latest: TemplateVersion | null;
}

export const templateStream = (templateId: string): string => `template-${templateId}`;

const sameContent = (a: TemplateVersion, c: TemplateCommand): boolean =>
  a.defaultLocale === c.defaultLocale && JSON.stringify(a.channels) === JSON.stringify(c.channels);

/** Publishing creates a new version; publishing identical content again is a no-op. */
export const templateDecider: Decider<TemplateCommand, TemplateState, TemplateEvent> = {
  initialState: () => ({ latest: null }),
  decide(command, state) {
    const channels = Object.entries(command.channels).filter(([, locales]) => locales && Object.keys(locales).length > 0);
    if (channels.length === 0) throw new DomainError('invalid_argument', 'a template needs content for at least one channel', 'channels');
    for (const [channel, locales] of channels) {
      if (!(command.defaultLocale in locales!)) {
        throw new DomainError('invalid_argument', `channel ${channel} has no content for the default locale ${command.defaultLocale}`, `channels.${channel}`);
      }
    }
    if (state.latest && sameContent(state.latest, command)) return [];
    return [
      {
        type: 'TemplateVersionPublished',
        data: {
          templateId: command.templateId,
          version: (state.latest?.version ?? 0) + 1,
          defaultLocale: command.defaultLocale,
          channels: command.channels,
          variables: command.variables,
          publishedAt: new Date(command.now).toISOString(),
        },
      },
    ];
  },
  evolve: (_state, event) => ({ latest: event.data }),
};

/** The locale to render: the exact tag, then its language, then the template's default. */
export function pickLocale(available: string[], wanted: string | null, fallback: string): string {
  if (wanted) {
    const exact = available.find((l) => l.toLowerCase() === wanted.toLowerCase());
    if (exact) return exact;
    const language = wanted.split('-')[0]!.toLowerCase();
    const sameLanguage = available.find((l) => l.toLowerCase() === language) ?? available.find((l) => l.toLowerCase().startsWith(`${language}-`));
    if (sameLanguage) return sameLanguage;
  }
  return fallback;
}
