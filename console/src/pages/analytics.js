import { useEffect, useState } from 'preact/hooks';
import { api, query } from '../api.js';
import { BarChart } from '../chart.js';
import { html } from '../html.js';
import { Failure, Loading, Page } from '../ui.js';

const CHANNELS = ['push', 'sms', 'email'];
const REASONS = ['opted_out', 'rate_limited', 'duplicate', 'no_target'];
const STEPS = ['sent', 'opened', 'clicked', 'converted'];
const today = () => new Date().toISOString().slice(0, 10);
const daysAgo = (n) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

/** The filters of /v1/analytics, read from the URL so a view can be linked to. */
const filtersFrom = (params) => ({ from: params.get('from') ?? daysAgo(13), to: params.get('to') ?? today(), channel: params.get('channel') ?? '', category: params.get('category') ?? '', template: params.get('template') ?? '', client: params.get('client') ?? '' });

/** A template's funnel; '' asks for notifications with inline content, as in the API. */
function funnelOf(f, template) {
  const params = new URLSearchParams(Object.entries(f).filter(([k, v]) => k !== 'template' && v));
  params.set('template', template);
  return api(`analytics/funnel?${params}`);
}

/** Everything the four charts need, from the same summary and funnel queries the API answers. */
async function load(f) {
  const [byDayChannel, total, byChannel, byTemplate] = await Promise.all([
    api(`analytics/summary${query({ ...f, groupBy: 'day,channel' })}`),
    api(`analytics/summary${query(f)}`),
    api(`analytics/summary${query({ ...f, groupBy: 'channel' })}`),
    api(`analytics/summary${query({ ...f, groupBy: 'template' })}`),
  ]);
  const templates = byTemplate.groups.map((g) => g.template ?? '').slice(0, 8);
  const funnels = await Promise.all(templates.map((t) => funnelOf(f, t)));
  return { byDayChannel, total, byChannel, templates, funnels };
}

function Charts({ data }) {
  const days = [...new Set(data.byDayChannel.groups.map((g) => g.day))].sort();
  const requested = (day, channel) => data.byDayChannel.groups.find((g) => g.day === day && g.channel === channel)?.requested ?? 0;
  const suppressed = data.total.groups[0]?.suppressed ?? {};
  const latency = (channel, p) => data.byChannel.groups.find((g) => g.channel === channel)?.latencyMs[p] ?? null;
  return html`
    <div class="charts">
      <${BarChart} id="volume" title="Requested deliveries per day and channel" labels=${days} stacked=${true} series=${CHANNELS.map((c) => ({ label: c, data: days.map((d) => requested(d, c)) }))} />
      <${BarChart} id="suppressions" title="Suppressed, by reason" labels=${REASONS} series=${[{ label: 'suppressed', data: REASONS.map((r) => suppressed[r] ?? 0) }]} />
      <${BarChart}
        id="funnel"
        title="Funnel per template: sent, opened, clicked, converted"
        labels=${STEPS}
        series=${data.templates.map((t, i) => ({ label: t === '' ? '(inline content)' : t, data: data.funnels[i].steps.map((s) => s.count) }))}
      />
      <${BarChart}
        id="latency"
        title="Request-to-sent latency percentiles per channel (ms)"
        labels=${['p50', 'p95', 'p99']}
        totals=${false}
        series=${CHANNELS.map((c) => ({ label: c, data: ['p50', 'p95', 'p99'].map((p) => latency(c, p)) }))}
      />
    </div>`;
}

export function Analytics({ params }) {
  const filters = filtersFrom(params);
  const [state, setState] = useState({ loading: true });
  const key = JSON.stringify(filters);
  useEffect(() => {
    let live = true;
    setState({ loading: true });
    load(filters).then(
      (data) => live && setState({ data }),
      (error) => live && setState({ error }),
    );
    return () => (live = false);
  }, [key]);
  function apply(event) {
    event.preventDefault();
    const form = Object.fromEntries(new FormData(event.currentTarget));
    location.hash = `#/analytics${query(form)}`;
  }
  return html`
    <${Page} title="Analytics">
      <form class="filters" onSubmit=${apply} aria-label="Filters">
        <label>From <input type="date" name="from" value=${filters.from} /></label>
        <label>To <input type="date" name="to" value=${filters.to} /></label>
        <label>Channel <select name="channel" value=${filters.channel}><option value="">all</option>${CHANNELS.map((c) => html`<option value=${c}>${c}</option>`)}</select></label>
        <label>Category <input name="category" value=${filters.category} /></label>
        <label>Template <input name="template" value=${filters.template} /></label>
        <label>Client <input name="client" value=${filters.client} /></label>
        <button type="submit">Apply</button>
      </form>
      ${state.loading && html`<${Loading} />`}
      ${state.error && html`<${Failure} error=${state.error} />`}
      ${state.data && html`<${Charts} data=${state.data} />`}
    <//>`;
}
