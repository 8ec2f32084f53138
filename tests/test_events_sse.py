"""GET /api/events: progress updates from NATS reach browsers live, in order,
and nothing terminal is lost across reconnects and restarts.

Progress updates are published the way services publish them (raw NATS on
kumo.progress.<kind>); the browser side is an SSE client on the gateway.
- init (snapshot) comes first, then started -> coalesced progress (last
  value kept) -> complete, with increasing ids; rooms filter; unknown room 400;
- a client that reconnects with Last-Event-ID gets exactly what it missed
  (header and query parameter), without an init;
- after a gateway restart an old id gets a fresh init whose `recent` holds the
  terminal records; a restarted progress service (new epoch) brings a fresh
  init to open streams; progress down -> init with progress_unavailable;
- a stream cap answers 503 while the API stays responsive, SIGTERM ends open
  streams and the gateway exits 0, and a client that stops reading is cut off.
"""
# ctest-properties: TIMEOUT 600

import json
import os
import signal
import socket
import sys
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "harness"))
sys.path.insert(0, HERE)

from kumo_harness import Stack, http, sanitized, wait_until  # noqa: E402
from mini_nats import NatsClient  # noqa: E402

KEY = "attack-on-titan"
FOLDER = "Attack on Titan (2013)"


def update(job, status, current=0, total=-1, **extra):
    doc = {"id": "download:" + job, "kind": "download", "status": status,
           "title": "Attack on Titan S01E0" + job[-1], "current": current,
           "total": total, "key": KEY, "folder": FOLDER}
    doc.update(extra)
    return json.dumps(doc)


def login(stack):
    """A bearer token, or None when the gateway has no authentication."""
    status, _, _ = http("GET", stack.gateway_url + "/api/auth/status")
    if status == 404:
        return None
    return stack.login()


def events_url(stack, query=""):
    return stack.gateway_url + "/api/events" + (("?" + query) if query else "")


def read_until(client, predicate, timeout=10):
    """Events (kind, data dict, id) up to and including the first for which
    predicate(kind, data) holds."""
    out = []
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no matching event; got %s" % [
                (k, d.get("data", {}).get("status")) for k, d, _ in out])
        kind, data = client.next_event(timeout=left)
        doc = json.loads(data)
        out.append((kind, doc, client.last_id))
        if predicate(kind, doc):
            return out


def seq_of(event_id):
    return int(event_id.rsplit(":", 1)[1])


def wait_progress_answers(nats):
    wait_until(lambda: json.loads(nats.request("kumo.progress.snapshot", b"{}",
                                               timeout=1)).get("epoch"),
               timeout=20, what="progress snapshot reply")


def raw_stream(url, token=None, headers=None, rcvbuf=None):
    """A socket whose GET of the event stream has been sent."""
    parsed = urllib.parse.urlsplit(url)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.connect((parsed.hostname, parsed.port))
    lines = ["GET %s?%s HTTP/1.1" % (parsed.path, parsed.query) if parsed.query
             else "GET %s HTTP/1.1" % parsed.path,
             "Host: 127.0.0.1", "Accept: text/event-stream"]
    if token:
        lines.append("Authorization: Bearer " + token)
    for k, v in (headers or {}).items():
        lines.append("%s: %s" % (k, v))
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    return sock


