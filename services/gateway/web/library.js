// The Library page: series with files on disk and missing episodes, search
// and filters, add, monitored on/off, rescan with live scan progress, and
// the folders no series claims. The series detail page lives here too.

import { api } from './api.js';
import { field, h, notify } from './dom.js';
import { LiveEvents, SCAN_KINDS, SCAN_ROOMS } from './events.js';

const ENC = encodeURIComponent;

/** One line for the answer of POST /api/series/{key}/download. */
export function downloadText(r) {
  const n = (list) => (Array.isArray(list) ? list.length : 0);
  return 'Queued ' + n(r?.queued) + ' episodes' +
    (n(r?.already_active) ? ', ' + n(r.already_active) + ' already in the queue' : '') +
    (n(r?.not_queued) ? ', ' + n(r.not_queued) + ' not queued' : '') + '.';
}

/** Queues every missing episode of series `key`. */
export async function queueMissing(key, done) {
  try {
    const r = await api('POST', '/api/series/' + ENC(key) + '/download', {});
    notify(downloadText(r), 'ok');
    if (done) done();
  } catch (err) {
    notify('Cannot queue: ' + err.message);
  }
}

function scanText(scan) {
  if (!scan) return 'No scan yet.';
  const n = (x) => x ?? 0;
  return 'Scan ' + scan.id + ' ' + scan.state + ': ' + n(scan.folders) + ' folders, ' + n(scan.files) +
    ' files, ' + n(scan.added) + ' added, ' + n(scan.removed) + ' removed' + (scan.error ? ' — ' + scan.error : '');
}

export class LibraryPage {
  constructor(root, setLive) {
    this.root = root;
    this.setLive = setLive;
    this.query = { q: '', monitored: '', has_missing: '' };
    this.events = new LiveEvents({
      init: (snap) => { for (const r of snap.active || []) if (r.type === 'scan') this.onScan(r); },
      event: (kind, env) => this.onScan(env.data, kind, true),
      state: (s) => this.setLive(s),
    }, SCAN_ROOMS, SCAN_KINDS);
  }

  mount() {
    const field = (label, el) => h('label', {}, h('span', {}, label), el);
    const choice = (name, label) => field(label, h('select', { name, onchange: (e) => this.set(name, e.target.value) },
      h('option', { value: '' }, 'Any'), h('option', { value: 'true' }, 'Yes'), h('option', { value: 'false' }, 'No')));
    this.list = h('tbody');
    this.summary = h('p', { class: 'summary', 'aria-live': 'polite' }, 'Loading the library…');
    this.meter = h('progress', { max: 100, value: 0, 'aria-label': 'Scan progress' });
    this.scanLine = h('p', { class: 'sub', id: 'scan-state', 'aria-live': 'polite' }, '');
    this.unmatched = h('ul', { class: 'list', id: 'unmatched' });
    this.root.replaceChildren(h('div', { class: 'page library' }, h('h1', {}, 'Library'),
      h('div', { class: 'controls filters' },
        field('Search', h('input', { type: 'search', id: 'series-search', placeholder: 'Name or folder',
          oninput: (e) => this.set('q', e.target.value) })),
        choice('monitored', 'Monitored'), choice('has_missing', 'Missing episodes'),
        h('button', { type: 'button', id: 'rescan', onclick: () => this.rescan() }, 'Rescan library'),
        this.cancel = h('button', { type: 'button', id: 'scan-cancel', hidden: true, onclick: () => this.cancelScan() }, 'Cancel scan'),
        h('button', { type: 'button', id: 'import-legacy', class: 'quiet', onclick: () => this.importLegacy() }, 'Import legacy data')),
      h('div', { class: 'meter scan', id: 'scan-meter' }, this.meter, this.scanLine),
      this.addForm(), this.summary,
      h('div', { class: 'scroll' }, h('table', { id: 'series-table' }, h('thead', {}, h('tr', {},
        ['Series', 'Year', 'On disk', 'Missing', 'Monitored', ''].map((t) => h('th', { scope: 'col' }, t)))), this.list)),
      h('h2', {}, 'Unmatched folders'), this.unmatched));
    this.load();
    this.loadScan();
    this.loadUnmatched();
    this.events.start();
  }

  unmount() {
    this.events.stop();
    clearTimeout(this.timer);
  }

