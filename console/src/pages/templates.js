import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { useApi } from '../hooks.js';
import { html } from '../html.js';
import { Failure, Loading, Page, when } from '../ui.js';

const CHANNELS = ['push', 'sms', 'email'];
const BUILT_IN = new Set(['preferencesUrl']);
/** A rendered message's parts in the order a reader meets them. */
const PARTS = ['title', 'body', 'subject', 'text', 'html'];
const partOrder = ([a], [b]) => (PARTS.indexOf(a) + 1 || 99) - (PARTS.indexOf(b) + 1 || 99);

function Preview({ id, latest }) {
  const [result, setResult] = useState(null);
  const variables = latest.variables.filter((v) => !BUILT_IN.has(v));
  async function render(event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const params = Object.fromEntries(variables.map((v) => [v, form.get(`var-${v}`)]));
    try {
      setResult({ preview: await api(`templates/${encodeURIComponent(id)}/preview`, { method: 'POST', body: { params, locale: form.get('locale') || undefined, channel: form.get('channel') || undefined } }) });
    } catch (error) {
      setResult({ error });
    }
  }
  return html`
    <form class="stack card" onSubmit=${render}>
      <h2>Preview version ${latest.version}</h2>
      <label for="locale">Locale</label>
      <input id="locale" name="locale" value=${latest.defaultLocale} />
      <label for="channel">Channel</label>
      <select id="channel" name="channel"><option value="">every channel</option>${CHANNELS.filter((c) => latest.channels[c]).map((c) => html`<option value=${c}>${c}</option>`)}</select>
      ${variables.map((v) => html`<label for=${`var-${v}`}>Variable ${v}</label><input id=${`var-${v}`} name=${`var-${v}`} value=${v} />`)}
      <button type="submit">Render</button>
    </form>
    ${result?.error && html`<${Failure} error=${result.error} />`}
    ${result?.preview &&
    html`<div role="region" aria-label="Rendered preview">${Object.entries(result.preview.rendered).map(
      ([channel, r]) => html`<article class="card"><h3>${channel} (${r.locale})</h3><dl class="facts">${Object.entries(r)
        .filter(([k]) => k !== 'locale')
        .sort(partOrder)
        .map(([k, v]) => html`<dt>${k}</dt><dd><pre>${typeof v === 'string' ? v : JSON.stringify(v, null, 2)}</pre></dd>`)}</dl></article>`,
    )}</div>`}`;
}

function Template({ id }) {
  const found = useApi(`templates/${encodeURIComponent(id)}`);
  if (found.loading) return html`<${Loading} />`;
  if (found.error) return html`<${Failure} error=${found.error} />`;
  const versions = found.data.versions;
  const latest = versions[versions.length - 1];
  return html`
    <h2>Versions of ${id}</h2>
    <table class="data">
      <thead><tr><th scope="col">Version</th><th scope="col">Published</th><th scope="col">Default locale</th><th scope="col">Channels and locales</th><th scope="col">Variables</th></tr></thead>
      <tbody>${[...versions].reverse().map(
        (v) => html`<tr><th scope="row">${v.version}</th><td>${when(v.publishedAt)}</td><td>${v.defaultLocale}</td><td>${CHANNELS.filter((c) => v.channels[c]).map((c) => `${c}: ${Object.keys(v.channels[c]).join(', ')}`).join('; ')}</td><td>${v.variables.join(', ') || '–'}</td></tr>`,
      )}</tbody>
    </table>
    <${Preview} id=${id} latest=${latest} />`;
}

export function Templates({ id }) {
  return html`
    <${Page} title=${id ? `Template ${id}` : 'Templates'}>
      <form class="stack narrow" onSubmit=${(e) => (e.preventDefault(), (location.hash = `#/templates/${encodeURIComponent(new FormData(e.currentTarget).get('templateId').trim())}`))}>
        <label for="templateId">Template id</label>
        <input id="templateId" name="templateId" value=${id ?? ''} required />
        <button type="submit">Show versions</button>
      </form>
      ${id && html`<${Template} id=${id} key=${id} />`}
    <//>`;
}