class EventClient:
    """An EventSource-like reader over a raw socket (HTTP/1.1, chunked).

        c = EventClient(url, token, headers={"Last-Event-ID": "e:5"})
        kind, data = c.next_event(timeout=5); c.last_id; c.comments
    """

    def __init__(self, url, token=None, headers=None, timeout=10):
        self.sock = raw_stream(url, token, headers)
        self.sock.settimeout(timeout)
        self.raw = b""
        while b"\r\n\r\n" not in self.raw:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("closed before the response head")
            self.raw += chunk
        head, self.raw = self.raw.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()
        self.chunked = self.headers.get("transfer-encoding") == "chunked"
        if "content-length" in self.headers:  # an error answer, not a stream
            while len(self.raw) < int(self.headers["content-length"]):
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                self.raw += chunk
        self.text = ""      # decoded, not yet parsed stream text
        self.chunk_left = None
        self.eof = False
        self.last_id = None
        self.comments = []
        self._decode()  # the head's packet may carry the first chunk too

    def _decode(self):
        if not self.chunked:
            self.text += self.raw.decode()
            self.raw = b""
            return
        while True:
            if self.chunk_left is None:
                if b"\r\n" not in self.raw:
                    return
                size, self.raw = self.raw.split(b"\r\n", 1)
                self.chunk_left = int(size.split(b";")[0], 16)
                if self.chunk_left == 0:
                    self.eof = True
                    return
            if len(self.raw) < self.chunk_left + 2:
                return
            self.text += self.raw[:self.chunk_left].decode()
            self.raw = self.raw[self.chunk_left + 2:]
            self.chunk_left = None

    def next_event(self, timeout=10):
        """(event, data) of the next event; EOFError when the stream ends."""
        deadline = time.monotonic() + timeout
        kind, data = "message", []
        while True:
            while "\n" in self.text:
                line, self.text = self.text.split("\n", 1)
                if not line:
                    if data:
                        return kind, "\n".join(data)
                    kind = "message"
                    continue
                if line.startswith(":"):
                    self.comments.append(line[1:].strip())
                    continue
                field, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if field == "event":
                    kind = value
                elif field == "data":
                    data.append(value)
                elif field == "id":
                    self.last_id = value
            if self.eof:
                raise EOFError("event stream closed")
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no event within %ss" % timeout)
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                self.eof = True
            self.raw += chunk
            self._decode()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def read_for(sock, seconds):
    sock.settimeout(0.2)
    data = b""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            break
        data += chunk
    return data


def metric(text, name):
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            total += float(line.rsplit(" ", 1)[1])
    return total


