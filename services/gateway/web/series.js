// The series detail page: seasons and episodes (missing ones selectable for
// download), rescan, feed refresh, download of the selected or all missing
// episodes, the series' settings (name, year, provider, link, monitored,
// check interval and, where the gateway has it, retention), its history
// where the gateway offers it, and delete.

import { api } from './api.js';
import { bytes, field, h, keyValues, notify, pad, refusal, when } from './dom.js';
import { downloadText } from './library.js';

const ENC = encodeURIComponent;
const code = (e) => 'S' + pad(e.season) + (e.episode === null || e.episode === undefined ? '' : 'E' + pad(e.episode));

export class SeriesPage {
  constructor(root, key) { this.root = root; this.key = key; }

  async mount() {
    this.root.replaceChildren(h('div', { class: 'page' }, h('p', { class: 'empty' }, 'Loading…')));
    this.load();
  }

  unmount() { this.gone = true; }

  path(suffix = '') { return '/api/series/' + ENC(this.key) + suffix; }

  async load() {
    let s;
    try {
      s = await api('GET', this.path());
    } catch (err) {
      this.root.replaceChildren(h('div', { class: 'page' }, h('h1', {}, 'Series'),
        h('p', { class: 'form-error' }, err.message), h('a', { href: '#/library' }, 'Back to the library')));
      return;
    }
    if (this.gone) return;
    this.s = s;
    // Kept across reloads: it says what the last action did.
    this.result ??= h('div', { class: 'summary', id: 'series-result', 'aria-live': 'polite' });
    this.history = h('section', { class: 'block', id: 'series-history', hidden: true });
    this.picked = new Map();
    const missing = typeof s.missing === 'number' ? s.missing : 0;
    this.pickButton = h('button', { type: 'button', id: 'download-selected', disabled: true,
      onclick: () => this.download([...this.picked.values()]) }, 'Download selected');
    const wipe = h('input', { type: 'checkbox', id: 'delete-files' });
    // A reload after an action keeps the settings the user had opened.
    const settingsOpen = this.root.querySelector('#series-settings-box')?.open === true;
    this.root.replaceChildren(h('div', { class: 'page series' },
      h('p', {}, h('a', { href: '#/library' }, '← Library')),
      h('h1', {}, s.name + (s.year ? ' (' + s.year + ')' : '')),
      h('p', { class: 'summary' }, s.folder + ' · ' + (s.episodes_on_disk ?? 0) + ' episodes on disk · ' +
        (s.files ?? 0) + ' files · ' + bytes(s.size_bytes ?? 0) +
        (typeof s.missing === 'number' ? ' · ' + s.missing + ' missing' : '') + (s.monitored ? ' · monitored' : '') +
        (s.checked_at ? ' · feed checked ' + when(s.checked_at) : '')),
      s.check_error ? h('p', { class: 'form-error' }, 'Last feed check: ' + s.check_error) : null,
      h('div', { class: 'controls', role: 'group', 'aria-label': 'Series actions' },
        h('button', { type: 'button', id: 'series-rescan', onclick: () => this.rescan() }, 'Rescan'),
        s.site ? h('button', { type: 'button', id: 'series-refresh', onclick: (e) => this.refresh(e.target) }, 'Refresh feed') : null,
        missing > 0 ? h('button', { type: 'button', id: 'download-missing', onclick: () => this.download(null) },
          'Download all missing (' + missing + ')') : null,
        missing > 0 ? this.pickButton : null),
      this.result, this.settingsForm(s), this.history,
      this.seasons(s),
      h('details', { class: 'adder danger' }, h('summary', {}, 'Delete this series'),
        h('div', { class: 'controls' }, h('label', { class: 'inline' }, wipe, h('span', {}, 'Also delete its files on disk')),
          h('button', { type: 'button', id: 'series-delete', onclick: () => this.remove(wipe.checked) }, 'Delete ' + s.name)))));
    if (settingsOpen) this.root.querySelector('#series-settings-box').open = true;
    this.loadHistory();
  }

  seasons(s) {
    const list = (s.seasons || []).map((season) => h('section', { class: 'block season' },
      h('h2', {}, season.season === null ? 'Episodes by number' : season.season === 0 ? 'Specials' : 'Season ' + season.season),
      h('ul', { class: 'list' }, season.episodes.map((e) => this.episode(season, e)))));
    return list.length ? list : h('p', { class: 'empty' }, 'No episodes known yet.');
  }

