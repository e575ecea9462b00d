import { html } from '../html.js';
import { Status, when } from '../ui.js';

export function NotificationList({ items }) {
  if (items.length === 0) return html`<p>None.</p>`;
  return html`
    <table class="data">
      <thead><tr><th scope="col">Notification</th><th scope="col">User</th><th scope="col">Category</th><th scope="col">Status</th><th scope="col">Requested</th><th scope="col">Idempotency key</th></tr></thead>
      <tbody>
        ${items.map(
          (n) => html`<tr>
            <td><a href=${`#/notifications/${n.notificationId}`}>${n.notificationId}</a></td>
            <td><a href=${`#/users/${encodeURIComponent(n.userId)}`}>${n.userId}</a></td>
            <td>${n.category}</td>
            <td><${Status} value=${n.status} /></td>
            <td>${when(n.requestedAt)}</td>
            <td>${n.idempotencyKey ?? '–'}</td>
          </tr>`,
        )}
      </tbody>
    </table>`;
}
