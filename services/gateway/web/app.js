// Kumo's web UI: hash routing (#/queue, #/system, ...) behind the login.

import { api, session } from './api.js';
import { h, notify } from './dom.js';
import { loginPage, setupPage } from './auth.js';
import { QueuePage } from './queue.js';
import { SystemPage } from './system.js';
import { LibraryPage, SeriesPage } from './library.js';
import { ProvidersPage } from './providers.js';
import { SettingsPage } from './settings.js';
import { KeysPage } from './keys.js';

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

const PAGES = {
  queue: () => new QueuePage(main, setLive),
  system: () => new SystemPage(main),
  library: () => new LibraryPage(main, setLive),
  series: (arg) => new SeriesPage(main, arg),
  providers: () => new ProvidersPage(main),
  settings: () => new SettingsPage(main),
  keys: () => new KeysPage(main),
};

function leave() {
  if (current) current.unmount();
  current = null;
  setLive('');
}

function route() {
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
  current = make(arg);
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
