"""Shared steps of the download pipeline tests (tests/test_pipeline_*.py).

A pipeline stack is real PostgreSQL + nats-server + nginx origin + queue +
gateway (+ progress) + downloader processes from kumo_harness. Items are
added through the gateway's HTTP API with "direct" sources pointing at the
origin; outcomes are read back from PostgreSQL (queue_items, queue_events),
the library folder and nginx's logs.
"""

import json
import os
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "harness"))

from kumo_harness import Stack, http, make_media, sha256_file, wait_until  # noqa: E402,F401

TERMINAL = ("completed", "failed", "cancelled")

# Short leases and delays keep the tests fast; each test may override.
QUEUE_ENV = {
    "KUMO_LEASE": "3s",
    "KUMO_REAP_INTERVAL": "200ms",
    "KUMO_ANNOUNCE_INTERVAL": "500ms",
    "KUMO_RETRY_DELAYS": "1s,2s,4s",
    "KUMO_MAX_RETRIES": "3",
    "KUMO_DISCARD_RETRY": "1s",
}
WORKER_ENV = {
    "KUMO_FETCH_ALLOW_CIDRS": "127.0.0.1/32",
    "KUMO_CLAIM_INTERVAL": "500ms",
    "KUMO_STALL_TIMEOUT": "10s",
    "KUMO_REQUEST_TIMEOUT": "2s",
    "KUMO_SHUTDOWN_GRACE": "5s",
    # One connection per download: the request patterns these tests assert
    # are those of a single stream (tests/test_pipeline_segments.py covers
    # segmented downloads).
    "KUMO_MAX_CONNECTIONS": "1",
}


def log(msg, *args):
    """One line of the test's own narrative (what it tried, what it saw)."""
    text = msg % args if args else msg
    print("[%s] %s" % (time.strftime("%H:%M:%S"), text), flush=True)


def start_stack(s, queue_env=None, progress=False, nginx=None):
    """PostgreSQL, NATS, nginx (kwargs `nginx`), queue, gateway and
    optionally progress; logs in. Returns the queue service."""
    s.start_postgres()
    s.start_nats()
    s.start_nginx(**(nginx or {}))
    env = dict(QUEUE_ENV)
    env.update(queue_env or {})
    queue = s.start_service("queue", env=env)
    gateway = s.start_service("gateway")
    started = [queue, gateway]
    if progress:
        started.append(s.start_service("progress"))
    for svc in started:
        svc.wait_ready(30)
    # /readyz of the gateway may answer 200 a few milliseconds before its
    # HTTP port accepts connections (it binds in its supervisor's start-up).
    wait_until(lambda: socket.create_connection(
        ("127.0.0.1", gateway.http_port), timeout=1).close() or True,
        timeout=10, interval=0.01, what="gateway HTTP port")
    s.login()
    return queue


def start_worker(s, jobs=2, env=None, wait=True):
    full = dict(WORKER_ENV)
    full["KUMO_JOBS"] = str(jobs)
    full.update(env or {})
    w = s.start_service("downloader", env=full)
    if wait:
        w.wait_ready(30)
    return w


def api(s, method, path, body=None, expect=None, timeout=15):
    """Gateway API call with the stack's token; returns (status, json).
    `expect`: a status (or tuple) that must be answered, else AssertionError."""
    status, _, payload = http(method, s.gateway_url + path, body, token=s.token,
                              timeout=timeout)
    try:
        doc = json.loads(payload) if payload else None
    except ValueError:
        doc = None
    if expect is not None:
        wanted = expect if isinstance(expect, tuple) else (expect,)
        if status not in wanted:
            raise AssertionError("%s %s answered %d (wanted %s): %s" % (
                method, path, status, wanted, payload[:500]))
    return status, doc


def origin_file(s, rel, size=None, seconds=None, seed=0):
    """Creates a file below the origin's root; returns (url, sha256, size)."""
    path = os.path.join(s.nginx_root, rel)
    make_media(path, size=size, seconds=seconds, seed=seed)
    return s.origin_url + "/" + rel, sha256_file(path), os.path.getsize(path)


def add(s, serie_id, episodes, priority="normal", name=None, expect_all=True):
    """POST /api/queue/add. `episodes`: [(season, episode, url)] or
    [(season, episode, source dict)]. Returns the items answered."""
    eps = []
    for season, episode, src in episodes:
        if isinstance(src, str):
            src = {"provider": "direct", "url": src}
        eps.append({"season": season, "episode": episode, "source": src})
    name = name or serie_id.replace("-", " ").title()
    items = []
    for i in range(0, len(eps), 500):
        _, doc = api(s, "POST", "/api/queue/add", {
            "serie_id": serie_id, "serie_folder": name, "serie_name": name,
            "priority": priority, "episodes": eps[i:i + 500]}, expect=201)
        items.extend(doc["items"])
        if expect_all and doc["skipped"]:
            raise AssertionError("add skipped %s" % doc["skipped"])
    return items


