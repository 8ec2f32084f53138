// The Tasks page: the scheduled tasks of /api/tasks (schedule, state, next
// and last run with its result as key: value lines) and "Run now". While a
// task is requested or running the list is read every 2 s, else every 15 s.

import { api } from './api.js';
import { duration, h, keyValues, notify, when } from './dom.js';

const BUSY_MS = 2000;
const IDLE_MS = 15000;

function lastRun(run) {
  if (!run) return h('span', { class: 'sub' }, 'never run');
  const took = run.started_at && run.finished_at
    ? ' in ' + duration((Date.parse(run.finished_at) - Date.parse(run.started_at)) / 1000) : '';
  const pill = run.outcome === 'complete' ? 'ok' : run.outcome === 'failed' || run.outcome === 'lost' ? 'down' : 'degraded';
  return h('div', { class: 'what' },
    h('span', {}, h('span', { class: 'pill ' + pill }, run.outcome || 'running'), ' ',
      when(run.finished_at || run.started_at, '') + took),
    run.error ? h('span', { class: 'sub err' }, run.error) : null,
    keyValues(run.result ?? run.summary, { 'aria-label': 'Result' }));
}

export class TasksPage {
  constructor(root) { this.root = root; }

  mount() {
    this.list = h('ul', { class: 'list', id: 'tasks', 'aria-label': 'Scheduled tasks' });
    this.summary = h('p', { class: 'summary', 'aria-live': 'polite' }, 'Loading the tasks…');
    this.root.replaceChildren(h('div', { class: 'page tasks' }, h('h1', {}, 'Scheduled tasks'), this.summary, this.list));
    this.stopped = false;
    this.load();
  }

  unmount() {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  async load() {
    clearTimeout(this.timer);
    let r;
    try {
      r = await api('GET', '/api/tasks');
    } catch (err) {
      this.summary.textContent = 'The tasks cannot be read: ' + err.message;
      if (!this.stopped) this.timer = setTimeout(() => this.load(), IDLE_MS);
      return;
    }
    if (this.stopped) return;
    const tasks = r.tasks || [];
    const busy = tasks.filter((t) => t.state !== 'idle');
    this.summary.textContent = tasks.length + ' tasks' + (busy.length ? ', ' + busy.map((t) => t.name + ' ' + t.state).join(', ') : ', none running');
    this.list.replaceChildren(...tasks.map((t) => this.row(t)));
    this.timer = setTimeout(() => this.load(), busy.length ? BUSY_MS : IDLE_MS);
  }

  row(t) {
    const run = h('button', { type: 'button', class: 'small', disabled: t.state !== 'idle',
      'aria-label': 'Run ' + (t.title || t.name) + ' now', onclick: async () => {
        run.disabled = true;
        try {
          await api('POST', '/api/tasks/' + encodeURIComponent(t.name) + '/run', {});
          notify((t.title || t.name) + ' requested.', 'ok');
        } catch (err) {
          notify(err.status === 409 ? (t.title || t.name) + ' is already running.' : 'Cannot run: ' + err.message);
        }
        this.load();
      } }, 'Run now');
    const schedule = t.scheduled && t.interval_s > 0 ? 'every ' + duration(t.interval_s) : 'on demand';
    return h('li', { class: 'row task', 'data-name': t.name, 'data-state': t.state },
      h('div', { class: 'what' },
        h('span', { class: 'title' }, t.title || t.name, ' ',
          h('span', { class: 'pill ' + (t.state === 'idle' ? 'ok' : 'degraded') }, t.state)),
        h('span', { class: 'sub' }, t.name + ' · ' + schedule + ' · ' + (t.runs ?? 0) + ' runs' +
          (t.next_run_at ? ' · next ' + when(t.next_run_at) : '') + (t.running_on ? ' · on ' + t.running_on : '')),
        h('div', { class: 'last' }, h('span', { class: 'sub' }, 'Last run: '), lastRun(t.last_run))),
      h('div', { class: 'actions' }, run));
  }
}
