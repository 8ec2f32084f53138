// The Settings page: the runtime configuration (/api/config) as a form built
// from the fields the gateway describes; Validate shows each field's error
// without saving, Save applies and backs the old values up, and a backup
// can be restored.

import { api } from './api.js';
import { h, notify } from './dom.js';

export class SettingsPage {
  constructor(root) { this.root = root; }

  mount() {
    this.form = h('form', { id: 'settings', novalidate: true, onsubmit: (e) => { e.preventDefault(); this.save(); } });
    this.result = h('p', { class: 'summary', id: 'settings-result', 'aria-live': 'polite' });
    this.backups = h('ul', { class: 'list', id: 'backups' });
    this.root.replaceChildren(h('div', { class: 'page settings' }, h('h1', {}, 'Settings'), this.form, this.result,
      h('h2', {}, 'Backups'), h('p', { class: 'summary' }, 'Every change keeps the values it replaced.'), this.backups));
    this.load();
  }

  unmount() {}

  async load() {
    let r;
    try { r = await api('GET', '/api/config'); } catch (err) {
      this.form.replaceChildren(h('p', { class: 'form-error' }, 'The settings cannot be read: ' + err.message));
      return;
    }
    this.inputs = new Map();
    const rows = r.fields.map((f) => {
      const [section, key] = f.name.split('.');
      const value = r.config[section]?.[key];
      const id = 'cfg-' + f.name.replace('.', '-');
      const describedby = id + '-help ' + id + '-error';
      const boolean = f.type === 'boolean';
      const input = boolean
        ? h('input', { id, name: f.name, type: 'checkbox', checked: value === true, 'aria-describedby': describedby })
        : h('input', { id, name: f.name, type: f.type === 'integer' ? 'number' : 'text',
          value: value ?? '', min: f.min, max: f.type === 'integer' && f.max < 1e15 ? f.max : undefined,
          'aria-describedby': describedby });
      const error = h('small', { id: id + '-error', class: 'form-error field-error' });
      this.inputs.set(f.name, { input, error, type: f.type });
      const label = h('span', {}, f.name + (f.applied === 'live' ? ' · applied at once' : ' · after a restart'));
      return h('label', { for: id, class: boolean ? 'check' : null }, boolean ? h('span', { class: 'inline' }, input, label) : label,
        boolean ? null : input, h('small', { id: id + '-help' }, f.description), error);
    });
    this.form.replaceChildren(...rows, h('div', { class: 'controls' },
      h('button', { type: 'button', id: 'validate', onclick: () => this.validate() }, 'Validate'),
      h('button', { type: 'submit', class: 'primary', id: 'save' }, 'Save')));
    this.loadBackups();
  }

  document() {
    const doc = {};
    for (const [name, { input, type }] of this.inputs) {
      const [section, key] = name.split('.');
      const raw = input.value.trim();
      // A number field that does not hold a number is sent as text, so the
      // gateway names it rather than the page guessing.
      const value = type === 'boolean' ? input.checked
        : type === 'integer' && /^-?\d+$/.test(raw) ? Number(raw) : raw;
      (doc[section] ||= {})[key] = value;
    }
    return doc;
  }

  showErrors(errors) {
    for (const { input, error } of this.inputs.values()) {
      error.textContent = '';
      input.removeAttribute('aria-invalid');
    }
    for (const e of errors) {
      const f = this.inputs.get(e.field);
      if (!f) continue;
      f.error.textContent = e.message;
      f.input.setAttribute('aria-invalid', 'true');
    }
    const first = errors.map((e) => this.inputs.get(e.field)).find(Boolean);
    if (first) first.input.focus();
  }

  async validate() {
    try {
      const r = await api('POST', '/api/config/validate', this.document());
      this.showErrors(r.errors);
      this.result.textContent = r.valid ? 'Valid: nothing was saved.' : r.errors.length + ' problem(s): nothing was saved.';
    } catch (err) { this.result.textContent = err.message; }
  }

  async save() {
    let r;
    try {
      r = await api('PUT', '/api/config', this.document());
    } catch (err) {
      this.showErrors(err.fields || []);
      this.result.textContent = err.message;
      return;
    }
    this.showErrors([]);
    const live = Object.entries(r.applied).map(([k, v]) => k + ': ' + v).join(', ');
    this.result.textContent = 'Saved (' + live + '). Backup ' + r.backup + ' keeps the old values.';
    notify('Settings saved.', 'ok');
    this.loadBackups();
  }

  async loadBackups() {
    let r;
    try { r = await api('GET', '/api/config/backups'); } catch { return; }
    this.backups.replaceChildren(...r.backups.map((b) => h('li', { class: 'row', 'data-name': b.name },
      h('div', { class: 'what' }, h('span', { class: 'title' }, b.name), h('span', { class: 'sub' }, b.created_at)),
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'small', 'aria-label': 'Restore ' + b.name,
        onclick: async () => {
          try {
            await api('POST', '/api/config/backups/' + encodeURIComponent(b.name) + '/restore', {});
            notify('Restored ' + b.name + '.', 'ok');
            this.load();
          } catch (x) { notify(x.message); }
        } }, 'Restore')))));
  }
}
