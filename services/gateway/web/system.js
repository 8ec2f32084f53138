// The System page: /api/health, every service and each of its instances.

import { api } from './api.js';
import { duration, h } from './dom.js';

export class SystemPage {
  constructor(root) {
    this.root = root;
  }

  mount() {
    this.body = h('div', { 'aria-live': 'polite' }, h('p', { class: 'empty' }, 'Asking every service…'));
    const again = h('button', { type: 'button', onclick: () => this.load() }, 'Refresh');
    this.root.replaceChildren(h('div', { class: 'page system' }, h('h1', {}, 'System'), again, this.body));
    this.load();
    this.timer = setInterval(() => this.load(), 5000);
  }

  unmount() {
    clearInterval(this.timer);
  }

  async load() {
    let health;
    try {
      health = await api('GET', '/api/health');
    } catch (err) {
      // 503 still carries the per-service answer.
      if (err.status !== 503) {
        this.body.replaceChildren(h('p', { class: 'form-error' }, 'Health cannot be read: ' + err.message));
        return;
      }
      health = await fetch('/api/health', { credentials: 'same-origin' }).then((r) => r.json()).catch(() => null);
      if (!health) return;
    }
    const rows = [];
    for (const [name, svc] of Object.entries(health.services || {})) {
      // A service no instance of has ever answered is listed as it stands.
      const instances = svc.instances?.length ? svc.instances : [{ instance: '–', status: svc.status }];
      for (const inst of instances) {
        rows.push(h('tr', { 'data-status': inst.status },
          h('th', { scope: 'row' }, name), h('td', {}, inst.instance || ''),
          h('td', {}, h('span', { class: 'pill ' + inst.status }, inst.status)),
          h('td', {}, inst.version || '–'), h('td', {}, duration(inst.uptime_seconds)),
          h('td', {}, inst.nats === undefined ? '–' : inst.nats ? 'yes' : 'no'),
          h('td', {}, inst.database === undefined ? '–' : inst.database ? 'yes' : 'no')));
      }
    }
    const table = h('table', {}, h('caption', {}, 'Overall: ' + health.status),
      h('thead', {}, h('tr', {}, ['Service', 'Instance', 'Status', 'Version', 'Uptime', 'NATS', 'Database']
        .map((t) => h('th', { scope: 'col' }, t)))), h('tbody', {}, rows));
    this.body.replaceChildren(h('div', { class: 'scroll' }, table));
  }
}