_ITEM_COLS = ("id", "status", "attempts", "retries", "bytes_done", "bytes_total",
              "target_path", "error", "owner", "priority", "lease_token",
              "started_at", "completed_at")


def items(s, ids=None):
    """queue_items rows as {id: dict}; bytes/attempts as int."""
    where = ""
    if ids is not None:
        where = " WHERE id IN (%s)" % ",".join("'%s'" % i for i in ids)
    rows = s.psql("SELECT id, status, attempts, retries, bytes_done, bytes_total,"
                  " target_path, error, owner, priority,"
                  " coalesce(lease_token::text, ''),"
                  " coalesce(extract(epoch FROM started_at)::text, ''),"
                  " coalesce(extract(epoch FROM completed_at)::text, '')"
                  " FROM queue_items" + where)
    out = {}
    for row in rows:
        d = dict(zip(_ITEM_COLS, row))
        for k in ("attempts", "retries", "bytes_done", "bytes_total", "priority"):
            d[k] = int(d[k])
        out[d["id"]] = d
    return out


def events(s, item_id=None, event=None):
    """queue_events rows (oldest first) as dicts: id, item_id, event,
    origin, lease_token, worker, detail (dict), at (Unix seconds)."""
    cond = []
    if item_id:
        cond.append("item_id = '%s'" % item_id)
    if event:
        cond.append("event = '%s'" % event)
    where = (" WHERE " + " AND ".join(cond)) if cond else ""
    rows = s.psql("SELECT id, coalesce(item_id::text, ''), event, origin,"
                  " coalesce(lease_token::text, ''), worker, detail::text,"
                  " extract(epoch FROM at)::text FROM queue_events" + where
                  + " ORDER BY id")
    return [{"id": int(r[0]), "item_id": r[1], "event": r[2], "origin": r[3],
             "lease_token": r[4], "worker": r[5], "detail": json.loads(r[6]),
             "at": float(r[7])} for r in rows]


def wait_terminal(s, ids, timeout, poll=0.3, statuses=TERMINAL):
    """Waits until every item in `ids` has one of `statuses`; returns the
    items. On timeout, raises with the count per status."""
    ids = list(ids)
    deadline = time.monotonic() + timeout
    last = {}
    while True:
        try:
            last = items(s, ids)
        except RuntimeError:  # PostgreSQL restarting
            last = last or {}
        if len(last) == len(ids) and all(
                i["status"] in statuses for i in last.values()):
            return last
        if time.monotonic() > deadline:
            counts = {}
            for i in last.values():
                counts[i["status"]] = counts.get(i["status"], 0) + 1
            raise AssertionError("after %ss not all %d items in %s: %s" % (
                timeout, len(ids), statuses, counts))
        time.sleep(poll)


def wait_status(s, item_id, statuses, timeout=20):
    statuses = (statuses,) if isinstance(statuses, str) else statuses
    return wait_until(lambda: (items(s, [item_id]).get(item_id) or {}).get(
        "status") in statuses and items(s, [item_id])[item_id],
        timeout=timeout, interval=0.1, what="item %s in %s" % (item_id, statuses))


def library_path(s, item):
    return os.path.join(s.library_root, item["target_path"])


def part_size(s, item):
    """Size of the item's .part file, -1 when there is none."""
    try:
        return os.path.getsize(library_path(s, item) + ".part")
    except OSError:
        return -1


def leftovers(s):
    """Every .part and temporary file left in the library."""
    out = []
    for root, _, files in os.walk(s.library_root):
        for f in files:
            if (f.endswith(".part") or f.endswith(".part.segments")
                    or f.endswith(".tmp") or f.startswith(".kumo-")):
                out.append(os.path.relpath(os.path.join(root, f), s.library_root))
    return sorted(out)


def check_completed(s, expected):
    """Asserts for every item id in `expected` ({id: sha256}): status
    completed, the final file has that digest, exactly one 'completed'
    event. Returns a list of problems (empty: all good)."""
    rows = items(s, list(expected))
    done = {}
    for ev in events(s, event="completed"):
        done[ev["item_id"]] = done.get(ev["item_id"], 0) + 1
    problems = []
    for item_id, digest in expected.items():
        item = rows.get(item_id)
        if item is None:
            problems.append("%s: missing from queue_items" % item_id)
            continue
        if item["status"] != "completed":
            problems.append("%s: status %s (error %r)" % (
                item_id, item["status"], item["error"]))
        path = library_path(s, item)
        if not os.path.exists(path):
            problems.append("%s: no file %s" % (item_id, item["target_path"]))
        elif sha256_file(path) != digest:
            problems.append("%s: sha256 of %s differs from the origin's" % (
                item_id, item["target_path"]))
        if done.get(item_id, 0) != 1:
            problems.append("%s: %d 'completed' events" % (
                item_id, done.get(item_id, 0)))
    return problems


