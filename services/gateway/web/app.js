// Kumo's web UI: hash routing (#/queue, #/system, ...) behind the login.

import { api, session } from './api.js';
import { h, notify } from './dom.js';
import { loginPage, setupPage } from './auth.js';
import { QueuePage } from './queue.js';

const main = document.getElementById('main');
const bar = document.getElementById('bar');
const live = document.getElementById('live');
let current = null;
let authenticated = false;

const LIVE_TEXT = { live: 'Live', connecting: 'Connecting…', offline: 'Offline, reconnecting…' };

function setLive(state) {
  live.textContent = LIVE_TEXT[state] || '';
  live.dataset.state = state;
}

// The queue is the first page: it comes with the app. Every other page's
// module is fetched when it is first opened.
const PAGES = {
  queue: () => new QueuePage(main, setLive),
  system: async () => new (await import('./system.js')).SystemPage(main),
  library: async () => new (await import('./library.js')).LibraryPage(main, setLive),
  series: async (arg) => new (await import('./series.js')).SeriesPage(main, arg),
  providers: async () => new (await import('./providers.js')).ProvidersPage(main),
  tasks: async () => new (await import('./tasks.js')).TasksPage(main),
  notifications: async () => new (await import('./webhooks.js')).WebhooksPage(main),
  settings: async () => new (await import('./settings.js')).SettingsPage(main),
  keys: async () => new (await import('./keys.js')).KeysPage(main),
};
let routing = 0;

function leave() {
  if (current) current.unmount();
  current = null;
  setLive('');
}

async function route() {
  const [first, ...rest] = location.hash.replace(/^#\/?/, '').split('/');
  const name = PAGES[first] ? first : 'queue';
  let arg = '';
  try { arg = decodeURIComponent(rest.join('/')); } catch { arg = ''; }
  if (!authenticated) return;
  const make = PAGES[name];
  leave();
  bar.hidden = false;
  const section = name === 'series' ? 'library' : name;
  for (const a of bar.querySelectorAll('nav a')) {
    if (a.dataset.route === section) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = 'Kumo · ' + name[0].toUpperCase() + name.slice(1);
  const turn = ++routing;
  main.replaceChildren(h('p', { class: 'empty' }, 'Loading…'));
  let page;
  try {
    page = await make(arg);
  } catch (err) {
    if (turn === routing) {
      main.replaceChildren(h('div', { class: 'page' }, h('p', { class: 'form-error' },
        'This page cannot be loaded: ' + err.message), h('button', { type: 'button', onclick: route }, 'Try again')));
    }
    return;
  }
  if (turn !== routing || !authenticated) return; // another route was asked for meanwhile
  current = page;
  current.mount();
}

/**
 * Shows the route when logged in, else setup or login. `optimistic` (the
 * first load of the queue) skips asking first: the queue's own requests
 * prove the session, and a 401 from them leads here again.
 */
async function start(optimistic = false) {
  leave();
  if (optimistic) {
    authenticated = true;
    return route();
  }
  let status;
  try {
    status = await api('GET', '/api/auth/status');
  } catch (err) {
    main.replaceChildren(h('div', { class: 'page' }, h('h1', {}, 'Kumo'),
      h('p', { class: 'form-error' }, 'The gateway cannot be asked: ' + err.message),
      h('button', { type: 'button', onclick: start }, 'Try again')));
    return;
  }
  authenticated = status.authenticated;
  if (authenticated) return route();
  bar.hidden = true;
  const done = () => start();
  if (!status.configured) setupPage(main, done);
  else loginPage(main, done);
}

session.onExpired = () => {
  if (!authenticated) return;
  authenticated = false;
  if (session.confirmed) notify('Your session ended. Log in again.');
  start();
};

document.getElementById('logout').addEventListener('click', async () => {
  try { await api('POST', '/api/auth/logout', {}); } catch (err) { notify(err.message); }
  authenticated = false;
  start();
});

window.addEventListener('hashchange', () => {
  route();
  main.focus();
});
start(/^#?\/?(queue)?$/.test(location.hash));
