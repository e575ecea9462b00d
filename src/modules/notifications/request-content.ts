import type { NotificationContent } from '../../domain/recipient/events.js';
import { CHANNELS, type Channel } from '../../domain/recipient/values.js';
import { validationFailed } from '../http/validation.js';
import { variablesToGive } from '../templates/template-renderer.js';
import type { TemplateStore } from '../templates/template-store.js';
import type { InlineContentDto, TemplateRefDto } from './dto/send-notification.dto.js';

/** What a request (one notification, or a broadcast) asks to send: inline content or a template, and for which channels. */
export interface ContentRequest {
  content?: InlineContentDto;
  template?: TemplateRefDto;
  channels?: Channel[];
}

export function inlineContent(request: ContentRequest): NotificationContent {
  const { title, body, subject, text, html, data, actionUrl } = request.content!;
  const fields = Object.entries({ title, body, subject, text, html, data, actionUrl }).filter(([, v]) => v !== undefined && v !== null);
  return { kind: 'inline', ...Object.fromEntries(fields) } as NotificationContent;
}

/** A template request is checked now, not at send time: it must exist and get every variable it reads. */
export async function templateContent(templates: TemplateStore, request: ContentRequest): Promise<{ content: NotificationContent; channels: Channel[] | null }> {
  const ref = request.template!;
  const template = await templates.get(ref.id);
  if (!template) throw validationFailed([{ field: 'template.id', messages: [`no template ${ref.id}`] }]);
  const params = ref.params ?? {};
  const missing = variablesToGive(template.variables).filter((v) => !Object.hasOwn(params, v));
  if (missing.length > 0) throw validationFailed([{ field: 'template.params', messages: [`missing variables: ${missing.join(', ')}`] }]);
  const available = CHANNELS.filter((c) => template.channels[c] && Object.keys(template.channels[c]!).length > 0);
  const unsupported = (request.channels ?? []).filter((c) => !available.includes(c));
  if (unsupported.length > 0) throw validationFailed([{ field: 'channels', messages: [`template ${ref.id} has no content for: ${unsupported.join(', ')}`] }]);
  return {
    content: { kind: 'template', templateId: template.templateId, version: template.version, params },
    channels: request.channels ?? available,
  };
}

/** The content and channels of a request, its template checked. */
export const requestContent = (templates: TemplateStore, request: ContentRequest): Promise<{ content: NotificationContent; channels: Channel[] | null }> =>
  request.template ? templateContent(templates, request) : Promise.resolve({ content: inlineContent(request), channels: request.channels ?? null });
