import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { useApi } from '../hooks.js';
import { html } from '../html.js';
import { Facts, Failure, Loading, Page, Status, when } from '../ui.js';

const OPEN = new Set(['scheduled', 'queued', 'retrying']);

const targetOf = (t) => (t.channel === 'push' ? `${t.provider} device …${t.tokenSuffix}` : t.email ?? t.phone ?? t.channel);

function Engagement({ e }) {
  const steps = [
    ['opened', e.opened],
    ['clicked', e.clicked],
    ['converted', e.converted],
  ].filter(([, v]) => v);
  return steps.length === 0 ? html`<span class="muted">none</span>` : steps.map(([name, v]) => html`<div>${name} ${when(v.at)} (${v.source})</div>`);
}

/** Per channel: delivered or not, and why, as /explain says it. */
function Decision({ channel }) {
  if (channel.decision === 'suppressed') {
    return html`<article class="card channel" aria-labelledby=${`ch-${channel.channel}`}>
      <h3 id=${`ch-${channel.channel}`}>${channel.channel}: not sent</h3>
      <p><strong>Suppressed (${channel.reason}):</strong> <span class="why">${channel.explanation}</span></p>
      ${channel.preferencesChangedBy && html`<p class="muted">Preferences last changed by ${channel.preferencesChangedBy.source}${channel.preferencesChangedBy.appKey ? ` (${channel.preferencesChangedBy.appKey})` : ''} at ${when(channel.preferencesChangedAt)}</p>`}
    </article>`;
  }
  return html`<article class="card channel" aria-labelledby=${`ch-${channel.channel}`}>
    <h3 id=${`ch-${channel.channel}`}>${channel.channel}: ${channel.delivered ? 'sent' : 'not sent (yet)'}</h3>
    <table class="data">
      <thead><tr><th scope="col">Delivery</th><th scope="col">Target</th><th scope="col">Outcome</th><th scope="col">Attempts</th><th scope="col">Provider answers</th><th scope="col">Engagement</th></tr></thead>
      <tbody>
        ${channel.deliveries.map(
          (d) => html`<tr>
            <td><code>${d.deliveryId}</code>${d.deferred && html`<div class="muted">${d.deferred.explanation}</div>`}</td>
            <td>${targetOf(d.target)}</td>
            <td><${Status} value=${d.outcome} />${d.failureReason && html`<div>${d.failureReason}</div>`}${d.sentBy && html`<div class="muted">by ${d.sentBy} (${d.providerMessageId})</div>`}</td>
            <td>${d.attempts}</td>
            <td>${d.errors.length === 0 ? html`<span class="muted">none</span>` : html`<ul>${d.errors.map((e) => html`<li>${e}</li>`)}</ul>`}${d.failovers.map((f) => html`<div>failover ${f.from} → ${f.to}</div>`)}</td>
            <td><${Engagement} e=${d.engagement} /></td>
          </tr>`,
        )}
      </tbody>
    </table>
  </article>`;
}

/** Every event of the notification in log order, each with where it sits in the log for auditors. */
function Timeline({ events }) {
  return html`<ol class="timeline">
    ${events.map(
      (e) => html`<li>
        <time datetime=${e.time}>${when(e.time)}</time> <strong>${e.type}</strong>
        <span class="muted"> in ${e.streamName} at revision ${e.revision} (log position ${e.position})${e.metadata?.appKey ? `, asked by ${e.metadata.appKey}` : ''}</span>
        <details><summary>Raw event ${e.type} #${e.revision}</summary><pre>${JSON.stringify({ data: e.data, metadata: e.metadata }, null, 2)}</pre></details>
      </li>`,
    )}
  </ol>`;
}

export function NotificationStory({ id }) {
  const story = useApi(`notifications/${encodeURIComponent(id)}`);
  const [cancel, setCancel] = useState(null);
  if (story.loading && !story.data) return html`<${Page} title="Notification"><${Loading} /><//>`;
  if (story.error) return html`<${Page} title="Notification"><${Failure} error=${story.error} /><//>`;
  const { notification: n, explanation, timeline } = story.data;
  const cancellable = n.deliveries.some((d) => OPEN.has(d.status));
  async function cancelIt() {
    try {
      const result = await api(`notifications/${n.notificationId}/cancel`, { method: 'POST', body: {} });
      setCancel({ ok: `Canceled ${result.canceled.length} deliveries.` });
      story.reload();
    } catch (e) {
      setCancel({ error: e.message });
    }
  }
  return html`
    <${Page} title=${`Notification ${n.notificationId}`}>
      <${Facts}
        items=${[
          ['Status', html`<${Status} value=${n.status} />`],
          ['User', html`<a href=${`#/users/${encodeURIComponent(n.userId)}`}>${n.userId}</a>`],
          ['Category', n.category],
          ['Template', n.templateId],
          ['Idempotency key', n.idempotencyKey],
          ['Requested', `${when(n.requestedAt)} by ${n.requestedBy ?? 'unknown'}`],
          ['Send at', when(n.sendAt)],
        ]}
      />
      ${cancellable && html`<p><button type="button" class="danger" onClick=${cancelIt}>Cancel the deliveries not yet sent</button></p>`}
      ${cancel?.ok && html`<p class="status" role="status">${cancel.ok}</p>`}
      ${cancel?.error && html`<p class="alert" role="alert">${cancel.error}</p>`}
      <h2>Decision per channel</h2>
      ${explanation.channels.map((c) => html`<${Decision} channel=${c} />`)}
      <h2>Timeline</h2>
      <${Timeline} events=${timeline} />
    <//>`;
}
