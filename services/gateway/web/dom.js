// Small DOM helpers: elements are built with textContent only (never HTML
// strings), so nothing from the API can turn into markup.

/** h('button', {class: 'x', onclick: f}, 'text', child) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

const toast = () => document.getElementById('toast');
let toastTimer = 0;

/** Shows a message for a few seconds (role=alert: read out at once). */
export function notify(message, kind = 'error') {
  const el = toast();
  el.textContent = message;
  el.dataset.kind = kind;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, 6000);
}

export function bytes(n) {
  if (!(n >= 0)) return '?';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i += 1; }
  return (i === 0 ? n : n.toFixed(n < 10 ? 1 : 0)) + ' ' + units[i];
}

export function duration(seconds) {
  if (!(seconds >= 0) || !Number.isFinite(seconds)) return '–';
  const s = Math.round(seconds);
  if (s < 60) return s + ' s';
  if (s < 3600) return Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
  return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
}

export function pad(n) {
  return String(n).padStart(2, '0');
}

/** An ISO 8601 time as "2026-11-27 15:40:02 UTC"; null as `none`. */
export function when(t, none = 'never') {
  return t ? String(t).replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC') : none;
}

/** A labelled form control: <label><span>text</span>control hint</label>. */
export function field(label, control, hint) {
  return h('label', {}, h('span', {}, label), control, hint ? h('small', {}, hint) : null);
}

/** A value of an API answer as text (objects as compact JSON). */
export function text(v) {
  if (v === null || v === undefined) return '–';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** key: value lines of an object (e.g. a task run's result), as a <dl>. */
export function keyValues(obj, attrs = {}) {
  const entries = obj && typeof obj === 'object' ? Object.entries(obj) : [];
  if (!entries.length) return h('span', { class: 'sub' }, '–');
  return h('dl', { class: 'kv', ...attrs }, entries.flatMap(([k, v]) =>
    [h('dt', {}, k.replace(/_/g, ' ')), h('dd', {}, text(v))]));
}

/**
 * An API refusal as text: its message, led by the field's label (from
 * `labels` by the whole field or its first part, else the field's name)
 * when the message does not name it; a message that starts with the
 * field's name gets the label in its place.
 */
export function refusal(err, labels = {}) {
  const name = err.field || '';
  if (!name) return err.message;
  const label = labels[name] || labels[name.split('.')[0]];
  if (label && err.message.startsWith(name + ': ')) return label + err.message.slice(name.length);
  if (err.message.includes(name)) return err.message;
  return (label || name) + ': ' + err.message;
}
