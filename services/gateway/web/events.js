// The gateway's event stream (/api/events) with the session cookie. On any
// error the stream is closed and opened again after a growing delay (0.25 s
// doubling to 8 s). Every (re)connection starts with an `init` snapshot,
// which replaces whatever the page knew: no bar outlives a restart.

const ROOMS = 'downloads,download_progress,queue';
const KINDS = ['download_progress', 'download_complete', 'download_failed',
  'download_cancelled', 'download_paused', 'download_retry', 'queue_status'];
export const SCAN_ROOMS = 'scan_progress';
export const SCAN_KINDS = ['scan_progress', 'scan_complete', 'scan_failed'];

export class LiveEvents {
  /**
   * handlers: {init(snapshot), event(kind, envelope), state('live'|'connecting'|'offline')}
   */
  constructor(handlers, rooms = ROOMS, kinds = KINDS) {
    this.handlers = handlers;
    this.rooms = rooms;
    this.kinds = kinds;
    this.source = null;
    this.delay = 250;
    this.timer = 0;
    this.stopped = true;
  }

  start() {
    this.stopped = false;
    this.open();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.source) this.source.close();
    this.source = null;
  }

  open() {
    clearTimeout(this.timer);
    if (this.source) this.source.close();
    this.handlers.state('connecting');
    const source = new EventSource('/api/events?rooms=' + this.rooms);
    this.source = source;
    source.addEventListener('init', (e) => {
      this.delay = 250;
      this.handlers.state('live');
      this.handlers.init(JSON.parse(e.data));
    });
    for (const kind of this.kinds) {
      source.addEventListener(kind, (e) => this.handlers.event(kind, JSON.parse(e.data)));
    }
    source.addEventListener('error', () => {
      if (source !== this.source || this.stopped) return;
      source.close();
      this.handlers.state('offline');
      this.timer = setTimeout(() => this.open(), this.delay);
      this.delay = Math.min(this.delay * 2, 8000);
    });
  }
}