  set(name, value) {
    this.query[name] = value;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.load(), 200);
  }

  addForm() {
    const name = h('input', { name: 'name', required: true, maxlength: 500, autocomplete: 'off' });
    const year = h('input', { name: 'year', type: 'number', min: 1880, max: 2199 });
    const link = h('input', { name: 'link', type: 'url', maxlength: 2000, autocomplete: 'off', spellcheck: 'false',
      placeholder: 'address of the feed' });
    const monitored = h('input', { type: 'checkbox', name: 'monitored' });
    const err = h('p', { class: 'form-error', 'aria-live': 'polite' });
    const submit = async (e) => {
      e.preventDefault();
      err.textContent = '';
      const body = { name: name.value.trim() };
      if (year.value) body.year = Number(year.value);
      if (link.value.trim()) Object.assign(body, { site: 'rss', link: link.value.trim() });
      if (monitored.checked) body.monitored = true;
      try {
        const s = await api('POST', '/api/series', body);
        notify('Added ' + s.name + '.', 'ok');
        e.target.reset();
        this.load();
      } catch (x) { err.textContent = x.message; }
    };
    return h('details', { class: 'adder' }, h('summary', {}, 'Add a series'),
      h('form', { class: 'add', id: 'add-series', novalidate: true, onsubmit: submit },
        field('Name', name), field('Year', year), field('Feed (RSS or Atom, optional)', link),
        h('label', { class: 'inline' }, monitored, h('span', {}, 'Monitored')),
        h('button', { type: 'submit', class: 'primary' }, 'Add'), err));
  }

  async load() {
    const params = new URLSearchParams({ limit: '200', sort: 'name', order: 'asc' });
    for (const [k, v] of Object.entries(this.query)) if (v) params.set(k, v);
    let page;
    try {
      page = await api('GET', '/api/series?' + params);
    } catch (err) {
      this.summary.textContent = 'The library cannot be read: ' + err.message;
      return;
    }
    this.summary.textContent = page.total + (page.total === 1 ? ' series' : ' series') +
      (page.total > page.items.length ? ', the first ' + page.items.length + ' shown' : '');
    this.list.replaceChildren(...page.items.map((s) => this.row(s)));
  }

  row(s) {
    const toggle = h('input', { type: 'checkbox', checked: s.monitored, 'aria-label': 'Monitor ' + s.name,
      onchange: async (e) => {
        try { await api('PATCH', '/api/series/' + ENC(s.key), { monitored: e.target.checked }); } catch (x) {
          e.target.checked = !e.target.checked;
          notify(x.message);
        }
      } });
    const missing = typeof s.missing === 'number' ? s.missing : null;
    return h('tr', { 'data-key': s.key },
      h('th', { scope: 'row' }, h('a', { href: '#/series/' + ENC(s.key) }, s.name)),
      h('td', {}, s.year ?? '–'), h('td', {}, s.episodes_on_disk ?? 0),
      h('td', {}, missing === null ? '–' : String(missing)), h('td', {}, toggle),
      h('td', {}, missing ? h('button', { type: 'button', class: 'small', 'aria-label': 'Queue missing episodes of ' + s.name, onclick: () => queueMissing(s.key, () => this.load()) },
        'Queue missing') : ''));
  }

  async rescan() {
    try {
      const r = await api('POST', '/api/series/rescan', {});
      this.onScan(r.scan);
    } catch (err) { notify('Rescan refused: ' + err.message); }
  }

  async cancelScan() {
    try {
      const r = await api('POST', '/api/library/scan/cancel', {});
      notify(r.cancelled ? 'Scan cancelled.' : 'No scan was running.', 'ok');
      if (r.scan) this.onScan(r.scan);
    } catch (err) { notify('Cannot cancel: ' + err.message); }
  }

  async importLegacy() {
    try {
      const r = await api('POST', '/api/library/import-legacy', {});
      notify('Legacy import: ' + Object.entries(r).map(([k, v]) => k + ' ' + (Array.isArray(v) ? v.length : v)).join(', '), 'ok');
      this.load();
    } catch (err) { notify('Legacy import refused: ' + err.message); }
  }

  async loadScan() {
    try {
      const st = await api('GET', '/api/library/scan');
      this.onScan(st.current || st.last);
    } catch { this.scanLine.textContent = 'Scan state unavailable.'; }
  }

  /** A scan (API) or scan progress record (event) updates the meter. */
  onScan(rec, kind, live = false) {
    if (!rec) return;
    if (live) this.scanLine.dataset.source = 'event';
    const scan = rec.state ? rec : rec.metadata?.scan;
    const state = scan?.state || rec.status;
    const done = kind === 'scan_complete' || kind === 'scan_failed' || (state && state !== 'running');
    // The start's answer may arrive after the scan's last event.
    if (!done && scan?.id !== undefined && scan.id === this.finished) return;
    if (done && scan?.id !== undefined) this.finished = scan.id;
    // A scan does not know its total in advance: the bar runs until it ends.
    if (done) this.meter.value = 100;
    else if (rec.total) this.meter.value = Math.min(100, (100 * (rec.current ?? 0)) / rec.total);
    else this.meter.removeAttribute('value');
    this.scanLine.textContent = scan ? scanText(scan) : (rec.title || 'Scan') + ': ' + (rec.message || state || '');
    this.scanLine.dataset.state = done ? 'done' : 'running';
    this.cancel.hidden = done;
    if (done) {
      this.load();
      this.loadUnmatched();
    }
  }

  async loadUnmatched() {
    let r;
    try { r = await api('GET', '/api/library/unmatched'); } catch { return; }
    if (!r.items.length) {
      this.unmatched.replaceChildren();
      return;
    }
    this.unmatched.replaceChildren(...r.items.map((u) => h('li', { class: 'row' },
      h('div', { class: 'what' }, h('span', { class: 'title' }, u.folder),
        h('span', { class: 'sub' }, u.root + ' · ' + (u.files ?? 0) + ' files')),
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'small', 'aria-label': 'Add ' + u.folder + ' as a series',
        onclick: async () => {
          try {
            const s = await api('POST', '/api/series', { from_unmatched: u.folder, root: u.root });
            notify('Added ' + s.name + '.', 'ok');
            this.load();
            this.loadUnmatched();
          } catch (x) { notify(x.message); }
        } }, 'Add as series')))));
  }
}
