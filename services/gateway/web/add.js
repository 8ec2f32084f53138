// "Add by URL": one episode with a direct source. Series, season and episode
// are optional: a file name such as show.s01e02.mp4 gives them, otherwise
// the series is named after the file and the episode is S01E01.

import { api } from './api.js';
import { h, notify } from './dom.js';

const CODE = /s(\d{1,4})[ ._-]?e(\d{1,5})/i;

function stem(url) {
  const last = decodeURIComponent(url.pathname.split('/').pop() || '');
  return last.replace(/\.[A-Za-z0-9]{1,5}$/, '');
}

function slug(text) {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 200) || 'download';
}

/** The /api/queue/add request for the form's values; throws on bad input. */
export function addRequest({ url, series, season, episode, priority }) {
  let parsed;
  try { parsed = new URL(url); } catch { throw new Error('Enter a full http or https URL.'); }
  if (!/^https?:$/.test(parsed.protocol)) throw new Error('Only http and https URLs can be downloaded.');
  const file = stem(parsed);
  const code = file.match(CODE);
  let name = series.trim();
  if (!name) {
    name = file.replace(CODE, ' ').replace(/[._-]+/g, ' ').trim() || file || parsed.hostname;
  }
  const folder = name.replace(/[\\/\u0000-\u001f]/g, ' ').trim().slice(0, 200);
  const num = (text, fallback) => (text === '' ? fallback : Number(text));
  return {
    serie_id: slug(name),
    serie_folder: folder === '.' || folder === '..' || !folder ? slug(name) : folder,
    serie_name: name.slice(0, 200),
    priority,
    episodes: [{
      season: num(season, code ? Number(code[1]) : 1),
      episode: num(episode, code ? Number(code[2]) : 1),
      source: { provider: 'direct', url },
    }],
  };
}

export function addForm(onAdded) {
  const error = h('p', { class: 'form-error', id: 'add-error', role: 'alert' });
  const field = (label, input) => h('label', {}, h('span', {}, label), input);
  const url = h('input', { name: 'url', type: 'url', required: true, placeholder: 'address of the episode file',
    autocomplete: 'off', 'aria-describedby': 'add-error' });
  const series = h('input', { name: 'series', type: 'text', maxlength: 200, placeholder: 'from the file name' });
  const season = h('input', { name: 'season', type: 'number', min: 0, max: 1000, inputmode: 'numeric' });
  const episode = h('input', { name: 'episode', type: 'number', min: 0, max: 10000, inputmode: 'numeric' });
  const priority = h('select', { name: 'priority' },
    ['normal', 'high', 'low'].map((p) => h('option', { value: p }, p)));
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Add');
  const form = h('form', { class: 'add', 'aria-label': 'Add a download by URL' },
    field('URL', url), field('Series', series), field('Season', season), field('Episode', episode),
    field('Priority', priority), submit, error);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    let body;
    try {
      body = addRequest({ url: url.value.trim(), series: series.value, season: season.value,
        episode: episode.value, priority: priority.value });
    } catch (err) {
      error.textContent = err.message;
      return;
    }
    submit.disabled = true;
    try {
      const res = await api('POST', '/api/queue/add', body);
      if (res.skipped && res.skipped.length) error.textContent = 'Already in the queue.';
      else { notify('Queued ' + body.serie_name, 'ok'); form.reset(); }
      onAdded();
    } catch (err) {
      error.textContent = err.message;
    } finally {
      submit.disabled = false;
    }
  });
  // Open on wide screens; on a phone it would push the lists below the fold.
  return h('details', { class: 'adder', open: window.matchMedia('(min-width: 48rem)').matches }, h('summary', {}, 'Add by URL'), form);
}