class EventStream(unittest.TestCase):
    def test_live_events_resume_and_restarts(self):
        with Stack(name="events") as s:
            s.start_postgres()
            s.start_nats()
            progress = s.start_service("progress")
            gw = s.start_service("gateway", env={"KUMO_SSE_KEEPALIVE": "1s"})
            progress.wait_ready()
            gw.wait_ready()
            token = login(s)
            nats = NatsClient(s.nats_url)
            wait_progress_answers(nats)

            # -- init, then started -> coalesced progress -> complete ----------
            c1 = EventClient(events_url(s), token)
            self.assertEqual(c1.status, 200)
            self.assertTrue(c1.headers["content-type"].startswith("text/event-stream"))
            kind, data = c1.next_event(timeout=5)
            self.assertEqual(kind, "init")
            init = json.loads(data)
            self.assertFalse(init["progress_unavailable"])
            self.assertEqual(init["active"], [])
            epoch = init["epoch"]
            self.assertEqual(c1.last_id, "%s:%d" % (epoch, init["seq"]))

            nats.publish("kumo.progress.download", update("job1", "started", 0, 100))
            for i in range(1, 6):
                nats.publish("kumo.progress.download",
                             update("job1", "in_progress", i * 10, 100,
                                    speed_bps=1000 * i, eta_seconds=60 - i))
            nats.publish("kumo.progress.download", update("job1", "completed", 100, 100))
            got = read_until(c1, lambda k, d: k == "download_complete")
            kinds = [k for k, _, _ in got]
            self.assertEqual(kinds[0], "download_progress")
            self.assertEqual(got[0][1]["data"]["status"], "started")
            self.assertEqual(kinds[-1], "download_complete")
            # The last progress value before the end is never lost.
            last_progress = [d for k, d, _ in got if k == "download_progress"][-1]
            self.assertEqual(last_progress["data"]["current"], 50)
            self.assertLess(len(got), 7, "updates within 250 ms are coalesced")
            seqs = [seq_of(i) for _, _, i in got]
            self.assertEqual(seqs, sorted(seqs))
            self.assertEqual(len(set(seqs)), len(seqs))
            done = got[-1][1]
            self.assertEqual(done["type"], "download_complete")
            self.assertEqual(done["room"], "downloads")
            self.assertEqual(done["id"], got[-1][2])
            self.assertEqual(done["data"]["key"], KEY)
            self.assertEqual(done["data"]["folder"], FOLDER)
            self.assertEqual(done["data"]["percent"], 100)
            self.assertTrue(done["timestamp"].endswith("Z"))

            # -- rooms ---------------------------------------------------------
            status, _, body = http("GET", events_url(s, "rooms=downloads,kitchen"),
                                   token=token)
            self.assertEqual(status, 400, body)
            c2 = EventClient(events_url(s, "rooms=downloads"), token)
            kind, data = c2.next_event(timeout=5)
            self.assertEqual(kind, "init")
            self.assertEqual([r["id"] for r in json.loads(data)["recent"]],
                             ["download:job1"])
            nats.publish("kumo.progress.download", update("job3", "started"))
            nats.publish("kumo.progress.download", update("job3", "completed"))
            got2 = read_until(c2, lambda k, d: d["data"]["id"] == "download:job3")
            self.assertEqual([k for k, _, _ in got2], ["download_complete"])
            read_until(c1, lambda k, d: k == "download_complete"
                       and d["data"]["id"] == "download:job3")
            c2.close()

            # -- keepalive comments on a quiet stream --------------------------
            sock = raw_stream(events_url(s), token)
            raw = read_for(sock, 2.5)
            sock.close()
            self.assertIn(b"retry: ", raw)
            self.assertIn(b": keepalive", raw)

            # -- reconnect with Last-Event-ID: replay, no init -----------------
            last = c1.last_id
            c1.close()
            nats.publish("kumo.progress.download", update("job2", "started"))
            nats.publish("kumo.progress.download",
                         update("job2", "failed", message="origin answered 404"))
            nats.flush()
            wait_until(lambda: json.loads(nats.request(
                "kumo.progress.snapshot", b"{}", timeout=1))["recent"][0]["id"]
                == "download:job2", what="job2 failed in progress")
            time.sleep(0.3)  # let the gateway's hub receive the events too
            for how in ("header", "query"):
                if how == "header":
                    c3 = EventClient(events_url(s), token, headers={"Last-Event-ID": last})
                else:
                    c3 = EventClient(events_url(s, "last_event_id=" + urllib.parse.quote(last)),
                                   token)
                got3 = read_until(c3, lambda k, d: k == "download_failed")
                self.assertEqual([k for k, _, _ in got3],
                                 ["download_progress", "download_failed"], how)
                self.assertEqual(seq_of(got3[0][2]), seq_of(last) + 1, how)
                self.assertEqual(got3[1][1]["data"]["message"], "origin answered 404")
                last_after_replay = c3.last_id
                c3.close()

            # -- gateway restart: an old id gets init with the terminal records --
            s.restart_service(gw, wait=True)
            c4 = EventClient(events_url(s), token, headers={"Last-Event-ID": last_after_replay})
            kind, data = c4.next_event(timeout=5)
            self.assertEqual(kind, "init")
            recent = {r["id"]: r["status"] for r in json.loads(data)["recent"]}
            self.assertEqual(recent.get("download:job1"), "completed")
            self.assertEqual(recent.get("download:job2"), "failed")
            self.assertEqual(recent.get("download:job3"), "completed")

            # -- progress restart: a new epoch brings a fresh init -------------
            s.restart_service(progress, wait=True)
            wait_progress_answers(nats)
            nats.publish("kumo.progress.scan",
                         json.dumps({"id": "library_scan", "status": "started",
                                     "title": "Scanning library"}))
            kind, data = c4.next_event(timeout=10)
            self.assertEqual(kind, "init")
            fresh = json.loads(data)
            self.assertNotEqual(fresh["epoch"], epoch)
            # The event that revealed the new epoch is in the snapshot, so it
            # is not sent again; later ones flow as usual.
            self.assertEqual([r["id"] for r in fresh["active"]], ["library_scan"])
            nats.publish("kumo.progress.scan",
                         json.dumps({"id": "library_scan", "status": "completed"}))
            kind, data = c4.next_event(timeout=10)
            self.assertEqual(kind, "scan_complete")
            self.assertEqual(json.loads(data)["id"], "%s:%d" % (fresh["epoch"], fresh["seq"] + 1))
            c4.close()

            # -- progress down: init says so, and the stream stays usable ------
            progress.stop()
            started = time.monotonic()
            c5 = EventClient(events_url(s), token)
            kind, data = c5.next_event(timeout=10)
            self.assertEqual(kind, "init")
            self.assertTrue(json.loads(data)["progress_unavailable"])
            self.assertLess(time.monotonic() - started, 5)
            c5.close()
            nats.close()
            self.assertEqual(gw.stop(), 0)

    def test_capacity_drain_and_slow_clients(self):
        with Stack(name="events-limits") as s:
            s.start_postgres()
            s.start_nats()
            progress = s.start_service("progress", env={"KUMO_MIN_INTERVAL": "0ms"})
            gw = s.start_service("gateway", env={"KUMO_SSE_MAX_CLIENTS": "12",
                                                 "KUMO_SSE_CLIENT_BACKLOG": "16"})
            progress.wait_ready()
            gw.wait_ready()
            token = login(s)
            nats = NatsClient(s.nats_url)
            wait_progress_answers(nats)

            # -- more streams than httplib's 8 default threads; API still fast --
            clients = [EventClient(events_url(s), token) for _ in range(12)]
            for c in clients:
                self.assertEqual(c.next_event(timeout=5)[0], "init")
            status, headers, _ = http("GET", events_url(s), token=token)
            self.assertEqual(status, 503)
            self.assertIsNotNone(headers.get("Retry-After"))
            t0 = time.monotonic()
            status, _, _ = http("GET", s.gateway_url + "/api/health", timeout=5)
            self.assertLess(time.monotonic() - t0, 2.0)
            self.assertIn(status, (200, 503))  # 503: not every service runs here
            for c in clients:
                c.close()
            wait_until(lambda: metric(gw.metrics(), "kumo_sse_clients") == 0,
                       what="streams released")

            # -- the longest path the server takes is routed without a crash ---
            # (route regexes recurse per character: HTTP threads need stack)
            for path in ("/api/queue/" + "a" * 8150, "/api/queue/" + "b" * 8130 + "/pause"):
                status, _, _ = http("GET", s.gateway_url + path, token=token)
                self.assertIn(status, (400, 404, 414))
            self.assertTrue(gw.running())

            # -- a client that stops reading is cut off, memory stays bounded --
            slow = raw_stream(events_url(s), token, rcvbuf=4096)
            wait_until(lambda: metric(gw.metrics(), "kumo_sse_clients") == 1,
                       what="slow stream open")
            filler = "x" * 4000
            for i in range(3000):
                nats.publish("kumo.progress.download",
                             update("bulk%d" % i, "completed", message=filler))
            nats.flush()
            wait_until(lambda: metric(gw.metrics(), "kumo_sse_slow_clients_total") == 1,
                       timeout=30, what="slow client cut off")
            with open("/proc/%d/status" % gw.pid) as f:
                rss_kib = int(next(l.split()[1] for l in f if l.startswith("VmRSS:")))
            print("  gateway RSS after the slow client: %d KiB" % rss_kib)
            # ASan's quarantine keeps freed memory resident, so a sanitized
            # gateway gets a looser bound.
            self.assertLess(rss_kib, (600 if sanitized() else 200) * 1024)
            # What the kernel buffered still arrives, then the stream ends.
            received = 0
            slow.settimeout(10)
            while True:
                chunk = slow.recv(1 << 16)
                if not chunk:
                    break
                received += len(chunk)
            slow.close()
            print("  the slow client got %d KiB before the cut" % (received // 1024))
            self.assertLess(received, 3000 * 4000)
            wait_until(lambda: metric(gw.metrics(), "kumo_sse_clients") == 0,
                       what="slow stream released")

            # -- SIGTERM ends open streams promptly; the gateway exits 0 --------
            streams = [EventClient(events_url(s), token) for _ in range(3)]
            for c in streams:
                self.assertEqual(c.status, 200, c.text + c.raw.decode(errors="replace"))
                self.assertEqual(c.next_event(timeout=5)[0], "init")
            t0 = time.monotonic()
            code = gw.stop(timeout=15)
            elapsed = time.monotonic() - t0
            print("  gateway stopped in %.2fs with 3 open streams" % elapsed)
            self.assertEqual(code, 0)
            self.assertLess(elapsed, 3)
            for c in streams:
                with self.assertRaises((EOFError, ConnectionError)):
                    while True:
                        c.next_event(timeout=5)
                c.close()
            nats.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