def metric(svc, name, labels=None):
    """Sum of the samples of metric `name` (matching `labels`) in svc's
    /metrics; 0 when absent."""
    total = 0.0
    for line in svc.metrics().splitlines():
        if line.startswith("#"):
            continue
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)", line)
        if not m or m.group(1) != name:
            continue
        if labels:
            text = m.group(2) or ""
            if not all('%s="%s"' % kv in text for kv in labels.items()):
                continue
        total += float(m.group(3))
    return total


def requests_for(s, path_part):
    """Origin requests (detail log) whose path contains `path_part`."""
    return [r for r in s.nginx_requests_detail() if path_part in r["path"]]


def wait_part_at_least(s, item, size, timeout):
    """Waits until the item's .part holds at least `size` bytes."""
    return wait_until(lambda: part_size(s, item) >= size and part_size(s, item),
                      timeout=timeout, interval=0.05,
                      what=".part of %s >= %d bytes" % (item["target_path"], size))


def wait_durable(s, item, size, timeout):
    """Waits until PostgreSQL holds a durable offset of at least `size`
    bytes for the item (reported by its worker's heartbeats)."""
    return wait_until(
        lambda: items(s, [item["id"]])[item["id"]]["bytes_done"] >= size,
        timeout=timeout, interval=0.1,
        what="durable offset of %s >= %d" % (item["target_path"], size))


def file_stable(path, seconds):
    """(sha256, mtime_ns) before and after `seconds`; asserts no change."""
    before = (sha256_file(path), os.stat(path).st_mtime_ns)
    time.sleep(seconds)
    after = (sha256_file(path), os.stat(path).st_mtime_ns)
    if before != after:
        raise AssertionError("%s changed: %s -> %s" % (path, before, after))
    return before


class Receiver:
    """An HTTP server on 127.0.0.1 recording every request. `plan[path]`
    is a list of statuses answered in turn (then 200); `down` answers 503
    to everything."""

    def __init__(self):
        self.calls = []
        self.plan = {}
        self.down = False
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path.split("?")[0]
                with receiver.lock:
                    plan = receiver.plan.get(path, [])
                    status = 503 if receiver.down else (plan.pop(0) if plan else 200)
                    receiver.calls.append({
                        "method": self.command, "path": self.path,
                        "headers": dict(self.headers), "body": body,
                        "status": status})
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def to(self, path_prefix):
        with self.lock:
            return [c for c in self.calls if c["path"].startswith(path_prefix)]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def task(s, name):
    """The scheduled task `name` as GET /api/tasks lists it."""
    _, doc = api(s, "GET", "/api/tasks", expect=200)
    found = [t for t in doc["tasks"] if t["name"] == name]
    if len(found) != 1:
        raise AssertionError("task %s: %r" % (name, doc))
    return found[0]


def run_task_now(s, name, timeout=60):
    """Asks for a run of task `name` (POST /api/tasks/{name}/run: 202, the
    task requested or running) and waits until that run ended: one run more
    than before and the task idle. Returns the task; its `last_run` is that
    run."""
    before = task(s, name)["runs"]
    _, body = api(s, "POST", "/api/tasks/%s/run" % name, b"", expect=202)
    if body["task"]["state"] not in ("requested", "running"):
        raise AssertionError("run of %s: %r" % (name, body))

    def ended():
        t = task(s, name)
        return t["runs"] >= before + 1 and t["state"] == "idle"
    wait_until(ended, timeout=timeout, what="the run of task %s" % name)
    t = task(s, name)
    if t["runs"] != before + 1:
        raise AssertionError("one run of %s wanted: %r" % (name, t))
    return t


def rss(items, title="Night Garden"):
    """An RSS 2.0 feed (iTunes namespace declared) of `items`: tuples
    (title, guid, enclosure url, enclosure length[, extra XML inside the
    item])."""
    body = "".join(
        '<item><title>%s</title><guid>%s</guid>'
        '<pubDate>Tue, 03 Jun 2025 09:00:00 GMT</pubDate>'
        '<enclosure url="%s" length="%d" type="video/mp4"/>%s</item>'
        % (i[0], i[1], i[2], i[3], i[4] if len(i) > 4 else "")
        for i in items)
    return ('<?xml version="1.0"?><rss version="2.0" xmlns:itunes='
            '"http://www.itunes.com/dtds/podcast-1.0.dtd"><channel>'
            '<title>%s</title>%s</channel></rss>' % (title, body))
