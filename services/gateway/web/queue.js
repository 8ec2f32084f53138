// The Queue page: every list of /api/queue/status (all pages), live
// progress from the event stream, per-item and whole-queue controls.

import { api } from './api.js';
import { h, notify } from './dom.js';
import { LiveEvents } from './events.js';
import { addForm } from './add.js';
import { buildRow, haystack, meter, signature } from './rows.js';

const LISTS = [
  ['active_downloads', 'Downloading', 'active', 'Nothing is downloading.'],
  ['pending_queue', 'Pending', 'pending', 'Nothing is waiting.'],
  ['paused_downloads', 'Paused', 'paused', 'Nothing is paused.'],
  ['failed_downloads', 'Failed', 'failed', 'No failures.'],
  ['completed_downloads', 'Completed', 'completed', 'Nothing completed yet.'],
];
const FIRST_PAGE = 50;
const PAGE = 200;
const MAX_PER_LIST = 5000;

export class QueuePage {
  constructor(root, setLive) {
    this.root = root;
    this.setLive = setLive;
    this.lists = {};
    this.shown = {}; // list key -> items rendered
    this.rows = new Map(); // id -> {row, sig, item}
    this.progress = new Map(); // item id -> live record
    this.status = null;
    this.filter = '';
    this.generation = 0;
    this.timer = 0;
    this.sawInit = false;
    this.events = new LiveEvents({
      init: (snap) => this.onInit(snap),
      event: (kind, env) => this.onEvent(kind, env),
      state: (state) => this.setLive(state),
    });
  }

  mount() {
    this.root.replaceChildren(this.view());
    this.refresh();
    this.events.start();
    this.poll = setInterval(() => this.refresh(), 15000);
  }

  unmount() {
    this.generation += 1; // a refresh still running renders nothing more
    this.events.stop();
    clearInterval(this.poll);
    clearTimeout(this.timer);
  }

  view() {
    this.controls = h('div', { class: 'controls', role: 'group', 'aria-label': 'Whole queue' });
    this.summary = h('p', { class: 'summary', 'aria-live': 'polite' }, 'Loading the queue…');
    const search = h('input', { type: 'search', id: 'filter', placeholder: 'Filter by series, file or status',
      'aria-label': 'Filter the queue', oninput: (e) => this.applyFilter(e.target.value) });
    const sections = LISTS.map(([key, label, cls, empty]) => {
      const count = h('span', { class: 'count' });
      const list = h('ul', { class: 'list ' + cls, 'aria-label': label });
      const none = h('p', { class: 'empty', hidden: true }, empty);
      this.lists[key] = { list, count, none, ids: '' };
      return h('section', { class: 'block', 'data-list': cls, 'aria-label': label },
        h('h2', {}, label, ' ', count), none, list);
    });
    const page = h('div', { class: 'page queue' },
      h('h1', {}, 'Queue'), this.summary, this.controls,
      addForm(() => this.schedule(0)), h('div', { class: 'filter' }, search), sections);
    page.addEventListener('click', (e) => this.onAction(e));
    page.addEventListener('change', (e) => this.onAction(e));
    return page;
  }