  episode(season, e) {
    const ep = { season: e.season ?? season.season, episode: e.episode };
    const pickable = e.state === 'missing' && ep.season !== null && ep.episode !== null && ep.episode !== undefined;
    const pick = pickable ? h('input', { type: 'checkbox', class: 'pick', 'aria-label': 'Select ' + code(ep),
      onchange: (x) => {
        if (x.target.checked) this.picked.set(code(ep), ep);
        else this.picked.delete(code(ep));
        this.pickButton.disabled = this.picked.size === 0;
        this.pickButton.textContent = 'Download selected' + (this.picked.size ? ' (' + this.picked.size + ')' : '');
      } }) : null;
    return h('li', { class: 'row', 'data-state': e.state, 'data-episode': pickable ? code(ep) : null },
      h('div', { class: 'what' }, h('span', { class: 'title' }, pick,
        'E' + (e.episode ?? e.absolute ?? '?') + (e.title ? ' · ' + e.title : '')),
      ...(e.files || []).map((f) => h('span', { class: 'sub' }, f.path + ' · ' + bytes(f.size)))),
      h('span', { class: 'pill ' + (e.state === 'present' || e.state === 'on_disk' ? 'ok' : 'degraded') }, e.state));
  }

  settingsForm(s) {
    const name = h('input', { name: 'name', maxlength: 500, required: true, value: s.name });
    const year = h('input', { name: 'year', type: 'number', min: 1880, max: 2199, value: s.year ?? '' });
    const site = h('input', { name: 'site', maxlength: 100, list: 'site-names', value: s.site ?? '', autocomplete: 'off' });
    const link = h('input', { name: 'link', type: 'url', maxlength: 2000, value: s.link ?? '', autocomplete: 'off', spellcheck: 'false' });
    const monitored = h('input', { type: 'checkbox', name: 'monitored', id: 'series-monitored', checked: s.monitored });
    const interval = h('input', { name: 'check_interval_s', id: 'series-interval', type: 'number', min: 60, max: 2592000,
      value: s.check_interval_s ?? '', placeholder: 'the monitor interval' });
    const inputs = { name, year, site, link, check_interval_s: interval };
    let keep = null;
    let keepOn = null;
    if ('retention' in s) {
      keepOn = h('input', { type: 'checkbox', id: 'retention-on', checked: s.retention !== null,
        onchange: () => { keep.disabled = !keepOn.checked; } });
      keep = h('input', { name: 'retention', id: 'retention-keep', type: 'number', min: 1, max: 10000,
        value: s.retention?.keep_last ?? 10, disabled: s.retention === null, 'aria-label': 'Episodes to keep' });
      inputs.retention = keep;
    }
    const err = h('p', { class: 'form-error', role: 'alert' });
    const form = h('form', { id: 'series-settings', class: 'settings-grid', novalidate: true },
      field('Name', name), field('Year', year), field('Provider (site)', site, 'rss for a feed; empty for none'),
      h('datalist', { id: 'site-names' }, h('option', { value: 'rss' }), h('option', { value: 'direct' })),
      field('Feed or page link', link),
      field('Check interval (seconds)', interval, '60 to 2 592 000; empty: the monitor interval'),
      h('label', { class: 'inline' }, monitored, h('span', {}, 'Monitored: new episodes are queued by themselves')),
      keep ? h('div', { class: 'retention' }, h('label', { class: 'inline' }, keepOn, h('span', {}, 'Keep only the newest episodes')),
        field('Episodes to keep (1 to 10 000)', keep)) : null,
      h('div', { class: 'controls' }, h('button', { type: 'submit', class: 'primary' }, 'Save series')), err);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const next = { name: name.value.trim(), year: year.value === '' ? null : Number(year.value),
        site: site.value.trim(), link: link.value.trim(), monitored: monitored.checked,
        check_interval_s: interval.value === '' ? null : Number(interval.value) };
      if (keep) next.retention = keepOn.checked ? { keep_last: keep.value === '' ? keep.value : Number(keep.value) } : null;
      this.save(next, inputs, err, form);
    });
    return h('details', { class: 'adder', id: 'series-settings-box' }, h('summary', {}, 'Series settings'), form);
  }

  async save(next, inputs, err, form) {
    err.textContent = '';
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    const body = {};
    for (const [k, v] of Object.entries(next)) {
      const was = this.s[k] ?? (k === 'site' || k === 'link' ? '' : null);
      if (JSON.stringify(v) !== JSON.stringify(was)) body[k] = v;
    }
    if (!Object.keys(body).length) { err.textContent = 'Nothing changed.'; return; }
    try {
      await api('PATCH', this.path(), body);
      notify('Saved ' + next.name + '.', 'ok');
      this.load();
    } catch (x) {
      err.textContent = refusal(x, { check_interval_s: 'Check interval', retention: 'Episodes to keep' });
      const bad = inputs[String(x.field).split('.')[0]];
      if (bad) { bad.setAttribute('aria-invalid', 'true'); bad.focus(); }
    }
  }

  async rescan() {
    try { await api('POST', '/api/series/rescan', { key: this.key }); notify('Rescan started.', 'ok'); } catch (x) { notify(x.message); }
  }

  async refresh(button) {
    button.disabled = true;
    this.result.textContent = 'Reading the feed…';
    try {
      const r = await api('POST', this.path('/refresh'), {});
      this.result.replaceChildren(h('p', {}, 'Feed read: ' + r.listed + ' listed, ' + r.added + ' added, ' +
        r.updated + ' updated, ' + r.skipped + ' skipped.'),
      ...(r.skipped_reasons || []).slice(0, 10).map((why) => h('p', { class: 'sub' }, why)));
      await this.load();
      this.result.dataset.done = 'refresh';
    } catch (x) {
      this.result.replaceChildren(h('p', { class: 'form-error' }, 'Refresh refused: ' + x.message));
      button.disabled = false;
    }
  }

  /** Queues `episodes` ([{season, episode}]), or every missing one when null. */
  async download(episodes) {
    try {
      const r = await api('POST', this.path('/download'), episodes ? { episodes } : {});
      this.result.replaceChildren(h('p', {}, downloadText(r)),
        ...(r.not_queued || []).slice(0, 10).map((n) => h('div', { class: 'sub' }, keyValues(n))));
      notify(downloadText(r), 'ok');
      this.load();
    } catch (x) {
      this.result.replaceChildren(h('p', { class: 'form-error' }, 'Cannot queue: ' + x.message));
    }
  }

  async remove(files) {
    if (!window.confirm('Delete ' + this.s.name + (files ? ' and its files on disk' : '') + '?')) return;
    try {
      const r = await api('DELETE', this.path('?delete_files=' + (files ? 'true' : 'false')));
      notify('Deleted ' + this.s.name + ' (' + (r.files_removed ?? 0) + ' files removed).', 'ok');
      location.hash = '#/library';
    } catch (x) { notify(x.message); }
  }

  /** The history, when this gateway has the route (hidden on 400/404). */
  async loadHistory() {
    let r;
    try { r = await api('GET', this.path('/history?limit=50')); } catch (x) {
      if (x.status === 404 || x.status === 400) return;
      this.history.hidden = false;
      this.history.replaceChildren(h('h2', {}, 'History'), h('p', { class: 'form-error' }, x.message));
      return;
    }
    if (this.gone) return;
    const items = r?.items || [];
    this.history.hidden = false;
    this.history.replaceChildren(h('h2', {}, 'History'), items.length
      ? h('div', { class: 'scroll' }, h('table', { id: 'history-table' }, h('thead', {}, h('tr', {},
        ['When', 'Action', 'Episode', 'Path', 'Size', 'Reason'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, items.map((i) => h('tr', {}, h('td', {}, when(i.at)), h('th', { scope: 'row' }, i.action),
        h('td', {}, i.season === null || i.season === undefined ? '–' : code(i)), h('td', { class: 'wrap' }, i.path || ''),
        h('td', {}, i.bytes === undefined ? '–' : bytes(i.bytes)), h('td', {}, i.reason || ''))))))
      : h('p', { class: 'empty' }, 'Nothing recorded yet.'));
  }
}
