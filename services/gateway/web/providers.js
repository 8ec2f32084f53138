// The Providers page: health (breaker state, response times) from
// /api/providers/health and the runtime settings from /api/providers/config.
// Either route may be missing on an older gateway: the page says so.

import { api } from './api.js';
import { h } from './dom.js';

/** A table of `rows` (objects) with one column per key seen. */
function table(id, caption, rows) {
  const cols = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!cols.includes(k)) cols.push(k);
  const cell = (v) => (v === null || v === undefined ? '–' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  return h('div', { class: 'scroll' }, h('table', { id }, h('caption', {}, caption),
    h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, c.replace(/_/g, ' '))))),
    h('tbody', {}, rows.map((r) => h('tr', { 'data-provider': r.name ?? r.provider ?? '' },
      cols.map((c, i) => (i === 0 ? h('th', { scope: 'row' }, cell(r[c])) : h('td', {}, cell(r[c])))))))));
}

/** The providers list of an answer, whatever its exact shape. */
function providersOf(answer) {
  if (Array.isArray(answer)) return answer;
  if (Array.isArray(answer?.providers)) return answer.providers;
  if (answer && typeof answer.providers === 'object') {
    return Object.entries(answer.providers).map(([name, v]) => ({ name, ...v }));
  }
  return [];
}

export class ProvidersPage {
  constructor(root) { this.root = root; }

  mount() {
    this.health = h('section', { class: 'block', id: 'providers-health', 'aria-live': 'polite' });
    this.config = h('section', { class: 'block', id: 'providers-config' });
    this.root.replaceChildren(h('div', { class: 'page providers' }, h('h1', {}, 'Providers'),
      h('button', { type: 'button', onclick: () => this.load() }, 'Refresh'), this.health, this.config));
    this.load();
    this.timer = setInterval(() => this.load(), 10000);
  }

  unmount() { clearInterval(this.timer); }

  async load() {
    await this.part(this.health, 'Health', '/api/providers/health', 'providers-health-table');
    await this.part(this.config, 'Settings', '/api/providers/config', 'providers-config-table');
  }

  async part(el, title, path, id) {
    let answer;
    try {
      answer = await api('GET', path);
    } catch (err) {
      const why = err.status === 404
        ? 'This gateway does not offer ' + path + ' yet: provider ' + title.toLowerCase() + ' will show here once it does.'
        : 'Cannot read ' + path + ': ' + err.message;
      el.replaceChildren(h('h2', {}, title), h('p', { class: err.status === 404 ? 'empty' : 'form-error' }, why));
      return;
    }
    const rows = providersOf(answer);
    el.replaceChildren(h('h2', {}, title), rows.length ? table(id, title + ' of ' + rows.length + ' providers', rows)
      : h('p', { class: 'empty' }, 'No providers are configured.'));
  }
}
