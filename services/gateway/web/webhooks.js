// The Notifications page: webhooks and the Jellyfin/Emby and Plex
// connectors (/api/webhooks): list, add, edit, enable, delete, send a test
// and read each target's delivery log. The gateway never answers a secret
// (it reads "<redacted>"): a new secret is shown only while it is typed or
// generated here.

import { api } from './api.js';
import { field, h, notify, refusal, when } from './dom.js';

const KINDS = { webhook: 'Webhook', jellyfin: 'Jellyfin / Emby', plex: 'Plex' };
const EVENTS = ['episode.imported', 'download.failed', 'scan.finished', 'provider.breaker',
  'disk.guard_tripped', 'series.new_episodes', 'test'];
const CONNECTOR_EVENTS = ['episode.imported', 'test'];
const SECRET_LABEL = { webhook: 'Secret (HMAC key of X-Kumo-Signature)', jellyfin: 'API key',
  plex: 'Plex token' };
const FINISHED = new Set(['delivered', 'failed']);

/** 32 random bytes as hex: a webhook secret made in the browser. */
function randomSecret() {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export class WebhooksPage {
  constructor(root) { this.root = root; this.editing = null; this.logOf = null; }

  mount() {
    this.list = h('ul', { class: 'list', id: 'webhooks', 'aria-label': 'Notification targets' });
    this.none = h('p', { class: 'empty', hidden: true }, 'No notification targets yet.');
    this.log = h('section', { class: 'block', id: 'deliveries', 'aria-live': 'polite', hidden: true });
    this.adder = h('details', { class: 'adder', id: 'webhook-adder' });
    this.root.replaceChildren(h('div', { class: 'page webhooks' }, h('h1', {}, 'Notifications'),
      h('p', { class: 'summary' }, 'Webhooks get a signed JSON POST per event; Jellyfin/Emby and Plex ' +
        'refresh their library after each import. Secrets, keys and tokens are never shown again once saved.'),
      this.adder, this.none, this.list, this.log));
    this.showForm(null);
    this.load();
  }

  unmount() { clearTimeout(this.logTimer); }

  async load() {
    let r;
    try { r = await api('GET', '/api/webhooks'); } catch (err) {
      this.none.hidden = false;
      this.none.className = 'form-error';
      this.none.textContent = 'The notification targets cannot be read: ' + err.message;
      return;
    }
    this.targets = r.webhooks || [];
    this.none.hidden = this.targets.length > 0;
    this.list.replaceChildren(...this.targets.map((t) => this.row(t)));
  }

  row(t) {
    const act = (label, onclick, extra = {}) => h('button', { type: 'button', class: 'small',
      'aria-label': label + ' ' + t.name, onclick, ...extra }, label);
    const enabled = h('input', { type: 'checkbox', checked: t.enabled, 'aria-label': 'Enabled ' + t.name,
      onchange: async (e) => {
        try { await api('PUT', '/api/webhooks/' + t.id, { enabled: e.target.checked }); this.load(); } catch (x) {
          e.target.checked = !e.target.checked;
          notify(x.message);
        }
      } });
    const events = t.events?.length ? t.events.join(', ') : 'all events';
    return h('li', { class: 'row', 'data-id': t.id, 'data-name': t.name },
      h('div', { class: 'what' }, h('span', { class: 'title' }, t.name, h('span', { class: 'tag' }, KINDS[t.kind] || t.kind),
        t.enabled ? null : h('span', { class: 'tag' }, 'off')),
      h('span', { class: 'sub', title: t.url }, t.url + (t.section ? ' · section ' + t.section : '')),
      h('span', { class: 'sub' }, events + ' · ' + (SECRET_LABEL[t.kind] || 'secret').replace(/ \(.*/, '').toLowerCase() +
        ' saved, not shown')),
      h('div', { class: 'actions' }, h('label', { class: 'inline' }, enabled, h('span', {}, 'On')),
        act('Send test', () => this.test(t)), act('Deliveries', () => this.showLog(t)),
        act('Edit', () => this.showForm(t)), act('Delete', () => this.remove(t))));
  }

  /** The add form, or the edit form of target `t`. */
  showForm(t) {
    this.editing = t;
    const kind = h('select', { name: 'kind', id: 'wh-kind', disabled: !!t },
      Object.entries(KINDS).map(([v, label]) => h('option', { value: v, selected: (t?.kind || 'webhook') === v }, label)));
    const name = h('input', { name: 'name', id: 'wh-name', required: true, maxlength: 100, autocomplete: 'off', value: t?.name ?? '' });
    const url = h('input', { name: 'url', id: 'wh-url', type: 'url', required: true, maxlength: 2048, autocomplete: 'off',
      spellcheck: 'false', placeholder: 'address the events are sent to', value: t?.url ?? '' });
    const secret = h('input', { name: 'secret', id: 'wh-secret', type: 'password', maxlength: 512, autocomplete: 'new-password',
      spellcheck: 'false', required: !t, placeholder: t ? 'unchanged (saved, not shown)' : '' });
    const reveal = h('button', { type: 'button', class: 'small', 'aria-controls': 'wh-secret', onclick: () => {
      secret.type = secret.type === 'password' ? 'text' : 'password';
      reveal.textContent = secret.type === 'password' ? 'Show' : 'Hide';
    } }, 'Show');
    const generate = h('button', { type: 'button', class: 'small', id: 'wh-generate', onclick: () => {
      secret.value = randomSecret();
      secret.type = 'text';
      reveal.textContent = 'Hide';
      secretHint.textContent = 'Copy this secret into the receiver now: it is not shown again once saved.';
    } }, 'Generate');
    const secretHint = h('small', { id: 'wh-secret-hint' });
    const secretLabel = h('span', {});
    const section = h('input', { name: 'section', id: 'wh-section', inputmode: 'numeric', maxlength: 16, autocomplete: 'off',
      value: t?.section ?? '' });
    const sectionField = field('Plex library section id', section);
    const boxes = EVENTS.map((ev) => h('label', { class: 'inline' },
      h('input', { type: 'checkbox', name: 'events', value: ev, checked: (t?.events || []).includes(ev) }), h('span', {}, ev)));
    const eventsHint = h('small', {});
    const enabled = h('input', { type: 'checkbox', name: 'enabled', id: 'wh-enabled', checked: t ? t.enabled : true });
    const err = h('p', { class: 'form-error', id: 'wh-error', role: 'alert' });
    const sync = () => {
      const k = kind.value;
      secretLabel.textContent = SECRET_LABEL[k] + (t ? ' (empty keeps the saved one)' : '');
      generate.hidden = k !== 'webhook';
      sectionField.hidden = k !== 'plex';
      eventsHint.textContent = k === 'webhook' ? 'None ticked: every event.'
        : 'None ticked on a new connector: episode.imported and test.';
    };
    kind.addEventListener('change', () => {
      if (!t && kind.value !== 'webhook') {
        for (const b of boxes) b.firstChild.checked = CONNECTOR_EVENTS.includes(b.firstChild.value);
      }
      sync();
    });
    const form = h('form', { id: 'webhook-form', novalidate: true, 'aria-describedby': 'wh-error' },
      field('Kind', kind), field('Name', name), field('URL', url),
      h('label', {}, secretLabel, h('div', { class: 'controls tight' }, secret, reveal, generate), secretHint),
      sectionField,
      h('fieldset', { class: 'events' }, h('legend', {}, 'Events'), boxes, eventsHint),
      h('label', { class: 'inline' }, enabled, h('span', {}, 'Enabled')),
      h('div', { class: 'controls' }, h('button', { type: 'submit', class: 'primary' }, t ? 'Save ' + t.name : 'Add'),
        t ? h('button', { type: 'button', onclick: () => this.showForm(null) }, 'Cancel') : null), err);
    sync();
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.save(form, { kind, name, url, secret, section, enabled, boxes, err });
    });
    this.adder.open = !!t || this.adder.open;
    this.adder.replaceChildren(h('summary', {}, t ? 'Edit ' + t.name : 'Add a webhook or connector'), form);
    if (t) name.focus();
  }

  async save(form, f) {
    const t = this.editing;
    f.err.textContent = '';
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    const body = { name: f.name.value.trim(), url: f.url.value.trim(), enabled: f.enabled.checked,
      events: f.boxes.map((b) => b.firstChild).filter((c) => c.checked).map((c) => c.value) };
    if (!t) body.kind = f.kind.value;
    if (f.secret.value || !t) body.secret = f.secret.value;
    if (f.kind.value === 'plex' && f.section.value.trim()) body.section = f.section.value.trim();
    if (!t && body.kind !== 'webhook' && !body.events.length) delete body.events;
    try {
      const saved = t ? await api('PUT', '/api/webhooks/' + t.id, body) : await api('POST', '/api/webhooks', body);
      notify((t ? 'Saved ' : 'Added ') + saved.name + '.', 'ok');
      this.adder.open = false;
      this.showForm(null);
      this.load();
    } catch (x) {
      f.err.textContent = refusal(x);
      const bad = { name: f.name, url: f.url, secret: f.secret, section: f.section, kind: f.kind }[x.field];
      if (bad) { bad.setAttribute('aria-invalid', 'true'); bad.focus(); }
    }
  }

  async remove(t) {
    if (!window.confirm('Delete "' + t.name + '" and its delivery log?')) return;
    try {
      await api('DELETE', '/api/webhooks/' + t.id);
      notify('Deleted ' + t.name + '.', 'ok');
      if (this.logOf?.id === t.id) { this.log.hidden = true; this.logOf = null; }
      if (this.editing?.id === t.id) this.showForm(null);
      this.load();
    } catch (x) { notify(x.message); }
  }

  async test(t) {
    try {
      const r = await api('POST', '/api/webhooks/' + t.id + '/test', {});
      notify('Test queued (delivery ' + r.delivery + ').', 'ok');
      this.showLog(t);
    } catch (x) { notify('Test refused: ' + x.message); }
  }

  /** The delivery log of `t`, refreshed while a delivery is unfinished. */
  async showLog(t) {
    clearTimeout(this.logTimer);
    this.logOf = t;
    let r;
    try { r = await api('GET', '/api/webhooks/' + t.id + '/deliveries?limit=20'); } catch (x) {
      this.log.hidden = false;
      this.log.replaceChildren(h('h2', {}, 'Deliveries of ' + t.name), h('p', { class: 'form-error' }, x.message));
      return;
    }
    if (this.logOf !== t) return;
    const rows = r.deliveries.map((d) => h('tr', { 'data-id': d.id, 'data-status': d.status },
      h('td', {}, when(d.created_at)), h('th', { scope: 'row' }, d.event),
      h('td', {}, h('span', { class: 'pill ' + (d.status === 'delivered' ? 'ok' : d.status === 'failed' ? 'down' : 'degraded') }, d.status)),
      h('td', {}, d.attempts), h('td', {}, d.response_code ?? '–'), h('td', { class: 'wrap' }, d.last_error || '')));
    this.log.hidden = false;
    this.log.replaceChildren(h('h2', {}, 'Deliveries of ' + t.name),
      rows.length ? h('div', { class: 'scroll' }, h('table', { id: 'deliveries-table' },
        h('thead', {}, h('tr', {}, ['Queued', 'Event', 'Status', 'Attempts', 'Answer', 'Last error']
          .map((c) => h('th', { scope: 'col' }, c)))), h('tbody', {}, rows)))
        : h('p', { class: 'empty' }, 'Nothing delivered yet.'),
      h('button', { type: 'button', class: 'small', onclick: () => this.showLog(t) }, 'Refresh'));
    if (r.deliveries.some((d) => !FINISHED.has(d.status))) this.logTimer = setTimeout(() => this.showLog(t), 1000);
  }
}