  /** Debounced refresh of the lists. */
  schedule(ms = 250) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), ms);
  }

  /**
   * Reloads the lists. A newer refresh supersedes one still paging through
   * a long list (its remaining pages are not fetched), so an action's
   * effect shows after one request, not after the whole list.
   */
  async refresh() {
    const generation = ++this.generation;
    const started = performance.now();
    this.loading = true;
    try {
      if (await this.load(() => generation === this.generation)) {
        // For anyone profiling the page (and the browser test).
        performance.measure('kumo-refresh', { start: started, end: performance.now() });
      }
    } catch (err) {
      if (generation === this.generation) {
        this.summary.textContent = 'The queue cannot be read: ' + err.message;
      }
    } finally {
      if (generation === this.generation) this.loading = false;
    }
    if (this.checkInit && !this.loading) {
      this.checkInit = false;
      if (!this.agrees()) this.refresh();
    }
  }

  /**
   * Every page of every list (up to MAX_PER_LIST items each), rendered as
   * each page arrives: a small first page shows quickly, and until a list is
   * complete the rows known from before stay below what arrived. Returns
   * false when `current()` turned false (a newer refresh took over).
   */
  async load(current) {
    const st = await api('GET', '/api/queue/status?limit=' + FIRST_PAGE);
    if (!current()) return false;
    const got = {};
    const cursors = {};
    for (const [key] of LISTS) {
      got[key] = st[key] || [];
      cursors[key] = st.pages?.[key]?.next_cursor;
    }
    this.render(st, got, cursors);
    for (const [key] of LISTS) {
      const name = key.split('_')[0] + '_cursor';
      while (cursors[key] && got[key].length < MAX_PER_LIST) {
        const next = await api('GET', '/api/queue/status?limit=' + PAGE + '&' + name + '=' +
          encodeURIComponent(cursors[key]));
        if (!current()) return false;
        got[key].push(...(next[key] || []));
        cursors[key] = next.pages?.[key]?.next_cursor;
        this.render(st, got, cursors);
      }
    }
    return true;
  }

  render(st, got, cursors) {
    this.status = st;
    this.renderControls(st);
    const fetched = new Set();
    for (const [key] of LISTS) for (const item of got[key]) fetched.add(item.id);
    const seen = new Set();
    for (const [key] of LISTS) {
      let list = got[key];
      if (cursors[key]) {
        list = list.concat((this.shown[key] || []).filter((i) => !fetched.has(i.id)));
      }
      this.shown[key] = list;
      this.renderList(key, list, seen);
    }
    for (const id of this.rows.keys()) if (!seen.has(id)) this.rows.delete(id);
    this.applyFilter(this.filter);
    this.markLive();
  }

  renderList(key, items, seen) {
    const slot = this.lists[key];
    const rows = items.map((item) => {
      seen.add(item.id);
      const sig = signature(item);
      let entry = this.rows.get(item.id);
      if (!entry || entry.sig !== sig) {
        entry = { row: buildRow(item), sig, item };
        this.rows.set(item.id, entry);
      }
      entry.item = item;
      meter(entry.row, item, this.progress.get(item.id));
      return entry.row;
    });
    const ids = items.map((i) => i.id).join(',');
    if (ids !== slot.ids || rows.some((r, i) => slot.list.children[i] !== r)) {
      slot.list.replaceChildren(...rows);
      slot.ids = ids;
    }
    slot.list.dataset.count = items.length;
    const total = this.status.pages?.[key]?.total ?? items.length;
    slot.count.textContent = '(' + total + ')';
    slot.none.hidden = items.length > 0;
  }

  renderControls(st) {
    const c = st.counts || {};
    const state = st.is_paused ? 'paused' : st.is_running === false ? 'stopped' : 'running';
    // Why nothing new starts, when the queue says (e.g. "storage_limit").
    const why = st.paused_reason ? ' · new downloads held: ' + String(st.paused_reason).replace(/_/g, ' ') : '';
    const text = 'Queue ' + state + why + ' · ' + (c.downloading || 0) + ' downloading, ' +
      (c.pending || 0) + ' pending, ' + (c.failed || 0) + ' failed, ' + (c.completed || 0) + ' completed';
    if (this.summary.textContent !== text) this.summary.textContent = text;
    // Rebuilt only when they change, so a focused button keeps its focus.
    const key = [st.is_paused, st.is_running, c.failed > 0, c.completed > 0].join();
    if (key === this.controlsKey) return;
    this.controlsKey = key;
    const b = (label, action, extra = {}) =>
      h('button', { type: 'button', 'data-action': action, ...extra }, label);
    this.controls.replaceChildren(
      st.is_paused ? b('Resume all', 'queue-resume') : b('Pause all', 'queue-pause'),
      st.is_running === false ? b('Start queue', 'queue-start') : b('Stop queue', 'queue-stop'),
      b('Retry failed', 'retry-all', { disabled: !(c.failed > 0) }),
      b('Clear completed', 'clear-completed', { disabled: !(c.completed > 0) }));
  }

  applyFilter(text) {
    this.filter = text.trim().toLowerCase();
    for (const entry of this.rows.values()) {
      const hide = this.filter !== '' && !haystack(entry.item).includes(this.filter);
      if (entry.row.hidden !== hide) entry.row.hidden = hide;
    }
  }

  onInit(snap) {
    this.progress = new Map();
    for (const rec of snap.active || []) {
      if (rec.type === 'download' && rec.id) this.progress.set(rec.id.replace(/^download:/, ''), rec);
    }
    // The first snapshot comes just after the first load: when both agree
    // on what runs, the lists are current. Any other snapshot (a
    // reconnection, a gateway restart) reloads them.
    const first = !this.sawInit;
    this.sawInit = true;
    this.recent = new Set((snap.recent || []).map((r) => String(r.id).replace(/^download:/, '')));
    if (first && this.loading) this.checkInit = true;
    else if (!first || !this.agrees()) this.refresh();
    else this.markLive();
  }

  /** Whether the lists shown agree with the snapshot's running downloads. */
  agrees() {
    const active = this.shown.active_downloads || [];
    return active.every((i) => this.progress.has(i.id)) &&
      !Object.values(this.shown).some((list) => list.some((i) =>
        (i.status === 'downloading' || i.status === 'pending') && this.recent.has(i.id)));
  }

  onEvent(kind, env) {
    const rec = env.data || {};
    const id = String(rec.id || '').replace(/^download:/, '');
    if (kind === 'download_progress' && id) {
      this.progress.set(id, rec);
      const entry = this.rows.get(id);
      if (entry && entry.item.status === 'downloading') meter(entry.row, entry.item, rec);
      else this.schedule();
      return;
    }
    if (id) this.progress.delete(id);
    this.schedule();
  }

  markLive() {
    if (!this.sawInit || !this.status || document.body.dataset.live) return;
    document.body.dataset.live = '1';
    performance.mark('kumo-live');
  }

  async onAction(e) {
    const el = e.target.closest('[data-action]');
    if (!el || (e.type === 'click' && el.tagName === 'SELECT')) return;
    if (e.type === 'change' && el.tagName !== 'SELECT') return;
    const id = el.dataset.id;
    const calls = {
      pause: ['POST', `/api/queue/${id}/pause`], resume: ['POST', `/api/queue/${id}/resume`],
      cancel: ['POST', `/api/queue/${id}/cancel`], remove: ['DELETE', `/api/queue/${id}`],
      retry: ['POST', '/api/queue/retry', { ids: [id] }],
      priority: ['POST', `/api/queue/${id}/priority`, { priority: el.value }],
      'queue-pause': ['POST', '/api/queue/pause'], 'queue-resume': ['POST', '/api/queue/resume'],
      'queue-stop': ['POST', '/api/queue/stop'], 'queue-start': ['POST', '/api/queue/start'],
      'retry-all': ['POST', '/api/queue/retry', {}], 'clear-completed': ['DELETE', '/api/queue/completed'],
    };
    const call = calls[el.dataset.action];
    if (!call) return;
    el.disabled = true;
    try {
      await api(...call);
    } catch (err) {
      notify(err.message);
    } finally {
      el.disabled = false;
      this.schedule(0);
    }
  }
}
