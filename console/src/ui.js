import { html } from './html.js';

export const Loading = () => html`<p class="muted">Loading…</p>`;

export const Failure = ({ error }) => html`<p class="alert" role="alert">${error.status === 404 ? 'Not found: ' : ''}${error.message}</p>`;

/** A description list from [term, value] pairs. */
export const Facts = ({ items }) => html`<dl class="facts">${items.map(([term, value]) => html`<dt>${term}</dt><dd>${value ?? html`<span class="muted">none</span>`}</dd>`)}</dl>`;

export const when = (iso) => (iso ? new Date(iso).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : null);

export const Status = ({ value }) => html`<span class=${`badge badge-${value}`}>${value}</span>`;

/** Sets the page's title and h1 together, so screen readers and tabs say where one is. */
export function Page({ title, children }) {
  document.title = `${title} · Herald console`;
  return html`<section aria-labelledby="page-title"><h1 id="page-title">${title}</h1>${children}</section>`;
}
