import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { templateDecider, templateStream, type TemplateChannels, type TemplateEvent, type TemplateVersion } from '../../domain/template/template.js';
import { EVENT_STORE, WrongExpectedRevisionError, type EventStore, type EventMetadata } from '../event-store/event-store.port.js';
import { TemplateRenderer } from './template-renderer.js';

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
}
