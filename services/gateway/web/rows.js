// One row of a queue list. Rows are keyed by item id and rebuilt only when
// what they show changes; progress is patched in place (see meter()).

import { bytes, duration, h, pad } from './dom.js';

export function title(item) {
  const name = item.serie_name || item.serie_id || 'Download';
  return name + ' S' + pad(item.season) + 'E' + pad(item.episode);
}

function detail(item) {
  if (item.status === 'failed' && item.error) return item.error;
  const where = item.target_path || (item.source && item.source.url) || '';
  // A pause the system made (e.g. "paused: disk almost full") says why.
  if (item.status === 'paused' && item.status_text) return item.status_text + (where ? ' · ' + where : '');
  return where;
}

/** What a row shows, except live progress: a change rebuilds the row. */
export function signature(item) {
  return [item.status, item.priority, item.error, title(item), detail(item)].join('\u0001');
}

/** Text the filter box matches against. */
export function haystack(item) {
  return (title(item) + ' ' + detail(item) + ' ' + item.status + ' ' +
    (item.source && item.source.url || '')).toLowerCase();
}

function button(label, name, action, id) {
  return h('button', { type: 'button', class: 'small', 'data-action': action,
    'data-id': id, 'aria-label': label + ' ' + name }, label);
}

function prioritySelect(item, name) {
  const select = h('select', { class: 'small', 'data-action': 'priority',
    'data-id': item.id, 'aria-label': 'Priority of ' + name });
  for (const p of ['high', 'normal', 'low']) {
    select.append(h('option', { value: p, selected: item.priority === p }, p));
  }
  return select;
}

function actions(item, name) {
  switch (item.status) {
    case 'downloading':
      return [button('Pause', name, 'pause', item.id), button('Cancel', name, 'cancel', item.id)];
    case 'pending':
      return [prioritySelect(item, name), button('Pause', name, 'pause', item.id),
        button('Cancel', name, 'cancel', item.id)];
    case 'paused':
      return [button('Resume', name, 'resume', item.id), button('Cancel', name, 'cancel', item.id)];
    case 'failed':
      return [button('Retry', name, 'retry', item.id), button('Remove', name, 'remove', item.id)];
    default:
      return [button('Remove', name, 'remove', item.id)];
  }
}

export function buildRow(item) {
  const name = title(item);
  const text = detail(item);
  const row = h('li', { class: 'row', 'data-id': item.id, 'data-status': item.status },
    h('div', { class: 'what' },
      h('span', { class: 'title' }, name,
        item.priority !== 'normal' && item.status === 'pending'
          ? h('span', { class: 'tag' }, item.priority) : null),
      h('span', { class: item.status === 'failed' ? 'sub err' : 'sub', title: text }, text)),
    h('div', { class: 'actions' }, actions(item, name)));
  if (item.status === 'downloading') {
    const bar = h('progress', { max: 100, value: 0, 'aria-label': 'Progress of ' + name });
    row.insertBefore(h('div', { class: 'meter' }, bar, h('span', { class: 'stats' })), row.lastChild);
  }
  return row;
}

/** Shows progress (a live record, else the item's own figures). */
export function meter(row, item, live) {
  const bar = row.querySelector('progress');
  if (!bar) return;
  const percent = live ? live.percent : item.progress;
  const done = live ? live.current : item.bytes_done;
  const total = live ? live.total : item.bytes_total;
  const speed = live ? live.speed_bps : item.speed_bps;
  const eta = live ? live.eta_seconds : item.eta_seconds;
  if (percent >= 0) bar.value = Math.min(100, percent);
  else bar.removeAttribute('value');
  const parts = [(percent >= 0 ? percent.toFixed(1) : '?') + ' %'];
  parts.push(bytes(done) + (total > 0 ? ' of ' + bytes(total) : ''));
  if (speed > 0) parts.push(bytes(speed) + '/s');
  if (eta > 0) parts.push('ETA ' + duration(eta));
  row.querySelector('.stats').textContent = parts.join(' · ');
}
