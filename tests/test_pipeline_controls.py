"""User controls on a live pipeline: priorities, item pause/resume/cancel,
queue pause/resume and stop/start, and the event stream a browser sees.

One downloader with one job slot; slow files are served at 2 MiB/s. Tried
and asserted, in order:
- SSE: a client on /api/events?rooms=downloads,download_progress,queue gets
  `init` first; for a download it then gets download_progress and finally
  download_complete for that job, in order, with growing sequence numbers
  and no progress after the completion;
- priority: while the worker is busy with a slow file, a low, a normal, a
  high and another low item are added (in that order), and the last one is
  raised to high (POST /api/queue/{id}/priority); they are claimed high,
  raised, normal, low (queue_events 'claimed' order and started_at);
- item pause mid-download: the item is paused, its .part stays, no byte
  moves for 2 s and no request is made; resume: it completes from its
  offset (a 206 answer to `Range: bytes=<offset>-`) with the right sha256;
- item cancel mid-download: cancelled, its .part is deleted, no final file,
  no further request; item removal (DELETE) mid-download: the item is gone
  (404), its .part is deleted;
- queue pause: the running item is paused (offset kept, no byte moves) and a
  pending one is not claimed; queue resume: both complete, the paused one
  from its offset;
- queue stop: the running download finishes, the pending item is not
  claimed afterwards; queue start: it completes.
"""
# ctest-properties: TIMEOUT 150

import http.client
import json
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pipeline_support import (Stack, add, api, check_completed, events,  # noqa: E402
                              items, library_path, log, origin_file, part_size,
                              requests_for, start_stack, start_worker,
                              wait_part_at_least, wait_status, wait_terminal,
                              wait_until)

SERIE = "controls"


class EventCollector(threading.Thread):
    """Reads an SSE stream in the background: events as (kind, doc)."""

    def __init__(self, s, rooms):
        super().__init__(daemon=True)
        self.conn = http.client.HTTPConnection("127.0.0.1", s.gateway.http_port,
                                               timeout=60)
        self.conn.request("GET", "/api/events?rooms=" + rooms, headers={
            "Accept": "text/event-stream", "Authorization": "Bearer " + s.token})
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.events = []
        self.lock = threading.Lock()
        self.error = None

    def run(self):
        buf = ""
        try:
            while True:
                chunk = self.resp.read1(65536)
                if not chunk:
                    return
                buf += chunk.decode("utf-8")
                while "\n\n" in buf:
                    frame, buf = buf.split("\n\n", 1)
                    kind, data = "message", []
                    for line in frame.split("\n"):
                        if line.startswith(":"):
                            continue
                        field, _, value = line.partition(":")
                        value = value[1:] if value.startswith(" ") else value
                        if field == "event":
                            kind = value
                        elif field == "data":
                            data.append(value)
                    if data:
                        with self.lock:
                            self.events.append((kind, json.loads("\n".join(data))))
        except Exception as exc:  # noqa: BLE001 - closed at the end of the test
            self.error = exc

    def snapshot(self):
        with self.lock:
            return list(self.events)

    def close(self):
        try:
            self.conn.sock.shutdown(2)
        except OSError:
            pass
        self.conn.close()


