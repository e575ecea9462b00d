import { useApi } from '../hooks.js';
import { html } from '../html.js';
import { Facts, Failure, Loading, Page, when } from '../ui.js';
import { NotificationList } from './notification-list.js';

const onOff = (v) => (v ? 'on' : 'off');

function Preferences({ p }) {
  return html`
    <${Facts}
      items=${[
        ['Muted', p.muted ? 'yes: nothing but critical categories' : 'no'],
        ['Channels', `push ${onOff(p.channels.push)}, SMS ${onOff(p.channels.sms)}, email ${onOff(p.channels.email)}, in-app ${onOff(p.channels.inapp)}`],
        ['Quiet hours', p.quietHours ? `${p.quietHours.start}–${p.quietHours.end}${p.quietHours.days ? ` on ${p.quietHours.days.join(', ')}` : ''}${p.quietHours.channels ? ` for ${p.quietHours.channels.join(', ')}` : ''}` : null],
      ]}
    />
    ${p.categories.length > 0 &&
    html`<table class="data">
      <caption>Categories</caption>
      <thead><tr><th scope="col">Category</th><th scope="col">Enabled</th><th scope="col">Push</th><th scope="col">SMS</th><th scope="col">Email</th><th scope="col">In-app</th></tr></thead>
      <tbody>${p.categories.map((c) => html`<tr><th scope="row">${c.category}</th><td>${onOff(c.enabled)}</td><td>${onOff(c.channels.push)}</td><td>${onOff(c.channels.sms)}</td><td>${onOff(c.channels.email)}</td><td>${onOff(c.channels.inapp)}</td></tr>`)}</tbody>
    </table>`}`;
}

export function UserPage({ userId }) {
  const found = useApi(`users/${encodeURIComponent(userId)}`);
  const title = `User ${userId}`;
  if (found.loading) return html`<${Page} title=${title}><${Loading} /><//>`;
  if (found.error) return html`<${Page} title=${title}><${Failure} error=${found.error} /><//>`;
  const { user, notifications } = found.data;
  return html`
    <${Page} title=${title}>
      <h2>Profile</h2>
      <p class="muted">Contact data is masked: enough to recognise it, not to use it.</p>
      <${Facts} items=${[['Email', user.email], ['Phone', user.phone], ['Locale', user.locale], ['Time zone', user.timezone]]} />
      <h2>Devices</h2>
      ${user.devices.length === 0
        ? html`<p>None.</p>`
        : html`<table class="data">
            <thead><tr><th scope="col">Device</th><th scope="col">Platform</th><th scope="col">Provider</th><th scope="col">Token (masked)</th><th scope="col">Registered</th></tr></thead>
            <tbody>${user.devices.map((d) => html`<tr><td><code>${d.deviceId}</code></td><td>${d.platform}</td><td>${d.provider}</td><td><code>${d.token}</code></td><td>${when(d.registeredAt)}</td></tr>`)}</tbody>
          </table>`}
      <h2>Topics</h2>
      ${user.topics.length === 0 ? html`<p>None.</p>` : html`<ul id="topics">${user.topics.map((t) => html`<li><code>${t.topicKey}</code>, since ${when(t.subscribedAt)}</li>`)}</ul>`}
      <h2>Preferences</h2>
      <${Preferences} p=${user.preferences} />
      <h2>Recent notifications</h2>
      <${NotificationList} items=${notifications} />
    <//>`;
}
