"""Feed series end to end: an RSS and an Atom feed served by nginx with
real small MP4 files, the scanner (two replicas), queue, downloader and
gateway.

Tried:
- A series with an RSS feed is added: its episodes show as missing; POST
  /api/series/{key}/download queues them; the files land in the series
  folder under the queue's names with the feed's bytes, and the series
  shows them on disk (missing 0).
- A download asked again while nothing is missing queues nothing.
- The feed gains a new item while the series is monitored and both
  scanner replicas check it every second: the new episode is queued once
  (one queue item, ever) and downloaded; after both replicas are killed
  and started again, still one queue item per episode. The items the feed listed when
  the series was added were not queued by the monitor.
- An Atom feed lists its entry with an enclosure; the entry without one is
  not an episode.
- Hostile feeds: a body over 8 MiB, a feed whose enclosures are file:// and
  javascript: URLs, HTML instead of a feed: refresh answers 400 naming
  `link` with the reason, and the series' episodes stay as they were.
"""
# ctest-properties: TIMEOUT 600

import json
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "harness"))
sys.path.insert(0, HERE)

from kumo_harness import Stack, http_json, make_media, sha256_file, wait_until  # noqa: E402
from pipeline_support import log, rss, start_stack, start_worker  # noqa: E402
from scanner_support import chown_tree, start_scanner  # noqa: E402


class FeedsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Stack("feeds")
        s = cls.s
        origin = s.path("origin")
        os.makedirs(origin)
        cls.media = {}
        for n in (1, 2, 3):
            cls.media[n] = make_media(os.path.join(origin, "ep%d.mp4" % n), seconds=1)
        start_stack(s)
        start_worker(s)
        chown_tree(s.library_root)
        env = {"KUMO_FETCH_ALLOW_CIDRS": "127.0.0.1/32",
               "KUMO_MONITOR_INTERVAL": "1s"}
        cls.scanners = [start_scanner(s, s.library_root, env=env)
                        for _ in range(2)]
        for sc in cls.scanners:
            sc.wait_ready(30)
        cls.url = s.origin_url

    @classmethod
    def tearDownClass(cls):
        cls.s.close()

    def api(self, method, path, body=None):
        return http_json(method, self.s.gateway_url + path, body,
                         token=self.s.token)

    def item(self, n, extra=""):
        path = self.media[n]
        return ("Night Garden S01E%02d" % n, "ng-%d" % n,
                "%s/ep%d.mp4" % (self.url, n), os.path.getsize(path), extra)

    def write(self, name, text):
        with open(os.path.join(self.s.nginx_root, name), "w") as f:
            f.write(text)

    def series(self, key):
        status, body = self.api("GET", "/api/series/" + key)
        self.assertEqual(status, 200, body)
        return body

    def queue_items(self, key):
        status, body = self.api("GET", "/api/queue/status?limit=200")
        self.assertEqual(status, 200, body)
        out = []
        for name, value in body.items():
            if isinstance(value, list):
                out += [i for i in value if i.get("serie_id") == key]
        return out

    def target(self, n):
        return os.path.join(self.s.library_root, "Night Garden",
                            "Season 01", "Night Garden - S01E%02d.mp4" % n)

    def test_1_rss_series_download_and_monitor(self):
        self.write("feed.xml", rss([self.item(1), self.item(2)]))
        status, body = self.api("POST", "/api/series", {
            "name": "Night Garden", "site": "rss", "monitored": True,
            "link": self.url + "/feed.xml"})
        self.assertEqual(status, 201, body)
        wait_until(lambda: self.series("night-garden")["missing"] == 2,
                   timeout=30, what="two missing episodes")
        detail = self.series("night-garden")
        eps = detail["seasons"][0]["episodes"]
        log("listed: %s", [(e["season"], e["episode"], e["state"]) for e in eps])
        self.assertEqual([e["state"] for e in eps], ["missing", "missing"])
        self.assertEqual(eps[0]["sources"][0]["provider"], "rss")
        # The monitor never queues what the feed listed at the start.
        time.sleep(3)
        self.assertEqual(self.queue_items("night-garden"), [])

        status, body = self.api("POST", "/api/series/night-garden/download", {})
        log("download: %d %s", status, body)
        self.assertEqual(status, 200, body)
        self.assertEqual(sorted(q["episode"] for q in body["queued"]), [1, 2])
        for n in (1, 2):
            wait_until(lambda n=n: os.path.exists(self.target(n)), timeout=60,
                       what="S01E%02d on disk" % n)
            self.assertEqual(sha256_file(self.target(n)), sha256_file(self.media[n]))
        status, body = self.api("POST", "/api/series/rescan", {"key": "night-garden"})
        self.assertEqual(status, 202, body)
        wait_until(lambda: self.series("night-garden")["episodes_on_disk"] == 2,
                   timeout=30, what="two episodes on disk")
        self.assertEqual(self.series("night-garden")["missing"], 0)
        status, body = self.api("POST", "/api/series/night-garden/download", {})
        self.assertEqual((status, body["queued"]), (200, []))

        # A new item: queued once by the monitor of two replicas, and
        # announced once on kumo.events.series.new_episodes.
        nc = self.s.nats_client("admin")
        self.addCleanup(nc.close)
        announced = nc.subscribe("kumo.events.series.new_episodes")
        self.write("feed.xml", rss([self.item(1), self.item(2), self.item(3)]))
        wait_until(lambda: os.path.exists(self.target(3)), timeout=90,
                   what="the new episode downloaded")
        self.assertEqual(sha256_file(self.target(3)), sha256_file(self.media[3]))
        time.sleep(4)  # further rounds of both replicas
        items = [i for i in self.queue_items("night-garden") if i["episode"] == 3]
        log("queue items of S01E03: %d", len(items))
        self.assertEqual(len(items), 1)
        ep3 = [e for e in self.series("night-garden")["seasons"][0]["episodes"]
               if e["episode"] == 3][0]
        self.assertTrue(ep3["auto_queued"])
        _, _, payload = nc.next_message(announced, timeout=5)
        self.assertEqual(json.loads(payload),
                         {"key": "night-garden",
                          "episodes": [{"season": 1, "episode": 3}]})
        with self.assertRaises(TimeoutError):
            nc.next_message(announced, timeout=1)

        # Both replicas killed and started again: nothing is queued again.
        env = {"KUMO_FETCH_ALLOW_CIDRS": "127.0.0.1/32",
               "KUMO_MONITOR_INTERVAL": "1s"}
        for sc in self.scanners:
            sc.kill()
        self.scanners[:] = [start_scanner(self.s, self.s.library_root, env=env)
                            for _ in range(2)]
        for sc in self.scanners:
            sc.wait_ready(30)
        time.sleep(4)
        counts = {}
        for i in self.queue_items("night-garden"):
            counts[i["episode"]] = counts.get(i["episode"], 0) + 1
        log("queue items per episode after restarts: %s", counts)
        self.assertEqual(counts, {1: 1, 2: 1, 3: 1})

    def test_2_atom_feed(self):
        self.write("atom.xml", """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Harbour</title>
<entry><title>Harbour S02E04</title><id>urn:h:1</id>
<published>2025-01-03T18:30:02Z</published>
<link rel="enclosure" type="video/mp4" href="%s/ep1.mp4"/></entry>
<entry><title>Notes</title><id>urn:h:2</id></entry></feed>""" % self.url)
        status, body = self.api("POST", "/api/series", {
            "name": "Harbour", "site": "rss", "link": self.url + "/atom.xml"})
        self.assertEqual(status, 201, body)
        status, body = self.api("POST", "/api/series/harbour/refresh", {})
        self.assertEqual(status, 200, body)
        self.assertEqual((body["listed"], body["skipped"]), (1, 1))
        detail = self.series("harbour")
        self.assertEqual(detail["missing"], 1)
        ep = detail["seasons"][0]["episodes"][0]
        self.assertEqual((ep["season"], ep["episode"], ep["air_date"]),
                         (2, 4, "2025-01-03"))

    def test_3_hostile_feeds(self):
        self.write("bad.xml", rss([self.item(1)]))
        status, body = self.api("POST", "/api/series", {
            "name": "Hostile", "site": "rss", "link": self.url + "/bad.xml"})
        self.assertEqual(status, 201, body)
        wait_until(lambda: self.series("hostile")["missing"] == 1, timeout=30,
                   what="the first listing")
        before = self.series("hostile")["seasons"]
        huge = "<rss><channel>" + "<x>" + "a" * (9 << 20) + "</x></channel></rss>"
        cases = [
            (huge, "larger than 8388608 bytes"),
            (rss([("x", "g1", "file:///etc/passwd", 1, ""),
                  ("y", "g2", "javascript:alert(1)", 1, "")]),
             "no item with a usable enclosure"),
            ("<html><body>not a feed</body></html>", "neither an RSS"),
        ]
        for text, reason in cases:
            self.write("bad.xml", text)
            status, body = self.api("POST", "/api/series/hostile/refresh", {})
            log("hostile feed -> %d %s", status, json.dumps(body)[:200])
            self.assertEqual(status, 400, body)
            self.assertEqual(body["error"]["field"], "link")
            self.assertIn(reason, body["error"]["message"])
            self.assertEqual(self.series("hostile")["seasons"], before)
        self.assertIsNotNone(self.series("hostile")["check_error"])

    def test_4_monitor_check_task(self):
        # The task checks every monitored series now: night-garden (rss,
        # monitored) at least; the run is recorded with its counts.
        def task():
            status, body = self.api("GET", "/api/tasks")
            self.assertEqual(status, 200, body)
            return [t for t in body["tasks"] if t["name"] == "monitor_check"][0]
        before = task()
        self.assertFalse(before["scheduled"])
        status, body = self.api("POST", "/api/tasks/monitor_check/run", {})
        self.assertEqual(status, 202, body)
        wait_until(lambda: task()["runs"] == before["runs"] + 1
                   and task()["state"] == "idle", timeout=30,
                   what="the monitor_check run")
        last = task()["last_run"]
        log("monitor_check: %s", json.dumps(last))
        self.assertEqual(last["outcome"], "complete", last)
        self.assertGreaterEqual(last["summary"]["checked"], 1, last)


if __name__ == "__main__":
    unittest.main(verbosity=2)
