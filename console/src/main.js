import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, onSignedOut } from './api.js';
import { html } from './html.js';
import { Analytics } from './pages/analytics.js';
import { Find } from './pages/find.js';
import { NotificationStory } from './pages/notification.js';
import { Operations } from './pages/operations.js';
import { SignIn } from './pages/sign-in.js';
import { Templates } from './pages/templates.js';
import { UserPage } from './pages/user.js';
import { Loading } from './ui.js';

/** Hash routes (#/users/ada): the server serves one page, the script draws the screen. */
function parseHash() {
  const [path, search = ''] = location.hash.replace(/^#/, '').split('?');
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(search) };
}

function useRoute() {
  const [route, setRoute] = useState(parseHash());
  useEffect(() => {
    const changed = () => setRoute(parseHash());
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}

function Screen({ route }) {
  const [first, second] = route.parts;
  if (first === 'notifications' && second) return html`<${NotificationStory} id=${second} key=${second} />`;
  if (first === 'users' && second) return html`<${UserPage} userId=${second} key=${second} />`;
  if (first === 'analytics') return html`<${Analytics} params=${route.params} />`;
  if (first === 'operations') return html`<${Operations} />`;
  if (first === 'templates') return html`<${Templates} id=${second} key=${second ?? ''} />`;
  return html`<${Find} />`;
}

const NAV = [
  ['#/', 'Find', (p) => !p[0] || p[0] === 'notifications' || p[0] === 'users'],
  ['#/analytics', 'Analytics', (p) => p[0] === 'analytics'],
  ['#/operations', 'Operations', (p) => p[0] === 'operations'],
  ['#/templates', 'Templates', (p) => p[0] === 'templates'],
];

function App() {
  const [session, setSession] = useState(undefined);
  const route = useRoute();
  useEffect(() => {
    onSignedOut(() => setSession(null));
    api('session').then(setSession, () => setSession(null));
  }, []);
  if (session === undefined) return html`<main><${Loading} /></main>`;
  if (session === null) return html`<${SignIn} onSignedIn=${setSession} />`;
  async function signOut() {
    await api('session', { method: 'DELETE' }).catch(() => undefined);
    setSession(null);
  }
  return html`
    <header class="top">
      <a class="brand" href="#/">Herald console</a>
      <nav aria-label="Console">
        <ul>${NAV.map(([href, label, active]) => html`<li><a href=${href} aria-current=${active(route.parts) ? 'page' : undefined}>${label}</a></li>`)}</ul>
      </nav>
      <p class="who">Signed in as <strong>${session.name}</strong> <button type="button" class="secondary" onClick=${signOut}>Sign out</button></p>
    </header>
    <main><${Screen} route=${route} /></main>`;
}

render(html`<${App} />`, document.getElementById('app'));
