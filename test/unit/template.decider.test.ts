import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pickLocale, templateDecider, type TemplateEvent } from '../../src/domain/template/template.js';
import { DomainError } from '../../src/domain/shared/decider.js';
import { deciderSpec } from '../support/decider-spec.js';

const spec = deciderSpec(templateDecider);
const channels = { push: { en: { title: 'Hi {{ name }}' }, fr: { title: 'Salut {{ name }}' } } };
const published = (version: number, c = channels): TemplateEvent => ({
  type: 'TemplateVersionPublished',
  data: { templateId: 't', version, defaultLocale: 'en', channels: c, variables: ['name'], publishedAt: new Date(0).toISOString() },
});
const publish = (c: object = channels, defaultLocale = 'en') => ({ type: 'PublishTemplate' as const, templateId: 't', defaultLocale, channels: c, variables: ['name'], now: 0 });

describe('template decider', () => {
  it('publishes version 1', () => spec.given([]).when(publish()).then([published(1)]));
  it('publishes version 2 when content changes', () =>
    spec.given([published(1)]).when(publish({ push: { en: { title: 'Yo {{ name }}' } } })).then([published(2, { push: { en: { title: 'Yo {{ name }}' } } } as never)]));
  it('identical content is a no-op', () => spec.given([published(1)]).when(publish()).then([]));
  it('every channel needs the default locale', () =>
    spec.given([]).when(publish(channels, 'de')).thenThrows((e) => e instanceof DomainError && e.field === 'channels.push'));
  it('needs at least one channel', () => spec.given([]).when(publish({})).thenThrows((e) => e instanceof DomainError && e.field === 'channels'));
});

describe('locale fallback', () => {
  it('exact, then language, then default', () => {
    assert.equal(pickLocale(['en', 'fr', 'pt-BR'], 'fr-CA', 'en'), 'fr');
    assert.equal(pickLocale(['en', 'fr', 'pt-BR'], 'pt-br', 'en'), 'pt-BR');
    assert.equal(pickLocale(['en', 'fr', 'pt-BR'], 'pt-PT', 'en'), 'pt-BR');
    assert.equal(pickLocale(['en', 'fr'], 'de-DE', 'en'), 'en');
    assert.equal(pickLocale(['en', 'fr'], null, 'en'), 'en');
  });
});
