import { useApi } from '../hooks.js';
import { html } from '../html.js';
import { Failure, Loading, Page, when } from '../ui.js';

/** How often the page asks again: live enough to watch a backlog grow or drain. */
export const REFRESH_MS = 2000;

export function Operations() {
  const ops = useApi('operations', REFRESH_MS);
  if (!ops.data && ops.loading) return html`<${Page} title="Operations"><${Loading} /><//>`;
  if (!ops.data) return html`<${Page} title="Operations"><${Failure} error=${ops.error} /><//>`;
  const { queues, circuits, projections, broadcasts, alerts, at } = ops.data;
  return html`
    <${Page} title="Operations">
      <p class="muted">Refreshed every ${REFRESH_MS / 1000} s; last at <span id="ops-updated">${when(at)}</span>${ops.error ? html` <span class="alert" role="alert">(${ops.error.message})</span>` : ''}</p>
      <h2>Queues</h2>
      <table class="data" id="queues">
        <thead><tr><th scope="col">Queue</th><th scope="col">Waiting (due)</th><th scope="col">Delayed</th><th scope="col">Active</th><th scope="col">Oldest due job (s)</th></tr></thead>
        <tbody>${queues.map((q) => html`<tr data-queue=${q.queue}><th scope="row">${q.queue}</th><td data-field="waiting">${q.waiting}</td><td data-field="delayed">${q.delayed}</td><td data-field="active">${q.active}</td><td>${q.oldestWaitingSeconds}</td></tr>`)}</tbody>
      </table>
      <h2>Circuit breakers</h2>
      ${circuits.length === 0
        ? html`<p class="muted">No provider has been called by a worker in this process yet.</p>`
        : html`<table class="data"><thead><tr><th scope="col">Provider</th><th scope="col">State</th></tr></thead>
            <tbody>${circuits.map((c) => html`<tr><th scope="row">${c.provider}</th><td><span class=${`badge badge-${c.state}`}>${c.state.replace('_', ' ')}</span></td></tr>`)}</tbody></table>`}
      <h2>Projections</h2>
      <table class="data">
        <thead><tr><th scope="col">Projection</th><th scope="col">Behind the log (positions)</th><th scope="col">Runs in this process</th><th scope="col">Checkpointed</th></tr></thead>
        <tbody>${projections.map((p) => html`<tr><th scope="row">${p.projection}</th><td>${p.lag}</td><td>${p.runsHere ? 'yes' : 'no (from its checkpoint)'}</td><td>${when(p.checkpointedAt)}</td></tr>`)}</tbody>
      </table>
      <h2>Broadcasts</h2>
      ${broadcasts.length === 0
        ? html`<p>None yet.</p>`
        : html`<table class="data" id="broadcasts">
            <thead><tr><th scope="col">Broadcast</th><th scope="col">Status</th><th scope="col">Audience</th><th scope="col">Category</th><th scope="col">Members decided</th><th scope="col">Requested</th></tr></thead>
            <tbody>${broadcasts.map((b) => html`<tr data-broadcast=${b.broadcastId}><th scope="row"><code>${b.broadcastId}</code></th><td>${b.status.replace('_', ' ')}</td><td>${b.audience.topic ? `topic ${b.audience.topic}` : b.audience.kind}</td><td>${b.category}</td><td data-field="decided">${b.decided}${b.audienceSize === null ? '' : ` of ${b.audienceSize}`}</td><td>${when(b.requestedAt)}</td></tr>`)}</tbody>
          </table>`}
      <h2>Recent alerts</h2>
      ${alerts.length === 0 ? html`<p>None raised by this process.</p>` : html`<ul class="alerts">${alerts.map((a) => html`<li><time datetime=${a.at}>${when(a.at)}</time> <strong>${a.kind}</strong>: ${a.summary}</li>`)}</ul>`}
    <//>`;
}
