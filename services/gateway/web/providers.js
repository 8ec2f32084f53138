// The Providers page: the best provider now, each provider's health
// (breaker, success rate, response time, last error) with reset, on/off,
// its runtime settings (PUT /api/providers/config/{name}, changed fields
// only) and the failover chain: in or out of the chain, and its order
// (the chain runs by priority, so moving swaps priorities).

import { api } from './api.js';
import { bytes, field, h, notify, refusal, when } from './dom.js';

const ENC = encodeURIComponent;
const SETTINGS = [
  ['priority', 'Priority (lower first)', 1, 1000],
  ['timeout_s', 'Timeout (s)', 1, 86400],
  ['retries', 'Retries', 0, 100],
  ['retry_delay_s', 'Retry delay (s)', 0, 3600],
  ['max_concurrent', 'Max concurrent downloads (0 = no limit)', 0, 1000],
  ['bandwidth_limit_bps', 'Bandwidth limit (bytes/s, 0 = none)', 0, 2 ** 53],
  ['max_connections', 'Max connections per download', 1, 64],
];

/** The providers list of an answer, whatever its exact shape. */
function providersOf(answer) {
  if (Array.isArray(answer)) return answer;
  if (Array.isArray(answer?.providers)) return answer.providers;
  return [];
}

async function read(path) {
  try { return { answer: await api('GET', path) }; } catch (err) { return { err }; }
}

export class ProvidersPage {
  constructor(root) { this.root = root; this.open = new Set(); }

  mount() {
    this.best = h('p', { class: 'summary', id: 'providers-best', 'aria-live': 'polite' });
    this.chain = h('section', { class: 'block', id: 'providers-failover' });
    this.cards = h('div', { id: 'providers-list' });
    this.root.replaceChildren(h('div', { class: 'page providers' }, h('h1', {}, 'Providers'),
      h('div', { class: 'controls' }, h('button', { type: 'button', onclick: () => this.load() }, 'Refresh')),
      this.best, this.chain, this.cards));
    this.load();
    this.timer = setInterval(() => this.load(true), 10000);
  }

  unmount() { clearInterval(this.timer); this.gone = true; }

  /**
   * Reads everything; `quiet` (the periodic refresh) leaves the page alone
   * while a form holds unsaved changes or a control has the focus.
   */
  async load(quiet = false) {
    const busy = this.cards.querySelector('form.dirty') || this.cards.contains(document.activeElement) ||
      this.chain.contains(document.activeElement);
    if (quiet && busy) return;
    const [health, config, chain, best] = await Promise.all([read('/api/providers/health'),
      read('/api/providers/config'), read('/api/providers/failover'), read('/api/providers/best')]);
    if (this.gone) return;
    const b = best.answer?.provider;
    this.best.textContent = best.err ? 'Best provider: cannot be asked (' + best.err.message + ').'
      : b ? 'Best provider now: ' + b.name + ' (priority ' + b.priority + ', breaker ' + b.breaker + ').'
        : 'No provider is available now.';
    this.renderChain(chain);
    if (config.err) {
      this.cards.replaceChildren(h('p', { class: 'form-error' }, 'Cannot read /api/providers/config: ' + config.err.message));
      return;
    }
    const healthOf = new Map(providersOf(health.answer).map((p) => [p.name, p]));
    const list = providersOf(config.answer);
    this.cards.replaceChildren(...(list.length ? list.map((p) => this.card(p, healthOf.get(p.name), health.err))
      : [h('p', { class: 'empty' }, 'No providers are configured.')]));
  }

  renderChain(chain) {
    if (chain.err) {
      this.chain.replaceChildren(h('h2', {}, 'Failover chain'), h('p', { class: 'form-error' }, chain.err.message));
      return;
    }
    const all = chain.answer.providers || [];
    const order = [...all].sort((a, b) => a.priority - b.priority || a.name.localeCompare(b.name));
    const button = (label, name, onclick, disabled = false) => h('button', { type: 'button', class: 'small',
      'aria-label': label + ' ' + name, disabled, onclick }, label);
    this.chain.replaceChildren(h('h2', {}, 'Failover chain'),
      h('p', { class: 'summary', id: 'chain-order' }, 'Sources are tried in this order: ' +
        (chain.answer.chain.length ? chain.answer.chain.join(' → ') : 'no provider in the chain') +
        '. A source whose provider is out of the chain is only used as an item\'s first source.'),
      h('ol', { class: 'list', id: 'chain' }, order.map((p, i) => h('li', { class: 'row', 'data-provider': p.name,
        'data-in-chain': String(p.in_chain) },
      h('div', { class: 'what' }, h('span', { class: 'title' }, (i + 1) + '. ' + p.name,
        p.in_chain ? null : h('span', { class: 'tag' }, 'out of the chain'), p.enabled ? null : h('span', { class: 'tag' }, 'disabled')),
      h('span', { class: 'sub' }, 'priority ' + p.priority + ' · breaker ' + p.breaker + (p.available ? ' · available' : ' · unavailable'))),
      h('div', { class: 'actions' },
        button('Up', p.name, () => this.move(order, i, -1), i === 0),
        button('Down', p.name, () => this.move(order, i, 1), i === order.length - 1),
        p.in_chain ? button('Remove from chain', p.name, () => this.chainSet(p.name, false))
          : button('Add to chain', p.name, () => this.chainSet(p.name, true)))))));
  }

