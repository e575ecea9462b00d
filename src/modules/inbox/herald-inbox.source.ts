// The source of <herald-inbox>, served as /inbox/herald-inbox.js (an ES module for browsers, so
// not compiled here). Kept as text in a module so the build carries it with the rest of dist/.
export const HERALD_INBOX_JS = String.raw`// <herald-inbox>: Herald's in-app feed as a web component, no framework. Served by Herald at
// /inbox/herald-inbox.js. Give it a subscriber token (minted by your backend with
// POST /v1/users/{userId}/inbox-token); it talks to the Herald it was loaded from, or base-url.
// align="end" opens the list towards the left (for a bell at the right edge).
const STYLE = [
  ':host { position: relative; display: inline-block; font: 14px/1.4 system-ui, sans-serif; color: #1a1a1a; }',
  '.bell { position: relative; width: 40px; height: 40px; border: 1px solid #767676; border-radius: 50%; background: #fff; cursor: pointer; }',
  '.bell:focus-visible, button:focus-visible, a:focus-visible { outline: 3px solid #1a56db; outline-offset: 2px; }',
  '.bell svg { width: 22px; height: 22px; vertical-align: middle; }',
  '.badge { position: absolute; top: -6px; right: -6px; min-width: 20px; height: 20px; padding: 0 5px; border-radius: 10px; background: #b00020; color: #fff; font-size: 12px; font-weight: 700; line-height: 20px; text-align: center; box-sizing: border-box; }',
  '.badge[hidden] { display: none; }',
  '.panel { position: absolute; left: 0; z-index: 10; width: 340px; max-width: calc(100vw - 16px); max-height: 420px; overflow: auto; margin-top: 8px; background: #fff; border: 1px solid #767676; border-radius: 8px; box-shadow: 0 4px 16px rgba(0,0,0,.15); }',
  '.panel[hidden] { display: none; }',
  ':host([align=end]) .panel { left: auto; right: 0; }',
  '.head { display: flex; justify-content: space-between; align-items: center; padding: 8px 12px; border-bottom: 1px solid #ddd; }',
  'h2 { margin: 0; font-size: 16px; }',
  'ul { list-style: none; margin: 0; padding: 0; }',
  'li { padding: 10px 12px; border-bottom: 1px solid #eee; }',
  'li.unread { background: #eef4ff; }',
  'li.unread .title::before { content: ""; display: inline-block; width: 8px; height: 8px; margin-right: 6px; border-radius: 50%; background: #1a56db; }',
  '.title { font-weight: 600; margin: 0; }',
  '.body { margin: 2px 0 4px; }',
  'a { color: #1a56db; }',
  'time { color: #555; font-size: 12px; }',
  '.actions button, .head button { border: 1px solid #767676; border-radius: 4px; background: #fff; color: #1a1a1a; padding: 2px 8px; font: inherit; font-size: 12px; cursor: pointer; }',
  '.empty { padding: 16px 12px; color: #555; }',
  '.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }',
].join('\n');

const BELL = '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z"/></svg>';
const isLink = (url) => { try { const u = new URL(url); return u.protocol === 'https:' || u.protocol === 'http:'; } catch { return false; } };

export class HeraldInbox extends HTMLElement {
  static get observedAttributes() { return ['token', 'base-url']; }

  constructor() {
    super();
    this.items = new Map();
    this.counts = { unread: 0, unseen: 0 };
    this.source = null;
    this.generation = 0;
    const root = this.attachShadow({ mode: 'open' });
    root.innerHTML = '<style>' + STYLE + '</style>' +
      '<button class="bell" part="bell" type="button" aria-expanded="false" aria-controls="panel">' + BELL + '<span class="badge" part="badge" aria-hidden="true" hidden></span></button>' +
      '<span class="sr" role="status" aria-live="polite"></span>' +
      '<section class="panel" id="panel" part="panel" hidden aria-labelledby="heading"><div class="head"><h2 id="heading">Notifications</h2><button type="button" class="all">Mark all as read</button></div><ul></ul></section>';
    this.bell = root.querySelector('.bell');
    this.badge = root.querySelector('.badge');
    this.status = root.querySelector('[role=status]');
    this.panel = root.querySelector('.panel');
    this.list = root.querySelector('ul');
    this.bell.addEventListener('click', () => this.toggle());
    root.querySelector('.all').addEventListener('click', () => this.markAllRead());
  }

  /** The subscriber token; setting it (again, when one expired) reconnects. */
  get token() { return this.getAttribute('token') || ''; }
  set token(value) { this.setAttribute('token', value); }
  get baseUrl() { return (this.getAttribute('base-url') || new URL(import.meta.url).origin).replace(/\/+$/, ''); }

  connectedCallback() { this.render(); this.start(); }
  disconnectedCallback() { this.stop(); }
  attributeChangedCallback(_name, before, after) { if (before !== after && this.isConnected) this.start(); }

  stop() {
    this.generation++;
    if (this.source) this.source.close();
    this.source = null;
    clearTimeout(this.retry);
  }

  /** Herald unreachable, restarting or refusing for now: load again after 1 s, doubling to 30 s. An expired token waits for a new one instead. */
  retryLater(generation, error) {
    this.failed(error);
    if (generation !== this.generation || (error && error.message === '401')) return;
    this.delay = Math.min((this.delay || 500) * 2, 30000);
    this.retry = setTimeout(() => { if (generation === this.generation) this.start(); }, this.delay);
  }

  async start() {
    this.stop();
    const generation = this.generation;
    if (!this.token) return;
    let page;
    try {
      page = await this.call('GET', '/v1/inbox?limit=50');
    } catch (error) {
      return this.retryLater(generation, error);
    }
    if (generation !== this.generation) return;
    this.delay = 0;
    this.items = new Map(page.items.map((item) => [item.id, item]));
    this.counts = page.counts;
    this.render();
    const url = this.baseUrl + '/v1/inbox/stream?token=' + encodeURIComponent(this.token) + '&lastEventId=' + encodeURIComponent(page.lastEventId);
    const source = new EventSource(url);
    this.source = source;
    source.addEventListener('item', (e) => { this.upsert(JSON.parse(e.data)); this.render(); });
    source.addEventListener('counts', (e) => { this.counts = JSON.parse(e.data); this.render(); this.emit('herald-inbox-counts', this.counts); });
    source.addEventListener('reset', () => this.start());
    source.addEventListener('expired', () => { source.close(); this.emit('herald-inbox-token-expired', {}); });
    // EventSource reconnects by itself after a network error; it gives up only on an HTTP error answer, which a fresh load explains (401: the token expired).
    source.addEventListener('error', () => { if (source.readyState === EventSource.CLOSED) this.retryLater(generation, new Error('the live stream closed')); });
  }

  async call(method, path) {
    const res = await fetch(this.baseUrl + path, { method, headers: { authorization: 'Bearer ' + this.token } });
    if (res.status === 401) { this.emit('herald-inbox-token-expired', {}); throw new Error('401'); }
    if (!res.ok) throw new Error(method + ' ' + path + ': ' + res.status);
    return res.json();
  }

  failed(error) { this.emit('herald-inbox-error', { message: String(error && error.message || error) }); }

  emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true })); }

  upsert(item) {
    if (item.state === 'archived') this.items.delete(item.id);
    else this.items.set(item.id, item);
  }

  toggle() {
    const open = this.panel.hidden;
    this.panel.hidden = !open;
    this.bell.setAttribute('aria-expanded', String(open));
    if (open) this.markShownSeen();
  }

  /** Opening the list shows its items: the unseen ones become seen. */
  markShownSeen() {
    for (const item of this.items.values()) {
      if (item.state !== 'unseen') continue;
      item.state = 'seen';
      this.call('POST', '/v1/inbox/items/' + encodeURIComponent(item.id) + '/seen').catch((e) => this.failed(e));
    }
    this.counts = { unread: this.counts.unread, unseen: 0 };
    this.render();
  }

  async markRead(id) {
    const item = this.items.get(id);
    if (!item || item.state === 'read') return;
    item.state = 'read';
    this.counts = { unread: Math.max(0, this.counts.unread - 1), unseen: this.counts.unseen };
    this.render();
    try { await this.call('POST', '/v1/inbox/items/' + encodeURIComponent(id) + '/read'); } catch (e) { this.failed(e); }
  }

  async markAllRead() {
    for (const item of this.items.values()) item.state = 'read';
    this.counts = { unread: 0, unseen: 0 };
    this.render();
    try { await this.call('POST', '/v1/inbox/read-all'); } catch (e) { this.failed(e); }
  }

  render() {
    const unread = this.counts.unread;
    this.badge.hidden = unread === 0;
    this.badge.textContent = unread > 99 ? '99+' : String(unread);
    const label = unread === 0 ? 'Notifications' : 'Notifications, ' + unread + ' unread';
    this.bell.setAttribute('aria-label', label);
    if (this.status.textContent !== label) this.status.textContent = label;
    const items = [...this.items.values()].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
    this.list.replaceChildren(...(items.length === 0 ? [this.empty()] : items.map((item) => this.row(item))));
  }

  empty() {
    const li = document.createElement('li');
    li.className = 'empty';
    li.textContent = 'Nothing here yet.';
    return li;
  }

  row(item) {
    const li = document.createElement('li');
    li.dataset.id = item.id;
    const unread = item.state === 'unseen' || item.state === 'seen';
    if (unread) li.className = 'unread';
    const title = document.createElement('p');
    title.className = 'title';
    if (item.actionUrl && isLink(item.actionUrl)) {
      const a = document.createElement('a');
      a.href = item.actionUrl;
      a.textContent = item.title || item.body || item.actionUrl;
      a.addEventListener('click', () => this.markRead(item.id));
      title.append(a);
    } else title.textContent = item.title || '';
    li.append(title);
    if (item.body && item.title) {
      const body = document.createElement('p');
      body.className = 'body';
      body.textContent = item.body;
      li.append(body);
    }
    const time = document.createElement('time');
    time.dateTime = item.createdAt;
    time.textContent = new Date(item.createdAt).toLocaleString();
    li.append(time);
    if (unread) {
      const actions = document.createElement('div');
      actions.className = 'actions';
      const read = document.createElement('button');
      read.type = 'button';
      read.textContent = 'Mark as read';
      read.setAttribute('aria-label', 'Mark as read: ' + (item.title || item.body || ''));
      read.addEventListener('click', () => this.markRead(item.id));
      actions.append(read);
      li.append(actions);
    }
    return li;
  }
}

if (!customElements.get('herald-inbox')) customElements.define('herald-inbox', HeraldInbox);
`;
