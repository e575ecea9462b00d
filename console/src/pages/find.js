import { useState } from 'preact/hooks';
import { api, query } from '../api.js';
import { html } from '../html.js';
import { Failure, Page } from '../ui.js';
import { NotificationList } from './notification-list.js';

const go = (hash) => (location.hash = hash);

/** Find a notification by id or by the caller's idempotency key, a user by id (and then their notifications). */
export function Find() {
  const [found, setFound] = useState(null);
  const [error, setError] = useState(null);
  const field = (event, name) => new FormData(event.currentTarget).get(name).trim();
  async function byKey(event) {
    event.preventDefault();
    setError(null);
    try {
      setFound(await api(`notifications${query({ idempotencyKey: field(event, 'idempotencyKey') })}`));
    } catch (e) {
      setError(e);
    }
  }
  return html`
    <${Page} title="Find">
      <div class="cards">
        <form class="card stack" onSubmit=${(e) => (e.preventDefault(), go(`#/notifications/${encodeURIComponent(field(e, 'notificationId'))}`))}>
          <h2>A notification</h2>
          <label for="notificationId">Notification id</label>
          <input id="notificationId" name="notificationId" required pattern="[0-9a-fA-F-]{36}" title="a notification id (UUID)" />
          <button type="submit">Show its story</button>
        </form>
        <form class="card stack" onSubmit=${(e) => (e.preventDefault(), go(`#/users/${encodeURIComponent(field(e, 'userId'))}`))}>
          <h2>A user</h2>
          <label for="userId">User id</label>
          <input id="userId" name="userId" required />
          <button type="submit">Show the user</button>
        </form>
        <form class="card stack" onSubmit=${byKey}>
          <h2>By idempotency key</h2>
          <label for="idempotencyKey">Idempotency key</label>
          <input id="idempotencyKey" name="idempotencyKey" required />
          <button type="submit">Find notifications</button>
        </form>
      </div>
      ${error && html`<${Failure} error=${error} />`}
      ${found && html`<h2>Notifications with that key</h2><${NotificationList} items=${found} />`}
    <//>`;
}