  async chainSet(name, add) {
    try {
      await api(add ? 'POST' : 'DELETE', '/api/providers/failover/' + ENC(name) + (add ? '/add' : ''), {});
      notify((add ? 'Added ' : 'Removed ') + name + (add ? ' to' : ' from') + ' the chain.', 'ok');
    } catch (x) { notify(x.message); }
    this.load();
  }

  /** Moves order[i] one place (dir -1 up, +1 down) by swapping priorities. */
  async move(order, i, dir) {
    const a = order[i];
    const b = order[i + dir];
    let pa = b.priority;
    let pb = a.priority;
    if (pa === pb) {
      // Equal priorities sort by name: make them differ.
      if (dir < 0) { if (pa > 1) pa -= 1; else pb += 1; } else if (pb > 1) pb -= 1; else pa += 1;
    }
    try {
      await api('PUT', '/api/providers/config/' + ENC(a.name), { priority: pa });
      if (pb !== b.priority) await api('PUT', '/api/providers/config/' + ENC(b.name), { priority: pb });
    } catch (x) { notify(x.message); }
    this.load();
  }

  card(p, hl, healthErr) {
    const inputs = {};
    const err = h('p', { class: 'form-error', role: 'alert' });
    const form = h('form', { class: 'settings-grid', 'data-provider': p.name, novalidate: true,
      'aria-label': 'Settings of ' + p.name, oninput: () => form.classList.add('dirty') },
    SETTINGS.map(([key, label, min, max]) => {
      inputs[key] = h('input', { name: key, type: 'number', min, max, step: 1, value: p[key] ?? '', id: 'prov-' + p.name + '-' + key });
      return field(label, inputs[key]);
    }),
    h('div', { class: 'controls' }, h('button', { type: 'submit', class: 'primary', 'aria-label': 'Save ' + p.name }, 'Save')), err);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      err.textContent = '';
      const body = {};
      for (const [key, input] of Object.entries(inputs)) {
        input.removeAttribute('aria-invalid');
        const raw = input.value.trim();
        const value = /^-?\d+$/.test(raw) ? Number(raw) : raw;
        if (value !== p[key]) body[key] = value;
      }
      if (!Object.keys(body).length) { err.textContent = 'Nothing changed.'; return; }
      try {
        await api('PUT', '/api/providers/config/' + ENC(p.name), body);
        notify('Saved ' + p.name + '.', 'ok');
        form.classList.remove('dirty');
        this.load();
      } catch (x) {
        err.textContent = refusal(x);
        if (inputs[x.field]) { inputs[x.field].setAttribute('aria-invalid', 'true'); inputs[x.field].focus(); }
      }
    });
    const enabled = h('input', { type: 'checkbox', checked: p.enabled, 'aria-label': 'Enabled ' + p.name,
      onchange: async (e) => {
        try { await api('POST', '/api/providers/config/' + ENC(p.name) + (e.target.checked ? '/enable' : '/disable'), {}); } catch (x) {
          e.target.checked = !e.target.checked;
          notify(x.message);
        }
        this.load();
      } });
    const reset = h('button', { type: 'button', class: 'small', 'aria-label': 'Reset health of ' + p.name, onclick: async () => {
      try { await api('POST', '/api/providers/health/' + ENC(p.name) + '/reset', {}); notify('Health of ' + p.name + ' reset.', 'ok'); } catch (x) { notify(x.message); }
      this.load();
    } }, 'Reset health');
    const details = h('details', { class: 'settings-box', open: this.open.has(p.name),
      ontoggle: (e) => { if (e.target.open) this.open.add(p.name); else this.open.delete(p.name); } },
    h('summary', {}, 'Settings'), form);
    return h('section', { class: 'block card', 'data-provider': p.name },
      h('div', { class: 'row' }, h('div', { class: 'what' }, h('h2', {}, p.name), this.healthLine(hl, healthErr)),
        h('div', { class: 'actions' }, h('label', { class: 'inline' }, enabled, h('span', {}, 'Enabled')), reset)),
      details);
  }

  healthLine(hl, err) {
    if (!hl) return h('span', { class: 'sub' }, err ? 'Health cannot be read: ' + err.message : 'No health recorded.');
    const rate = typeof hl.success_rate === 'number' ? hl.success_rate.toFixed(0) + ' % ok' : '';
    return h('div', { class: 'health' },
      h('span', {}, h('span', { class: 'pill ' + (hl.breaker === 'closed' ? 'ok' : hl.breaker === 'open' ? 'down' : 'degraded') },
        'breaker ' + hl.breaker), ' ', hl.available ? 'available' : 'unavailable'),
      h('span', { class: 'sub' }, [hl.requests + ' requests', rate, Math.round(hl.average_response_ms ?? 0) + ' ms average',
        bytes(hl.bytes ?? 0), typeof hl.uptime_percent === 'number' ? hl.uptime_percent.toFixed(0) + ' % last hour' : '']
        .filter(Boolean).join(' · ')),
      hl.last_error ? h('span', { class: 'sub err' }, 'Last error ' + when(hl.last_error_at, '') + ': ' + hl.last_error) : null);
  }
}
