// The API keys page: create (the key is shown once, with a copy button),
// list (name, prefix, created, last use) and revoke.

import { api } from './api.js';
import { h, notify } from './dom.js';

const when = (t) => (t ? t.replace('T', ' ').replace('Z', ' UTC') : 'never');

export class KeysPage {
  constructor(root) { this.root = root; }

  mount() {
    this.list = h('tbody');
    this.shown = h('div', { id: 'new-key', 'aria-live': 'polite' });
    const name = h('input', { name: 'name', id: 'key-name', required: true, maxlength: 64, autocomplete: 'off' });
    const err = h('p', { class: 'form-error', 'aria-live': 'polite' });
    const create = async (e) => {
      e.preventDefault();
      err.textContent = '';
      try {
        const k = await api('POST', '/api/keys', { name: name.value });
        name.value = '';
        this.show(k);
        this.load();
      } catch (x) { err.textContent = x.message; }
    };
    this.root.replaceChildren(h('div', { class: 'page keys' }, h('h1', {}, 'API keys'),
      h('p', { class: 'summary' }, 'Scripts and other programs authenticate with a key in X-Api-Key or ' +
        'Authorization: Bearer. A key is shown once, when it is made.'),
      h('form', { class: 'add', id: 'create-key', onsubmit: create },
        h('label', {}, h('span', {}, 'Name'), name), h('button', { type: 'submit', class: 'primary' }, 'Create key'), err),
      this.shown,
      h('div', { class: 'scroll' }, h('table', { id: 'keys-table' }, h('thead', {}, h('tr', {},
        ['Name', 'Prefix', 'Created', 'Last used', ''].map((t) => h('th', { scope: 'col' }, t)))), this.list))));
    this.load();
  }

  unmount() {}

  show(k) {
    const value = h('input', { id: 'new-key-value', readonly: true, value: k.key, 'aria-label': 'The new key' });
    const copy = h('button', { type: 'button', onclick: async () => {
      try { await navigator.clipboard.writeText(k.key); notify('Copied.', 'ok'); } catch {
        value.select();
        notify('Select the key and copy it yourself.');
      }
    } }, 'Copy');
    this.shown.replaceChildren(h('div', { class: 'adder' }, h('p', {}, 'Key "' + k.name +
      '" — copy it now, it will not be shown again:'), h('div', { class: 'controls' }, value, copy)));
    value.focus();
    value.select();
  }

  async load() {
    let r;
    try { r = await api('GET', '/api/keys'); } catch (err) {
      this.list.replaceChildren(h('tr', {}, h('td', { colspan: 5, class: 'form-error' }, err.message)));
      return;
    }
    if (!r.keys.length) {
      this.list.replaceChildren(h('tr', {}, h('td', { colspan: 5, class: 'empty' }, 'No keys yet.')));
      return;
    }
    this.list.replaceChildren(...r.keys.map((k) => h('tr', { 'data-id': k.id },
      h('th', { scope: 'row' }, k.name), h('td', {}, h('code', {}, k.prefix + '…')),
      h('td', {}, when(k.created_at)), h('td', {}, when(k.last_used_at)),
      h('td', {}, h('button', { type: 'button', class: 'small', 'aria-label': 'Revoke ' + k.name, onclick: async () => {
        if (!window.confirm('Revoke "' + k.name + '"? Programs using it stop working at once.')) return;
        try { await api('DELETE', '/api/keys/' + k.id); notify('Revoked.', 'ok'); this.load(); } catch (x) { notify(x.message); }
      } }, 'Revoke')))));
  }
}
