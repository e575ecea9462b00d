import { Liquid } from 'liquidjs';
import type { Channel } from '../../domain/recipient/values.js';
import type { EmailContent, InappContent, PushContent, SmsContent, TemplateChannels, TemplateVersion } from '../../domain/template/template.js';
import { pickLocale } from '../../domain/template/template.js';
import type { RenderedMessage } from '../channels/provider.port.js';

/** Liquid may not read files: include/render/layout find nothing. */
const NO_FILES = {
  exists: async () => false,
  existsSync: () => false,
  readFile: async () => Promise.reject(new Error('templates cannot include files')),
  readFileSync: () => {
    throw new Error('templates cannot include files');
  },
  resolve: (_root: string, file: string) => file,
};

const LIMITS = { parseLimit: 100_000, renderLimit: 1_000, memoryLimit: 10_000_000, relativeReference: false };

export class TemplateRenderError extends Error {}

/**
 * Variables Herald gives every template itself, so a send need not (and cannot) give them:
 * `preferencesUrl`, the recipient's hosted preference page.
 */
export const BUILT_IN_VARIABLES = ['preferencesUrl'] as const;
export type BuiltInVariables = Record<(typeof BUILT_IN_VARIABLES)[number], string>;

/** The variables a send must give: those the template reads, but the built-in ones. */
export const variablesToGive = (variables: readonly string[]): string[] => variables.filter((v) => !(BUILT_IN_VARIABLES as readonly string[]).includes(v));

/**
 * LiquidJS renders data, never code: strict variables (a missing one is an error), own
 * properties only (no prototype walking), no file access, and parse/render/memory limits.
 * HTML email bodies escape every output.
 */
export class TemplateRenderer {
  private readonly plain = new Liquid({ strictVariables: true, ownPropertyOnly: true, fs: NO_FILES, ...LIMITS });
  private readonly html = new Liquid({ strictVariables: true, ownPropertyOnly: true, fs: NO_FILES, outputEscape: 'escape', ...LIMITS });

  /** Checks every text parses and returns the variables they read. */
  variablesOf(channels: TemplateChannels): string[] {
    const variables = new Set<string>();
    for (const text of texts(channels)) {
      try {
        for (const v of this.plain.globalVariablesSync(text)) variables.add(v);
      } catch (error) {
        throw new TemplateRenderError(`template does not parse: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return [...variables].sort();
  }

  render(template: TemplateVersion, channel: Channel, locale: string | null, params: Record<string, unknown>): RenderedMessage & { locale: string } {
    const locales = template.channels[channel];
    if (!locales) throw new TemplateRenderError(`template ${template.templateId} has no ${channel} content`);
    const chosen = pickLocale(Object.keys(locales), locale, template.defaultLocale);
    const content = locales[chosen] as PushContent & SmsContent & EmailContent & InappContent;
    const out: RenderedMessage & { locale: string } = { locale: chosen };
    try {
      for (const field of ['title', 'body', 'text', 'subject', 'actionUrl'] as const) {
        if (typeof content[field] === 'string') out[field] = this.plain.parseAndRenderSync(content[field], params);
      }
      if (typeof content.html === 'string') out.html = this.html.parseAndRenderSync(content.html, params);
      if (content.data) out.data = { ...content.data };
    } catch (error) {
      throw new TemplateRenderError(error instanceof Error ? error.message : String(error));
    }
    if (out.subject !== undefined) out.subject = out.subject.replace(/[\r\n]+/g, ' ');
    return out;
  }
}

function* texts(channels: TemplateChannels): Generator<string> {
  for (const locales of Object.values(channels)) {
    for (const content of Object.values(locales ?? {})) {
      for (const value of Object.values(content as Record<string, unknown>)) if (typeof value === 'string') yield value;
    }
  }
}