class PipelineControls(unittest.TestCase):

    def test_controls(self):
        with Stack(name="pipeline-controls") as s:
            start_stack(s, progress=True, nginx={
                "locations": "    location /slow/ { limit_rate 2m; }"})
            self.s = s
            self.worker = start_worker(s, jobs=1)
            sse = EventCollector(s, "downloads,download_progress,queue")
            self.assertEqual(sse.status, 200)
            sse.start()
            try:
                wait_until(lambda: sse.snapshot(), timeout=5, what="init event")
                self.assertEqual(sse.snapshot()[0][0], "init")
                blocker = self.priorities()
                self.events_in_order(sse, blocker)
                self.item_pause_resume()
                self.item_cancel()
                self.item_remove()
                self.queue_pause_resume()
                self.queue_stop_start()
                # Nothing about the blocker arrived after its completion.
                late = [k for k, d in sse.snapshot() if k != "init" and d.get(
                    "data", {}).get("id") == "download:" + blocker["id"]]
                self.assertEqual(late[-1], "download_complete", late)
                self.assertIsNone(sse.error)
            finally:
                sse.close()
            self.assertEqual(self.worker.stop(), 0)

    def slow_item(self, name, episode, size, seed):
        url, digest, _ = origin_file(self.s, "slow/%s.bin" % name, size=size,
                                     seed=seed)
        item = add(self.s, SERIE, [(1, episode, url)])[0]
        return item, digest

    def fast_item(self, name, episode, priority="normal"):
        url, digest, _ = origin_file(self.s, "fast/%s.bin" % name,
                                     size=100_000 + episode, seed=episode)
        item = add(self.s, SERIE, [(1, episode, url)], priority=priority)[0]
        return item, digest

    def priorities(self):
        s = self.s
        blocker, d0 = self.slow_item("blocker", 1, 6 << 20, 1)
        wait_status(s, blocker["id"], "downloading", timeout=10)
        low, d1 = self.fast_item("low", 2, "low")
        normal, d2 = self.fast_item("normal", 3, "normal")
        high, d3 = self.fast_item("high", 4, "high")
        raised, d4 = self.fast_item("raised", 5, "low")
        _, doc = api(s, "POST", "/api/queue/%s/priority" % raised["id"],
                     {"priority": "high"}, expect=200)
        self.assertEqual(doc["priority"], "high")
        self.assertEqual(items(s, [blocker["id"]])[blocker["id"]]["status"],
                         "downloading", "the blocker ended before all were added")
        expected = {blocker["id"]: d0, low["id"]: d1, normal["id"]: d2,
                    high["id"]: d3, raised["id"]: d4}
        rows = wait_terminal(s, expected, timeout=20)
        self.assertEqual(check_completed(s, expected), [])
        names = {low["id"]: "low", normal["id"]: "normal", high["id"]: "high",
                 raised["id"]: "low->high"}
        claims = [names[e["item_id"]] for e in events(s, event="claimed")
                  if e["item_id"] in names]
        started = sorted(names, key=lambda i: float(rows[i]["started_at"]))
        log("priority: added low, normal, high, low (then raised to high); "
            "claimed %s; started_at order %s", claims, [names[i] for i in started])
        order = ["high", "low->high", "normal", "low"]
        self.assertEqual(claims, order)
        self.assertEqual([names[i] for i in started], order)
        return blocker

    def events_in_order(self, sse, item):
        job = "download:" + item["id"]
        seen = wait_until(
            lambda: [(k, d) for k, d in sse.snapshot() if k != "init"
                     and d.get("data", {}).get("id") == job] or None,
            timeout=5, what="events for the blocker")
        wait_until(lambda: any(k == "download_complete" for k, d in sse.snapshot()
                               if d.get("data", {}).get("id") == job),
                   timeout=5, what="download_complete on the stream")
        all_events = sse.snapshot()
        seen = [(k, d) for k, d in all_events
                if k != "init" and d.get("data", {}).get("id") == job]
        kinds = [k for k, _ in seen]
        log("SSE: %d events in all (%s); for the blocker: %s", len(all_events),
            sorted(set(k for k, _ in all_events)), kinds)
        self.assertEqual([k for k, _ in all_events].count("init"), 1)
        self.assertEqual(all_events[0][0], "init")
        self.assertIn("download_progress", kinds)
        self.assertEqual(kinds[-1], "download_complete")
        self.assertEqual(kinds.count("download_complete"), 1)
        self.assertLess(kinds.index("download_progress"),
                        kinds.index("download_complete"))
        seqs = [d["seq"] for k, d in all_events if k != "init"]
        self.assertEqual(seqs, sorted(set(seqs)), "sequence numbers not growing")
        done = seen[-1][1]
        self.assertEqual(done["room"], "downloads")
        self.assertEqual(done["data"]["status"], "completed")
        self.assertEqual(done["data"]["key"], SERIE)

    def assert_no_movement(self, item, seconds, path):
        before = part_size(self.s, item)
        requests = len(requests_for(self.s, path))
        time.sleep(seconds)
        after = part_size(self.s, item)
        self.assertGreater(before, 0, ".part missing")
        self.assertEqual(after, before, "bytes moved while paused")
        self.assertEqual(len(requests_for(self.s, path)), requests,
                         "origin requested while paused")
        return before

    def assert_resumed_from(self, path, offset):
        reqs = requests_for(self.s, path)
        self.assertEqual(len(reqs), 2, reqs)
        self.assertEqual(reqs[1]["range"], "bytes=%d-" % offset)
        self.assertEqual(reqs[1]["status"], 206)

    def item_pause_resume(self):
        s = self.s
        item, digest = self.slow_item("paused", 10, 8 << 20, 10)
        wait_part_at_least(s, item, 2 << 20, timeout=15)
        _, doc = api(s, "POST", "/api/queue/%s/pause" % item["id"], expect=200)
        self.assertEqual(doc["status"], "paused")
        wait_until(lambda: requests_for(s, "/slow/paused.bin"), timeout=5,
                   what="the paused transfer to stop")
        kept = self.assert_no_movement(item, 2.0, "/slow/paused.bin")
        row = wait_until(lambda: (lambda r: r["bytes_done"] > 0 and r)(
            items(s, [item["id"]])[item["id"]]), timeout=5, what="offset saved")
        log("item pause: .part %d bytes, offset saved %d, status %s", kept,
            row["bytes_done"], row["status"])
        self.assertEqual(row["status"], "paused")
        self.assertLessEqual(row["bytes_done"], kept)
        _, doc = api(s, "POST", "/api/queue/%s/resume" % item["id"], expect=200)
        self.assertEqual(doc["status"], "pending")
        wait_terminal(s, [item["id"]], timeout=20)
        self.assertEqual(check_completed(s, {item["id"]: digest}), [])
        self.assert_resumed_from("/slow/paused.bin", row["bytes_done"])
        log("item resume: completed from offset %d", row["bytes_done"])

    def item_cancel(self):
        s = self.s
        item, _ = self.slow_item("cancelled", 11, 8 << 20, 11)
        wait_part_at_least(s, item, 1 << 20, timeout=15)
        _, doc = api(s, "POST", "/api/queue/%s/cancel" % item["id"], expect=200)
        self.assertEqual(doc["status"], "cancelled")
        wait_until(lambda: part_size(s, item) < 0, timeout=10,
                   what=".part of the cancelled item deleted")
        time.sleep(1.5)
        row = items(s, [item["id"]])[item["id"]]
        reqs = requests_for(s, "/slow/cancelled.bin")
        log("item cancel: status %s, .part gone, %d origin request(s)",
            row["status"], len(reqs))
        self.assertEqual(row["status"], "cancelled")
        self.assertLess(part_size(s, item), 0)
        self.assertFalse(os.path.exists(library_path(s, item)))
        self.assertEqual(len(reqs), 1)
        self.assertNotIn("completed", [e["event"] for e in events(s, item["id"])])

    def item_remove(self):
        s = self.s
        item, _ = self.slow_item("removed", 12, 8 << 20, 12)
        wait_part_at_least(s, item, 1 << 20, timeout=15)
        _, doc = api(s, "DELETE", "/api/queue/%s" % item["id"], expect=200)
        self.assertEqual(doc, {"removed": True})
        api(s, "GET", "/api/queue/%s" % item["id"], expect=404)
        wait_until(lambda: part_size(s, item) < 0, timeout=10,
                   what=".part of the removed item deleted")
        time.sleep(1.0)
        self.assertEqual(items(s, [item["id"]]), {})
        self.assertLess(part_size(s, item), 0)
        self.assertFalse(os.path.exists(library_path(s, item)))
        self.assertEqual(len(requests_for(s, "/slow/removed.bin")), 1)
        log("item remove while downloading: gone from the queue, .part deleted")

    def queue_pause_resume(self):
        s = self.s
        running, d1 = self.slow_item("qpause", 20, 6 << 20, 20)
        wait_part_at_least(s, running, 1 << 20, timeout=15)
        waiting, d2 = self.fast_item("qwaiting", 21)
        _, state = api(s, "POST", "/api/queue/pause", expect=200)
        self.assertEqual((state["is_running"], state["is_paused"]), (True, True))
        wait_status(s, running["id"], "paused", timeout=5)
        wait_until(lambda: requests_for(s, "/slow/qpause.bin"), timeout=5,
                   what="the paused transfer to stop")
        kept = self.assert_no_movement(running, 1.5, "/slow/qpause.bin")
        rows = items(s, [running["id"], waiting["id"]])
        log("queue pause: running item %s with %d bytes kept; waiting item %s",
            rows[running["id"]]["status"], kept, rows[waiting["id"]]["status"])
        self.assertEqual(rows[waiting["id"]]["status"], "pending")
        self.assertEqual(events(s, waiting["id"], "claimed"), [])
        _, status = api(s, "GET", "/api/queue/status", expect=200)
        self.assertTrue(status["is_paused"])
        offset = wait_until(lambda: items(s, [running["id"]])[running["id"]]["bytes_done"],
                            timeout=5, what="offset saved")
        _, state = api(s, "POST", "/api/queue/resume", expect=200)
        self.assertEqual((state["is_running"], state["is_paused"]), (True, False))
        wait_terminal(s, [running["id"], waiting["id"]], timeout=20)
        self.assertEqual(check_completed(s, {running["id"]: d1, waiting["id"]: d2}), [])
        self.assert_resumed_from("/slow/qpause.bin", offset)
        log("queue resume: both completed, the paused one from offset %d", offset)

    def queue_stop_start(self):
        s = self.s
        running, d1 = self.slow_item("qstop", 30, 4 << 20, 30)
        wait_status(s, running["id"], "downloading", timeout=10)
        waiting, d2 = self.fast_item("qstopped", 31)
        _, state = api(s, "POST", "/api/queue/stop", expect=200)
        self.assertEqual((state["is_running"], state["is_paused"]), (False, False))
        wait_terminal(s, [running["id"]], timeout=15)
        self.assertEqual(check_completed(s, {running["id"]: d1}), [])
        time.sleep(2.0)
        row = items(s, [waiting["id"]])[waiting["id"]]
        log("queue stop: running item completed; waiting item %s 2 s later",
            row["status"])
        self.assertEqual(row["status"], "pending")
        self.assertEqual(events(s, waiting["id"], "claimed"), [])
        _, state = api(s, "POST", "/api/queue/start", expect=200)
        self.assertEqual((state["is_running"], state["is_paused"]), (True, False))
        wait_terminal(s, [waiting["id"]], timeout=10)
        self.assertEqual(check_completed(s, {waiting["id"]: d2}), [])
        log("queue start: waiting item completed")


if __name__ == "__main__":
    unittest.main(verbosity=2)
