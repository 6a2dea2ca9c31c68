import { ApiError, api, openLive, token } from './api.js';
import { h, replace } from './dom.js';
import { currentLang, setLang, t, translateStatic } from './i18n.js';
import { renderCameras } from './views/cameras-view.js';
import { renderDashboard } from './views/dashboard-view.js';
import { renderMap } from './views/map-view.js';
import { renderQueue } from './views/queue-view.js';
import { renderTicket } from './views/ticket-view.js';
import { renderTickets } from './views/tickets-view.js';
import { renderZoneEditor } from './zones/zone-editor.js';

const ROUTES = [
  { name: 'queue', pattern: /^#\/queue$/, render: renderQueue },
  { name: 'tickets', pattern: /^#\/tickets$/, render: renderTickets },
  { name: 'ticket', pattern: /^#\/tickets\/(\d+)$/, render: renderTicket, nav: 'tickets' },
  { name: 'map', pattern: /^#\/map$/, render: renderMap },
  { name: 'dashboard', pattern: /^#\/dashboard$/, render: renderDashboard },
  { name: 'cameras', pattern: /^#\/cameras$/, render: renderCameras },
  {
    name: 'zones',
    pattern: /^#\/cameras\/([^/]+)\/([^/]+)\/zones$/,
    render: renderZoneEditor,
    nav: 'cameras',
  },
];
const NAV = ['queue', 'tickets', 'map', 'dashboard', 'cameras'];
/** Handlers work tickets dispatched to them; the others start at the review queue. */
const HOME = { handler: '#/tickets', supervisor: '#/dashboard' };

const view = document.getElementById('view');
const liveListeners = new Set();
let user;
let cleanup;
let closeLive;

function toast(text, kind = 'info') {
  const el = document.getElementById('toast');
  replace(el, h('div', { class: `toast ${kind}` }, text));
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => el.replaceChildren(), 5000);
}

const ctx = {
  get user() {
    return user;
  },
  toast,
  navigate: (hash) => {
    location.hash = hash;
  },
  /** Subscribe to the live feed for the current view; returns the unsubscribe function. */
  onLive(listener) {
    liveListeners.add(listener);
    return () => liveListeners.delete(listener);
  },
  fail: (error) => toast(t('error.generic', { message: error.message }), 'error'),
};

function renderHeader() {
  translateStatic();
  document.getElementById('lang-switch').textContent = currentLang() === 'zh' ? 'English' : '中文';
  document.getElementById('who').textContent = user ? `${user.name} (${user.role})` : '';
  document.getElementById('logout').hidden = !user;
  const current = ROUTES.find((r) => r.pattern.test(location.hash));
  const active = current?.nav ?? current?.name;
  replace(
    document.getElementById('nav'),
    user
      ? NAV.map((name) =>
          h('a', { href: `#/${name}`, class: name === active ? 'active' : undefined }, t(`nav.${name}`)),
        )
      : [],
  );
}

function route() {
  cleanup?.();
  cleanup = undefined;
  liveListeners.clear();
  renderHeader();
  if (!user) return renderLogin();
  const current = ROUTES.find((r) => r.pattern.test(location.hash));
  if (!current) {
    location.hash = HOME[user.role] ?? '#/queue';
    return;
  }
  const match = location.hash.match(current.pattern);
  // Each route renders into a root of its own: a slower render of the route the user has just
  // left then fills a detached element instead of overwriting the current view.
  const root = h('div', { class: 'view-root' });
  view.replaceChildren(root);
  view.className = `view-${current.name}`;
  Promise.resolve(current.render(root, ctx, ...match.slice(1)))
    .then((fn) => {
      if (root.isConnected) cleanup = fn;
      else fn?.();
    })
    .catch((error) => {
      if (root.isConnected) ctx.fail(error);
    });
}

function renderLogin(message) {
  const input = h('input', { id: 'token', type: 'password', autocomplete: 'off', required: true });
  const form = h(
    'form',
    { class: 'login card', onsubmit: (e) => submit(e, input.value.trim()) },
    h('h1', {}, t('login.title')),
    h('label', {}, t('login.token'), input),
    h('button', { type: 'submit' }, t('login.submit')),
    h('p', { class: 'muted' }, t('login.hint')),
    message ? h('p', { class: 'error' }, message) : null,
  );
  view.className = 'view-login';
  replace(view, form);
  input.focus();
}

async function submit(event, value) {
  event.preventDefault();
  try {
    user = await api('/me', { authToken: value });
    token.set(value);
    startLive();
    route();
  } catch (error) {
    renderLogin(error instanceof ApiError && error.status === 401 ? t('login.bad') : error.message);
  }
}

function startLive() {
  closeLive?.();
  const state = document.getElementById('live-state');
  closeLive = openLive(
    (kind, data) => {
      for (const listener of liveListeners) listener(kind, data);
    },
    (s) => {
      state.textContent = `● ${t(`live.${s}`)}`;
      state.dataset.state = s;
    },
  );
}

document.getElementById('logout').addEventListener('click', () => {
  token.clear();
  user = undefined;
  closeLive?.();
  document.getElementById('live-state').textContent = '';
  route();
});
document.getElementById('lang-switch').addEventListener('click', () => {
  setLang(currentLang() === 'zh' ? 'en' : 'zh');
  route();
});
window.addEventListener('hashchange', route);

async function boot() {
  const saved = token.get();
  if (saved) {
    try {
      user = await api('/me');
      startLive();
    } catch {
      token.clear();
    }
  }
  route();
}
boot();
