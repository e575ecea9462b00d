import { CHANNELS } from '../../domain/recipient/values.js';
import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { HeraldConfig } from '../../config/herald-config.js';
import { validationFailed } from '../http/validation.js';
import { templateDecider, templateStream, type TemplateChannels, type TemplateEvent, type TemplateVersion } from '../../domain/template/template.js';
import { EVENT_STORE, WrongExpectedRevisionError, type EventStore, type EventMetadata } from '../event-store/event-store.port.js';
import { TemplateRenderError, TemplateRenderer, variablesToGive, type BuiltInVariables } from './template-renderer.js';
import type { PreviewTemplateDto } from './template.dto.js';

/** A preview has no recipient: the built-in variables show what they look like, not a working link. */
export const previewBuiltIns = (config: HeraldConfig): BuiltInVariables => ({ preferencesUrl: `${config.tracking.publicBaseUrl}/p/preview` });

const CACHE_MS = 2000;

/** Templates live in `template-{id}` streams, one event per published version. */
@Injectable()
export class TemplateStore {
  readonly renderer = new TemplateRenderer();
  private readonly cache = new Map<string, { at: number; version: TemplateVersion | null }>();

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async publish(templateId: string, defaultLocale: string, channels: TemplateChannels, metadata: EventMetadata): Promise<{ version: TemplateVersion; created: boolean }> {
    const variables = this.renderer.variablesOf(channels);
    for (let attempt = 0; ; attempt++) {
      const [last] = await this.store.readStream(templateStream(templateId), { direction: 'backwards', maxCount: 1 });
      const state = last ? templateDecider.evolve(templateDecider.initialState(), last as unknown as TemplateEvent) : templateDecider.initialState();
      const events = templateDecider.decide({ type: 'PublishTemplate', templateId, defaultLocale, channels, variables, now: Date.now() }, state);
      if (events.length === 0) return { version: state.latest!, created: false };
      try {
        await this.store.append(
          templateStream(templateId),
          events.map((e) => ({ id: randomUUID(), type: e.type, data: e.data, metadata: { schemaVersion: 1, ...metadata } })),
          last ? last.revision : 'no_stream',
        );
        this.cache.delete(templateId);
        return { version: events[0]!.data, created: true };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || attempt >= 5) throw error;
      }
    }
  }

  /** A version (latest when omitted); cached briefly on the hot path. */
  async get(templateId: string, version?: number, fresh = false): Promise<TemplateVersion | null> {
    if (version !== undefined) {
      const [event] = await this.store.readStream(templateStream(templateId), { fromRevision: version - 1, maxCount: 1 });
      return event ? (event.data as TemplateVersion) : null;
    }
    const cached = this.cache.get(templateId);
    if (!fresh && cached && Date.now() - cached.at < CACHE_MS) return cached.version;
    const [last] = await this.store.readStream(templateStream(templateId), { direction: 'backwards', maxCount: 1 });
    const latest = last ? (last.data as TemplateVersion) : null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(templateId, { at: Date.now(), version: latest });
    return latest;
  }

  /** Every version, oldest first: a template's stream holds one event per version. */
  async versions(templateId: string): Promise<TemplateVersion[]> {
    return (await this.store.readStream(templateStream(templateId))).map((e) => e.data as TemplateVersion);
  }

  /** The latest version rendered with `params` for a locale (with fallback) and one or every channel; 404 unknown, 400 for a variable missing or failing. */
  async preview(templateId: string, dto: PreviewTemplateDto, builtIns: BuiltInVariables) {
    const template = await this.get(templateId, undefined, true);
    if (!template) throw new NotFoundException({ statusCode: 404, error: 'Not Found', message: `no template ${templateId}` });
    const params = dto.params ?? {};
    const missing = variablesToGive(template.variables).filter((v) => !(v in params));
    if (missing.length > 0) throw validationFailed([{ field: 'params', messages: [`missing variables: ${missing.join(', ')}`] }]);
    const channels = dto.channel ? [dto.channel] : CHANNELS.filter((c) => template.channels[c]);
    const rendered: Record<string, unknown> = {};
    for (const channel of channels) {
      try {
        rendered[channel] = this.renderer.render(template, channel, dto.locale ?? null, { ...params, ...builtIns });
      } catch (error) {
        if (error instanceof TemplateRenderError) throw validationFailed([{ field: channel === dto.channel ? 'channel' : 'params', messages: [error.message] }]);
        throw error;
      }
    }
    return { templateId, version: template.version, rendered };
  }
}
