import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { html } from '../html.js';

/** appKey and appSecret go to the server once; what comes back is a cookie this script cannot read. */
export function SignIn({ onSignedIn }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  document.title = 'Sign in · Herald console';
  async function submit(event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await api('session', { method: 'POST', body: { appKey: form.get('appKey'), appSecret: form.get('appSecret') } }));
    } catch (e) {
      setError(e.status === 403 ? 'This API client may not use the console: it needs the console or admin scope.' : e.status === 401 ? 'Wrong app key or app secret.' : e.message);
      setBusy(false);
    }
  }
  return html`
    <main class="narrow">
      <h1>Sign in to the Herald console</h1>
      <p class="muted">Use an API client's app key and app secret; the client needs the <code>console</code> (or <code>admin</code>) scope.</p>
      ${error && html`<p class="alert" role="alert">${error}</p>`}
      <form onSubmit=${submit} class="stack">
        <label for="appKey">App key</label>
        <input id="appKey" name="appKey" autocomplete="username" required />
        <label for="appSecret">App secret</label>
        <input id="appSecret" name="appSecret" type="password" autocomplete="current-password" required />
        <button type="submit" disabled=${busy}>Sign in</button>
      </form>
    </main>`;
}
