"""Provider runtime: bare episode references resolved at claim, and the
per-provider runtime settings applied (real PostgreSQL, NATS, nginx origin,
scanner, queue, gateway and downloader processes).

Tried:
- Bare references ("S01E02", the original request format) for a series
  whose provider is an RSS feed served by nginx: the add answers 201 with
  the items unresolved (no sources); at claim the queue asks the scanner
  for the sources the feed listed, and the episode is downloaded with the
  feed's bytes. A reference the feed does not list fails with "episode
  S01E03 is not known to the series' provider".
- While the queue is stopped, a bare reference shows in
  GET /api/queue/status as unresolved with its series' provider
  (series_provider "rss", source.provider ""); once resolved and
  downloaded, series_provider is "" and source.provider "rss".
- Bare references for a series without a provider, and for a series not in
  the library: 400 naming episodes[0], nothing queued.
- Hostile references: "S99E9999999", "../../x", "S01E02; rm", 10 000
  references: 400 naming the field, nothing queued.
- /api/providers/best on a stack whose providers have no health data yet
  answers the first enabled provider by priority (direct); with every
  provider disabled it answers provider null and the reason.
- A download that fails on the downloader's side (its series folder is
  taken by a regular file) fails the item but is not counted against the
  provider's health.
"""
# ctest-properties: TIMEOUT 600

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "harness"))
sys.path.insert(0, HERE)

from kumo_harness import Stack, make_media, sha256_file, wait_until  # noqa: E402
from pipeline_support import api, log, rss, start_stack, start_worker, wait_terminal  # noqa: E402
from scanner_support import chown_tree, start_scanner  # noqa: E402


class BareReferencesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = s = Stack("provrt-refs")
        start_stack(s)
        cls.media = {}
        for n in (1, 2):
            cls.media[n] = make_media(
                os.path.join(s.nginx_root, "ng%d.mp4" % n), seconds=1, seed=n)
        with open(os.path.join(s.nginx_root, "feed.xml"), "w") as f:
            f.write(rss([("Night Garden S01E%02d" % n, "ng-%d" % n,
                          "%s/ng%d.mp4" % (s.origin_url, n),
                          os.path.getsize(cls.media[n])) for n in (1, 2)]))
        chown_tree(s.library_root)
        cls.scanner = start_scanner(
            s, s.library_root, env={"KUMO_FETCH_ALLOW_CIDRS": "127.0.0.1/32"})
        cls.scanner.wait_ready(30)
        start_worker(s)
        api(s, "POST", "/api/series", {
            "name": "Night Garden", "site": "rss",
            "link": s.origin_url + "/feed.xml"}, expect=201)
        api(s, "POST", "/api/series", {"name": "Plain Show"}, expect=201)
        wait_until(lambda: api(s, "GET", "/api/series/night-garden")[1]
                   ["missing"] == 2, timeout=30, what="the feed listed")

    @classmethod
    def tearDownClass(cls):
        cls.s.close()

    def add(self, key, episodes, name=None):
        name = name or key.replace("-", " ").title()
        return api(self.s, "POST", "/api/queue/add", {
            "serie_id": key, "serie_folder": name, "serie_name": name,
            "episodes": episodes})

    def queued(self, key):
        return int(self.s.psql(
            "SELECT count(*) FROM queue_items WHERE serie_id = '%s'" % key)
            [0][0])

    def test_references_are_resolved_at_claim(self):
        status, doc = self.add("night-garden", ["S01E01", "S01E03"])
        self.assertEqual(status, 201, doc)
        log("added: %s", [(i["season"], i["episode"], i["unresolved"],
                           i["sources"]) for i in doc["items"]])
        self.assertTrue(all(i["unresolved"] and i["sources"] == []
                            for i in doc["items"]))
        ids = {i["episode"]: i["id"] for i in doc["items"]}
        done = wait_terminal(self.s, list(ids.values()), timeout=60)
        log("ended: %s", done)
        self.assertEqual(done[ids[1]]["status"], "completed")
        self.assertEqual(done[ids[3]]["status"], "failed")
        self.assertEqual(done[ids[3]]["error"],
                         "episode S01E03 is not known to the series' provider")
        target = os.path.join(self.s.library_root, "Night Garden", "Season 01",
                              "Night Garden - S01E01.mp4")
        self.assertEqual(sha256_file(target), sha256_file(self.media[1]))
        _, item = api(self.s, "GET", "/api/queue/" + ids[1], expect=200)
        self.assertFalse(item["unresolved"])
        self.assertEqual(item["source"]["provider"], "rss")
        self.assertTrue(item["source"]["url"].endswith("/ng1.mp4"))

    def test_references_show_their_series_provider_until_resolved(self):
        api(self.s, "POST", "/api/queue/stop", expect=(200, 202, 204))
        try:
            status, doc = self.add("night-garden", ["S01E02"])
            self.assertEqual(status, 201, doc)
            item_id = doc["items"][0]["id"]
            _, page = api(self.s, "GET", "/api/queue/status", expect=200)
            shown = [i for i in page["pending_queue"] if i["id"] == item_id]
            log("pending while stopped: %s", shown)
            self.assertEqual(len(shown), 1)
            self.assertTrue(shown[0]["unresolved"])
            self.assertEqual(shown[0]["series_provider"], "rss")
            self.assertEqual(shown[0]["source"]["provider"], "")
        finally:
            api(self.s, "POST", "/api/queue/start", expect=(200, 202, 204))
        done = wait_terminal(self.s, [item_id], timeout=60)
        self.assertEqual(done[item_id]["status"], "completed")
        _, item = api(self.s, "GET", "/api/queue/" + item_id, expect=200)
        self.assertFalse(item["unresolved"])
        self.assertEqual(item["series_provider"], "")
        self.assertEqual(item["source"]["provider"], "rss")

    def test_references_need_a_series_with_a_provider(self):
        for key in ("plain-show", "not-in-library"):
            status, doc = self.add(key, [
                {"season": 1, "episode": 1, "source": {
                    "provider": "direct", "url": self.s.origin_url + "/ng1.mp4"}},
                "S01E02"])
            log("%s: %d %s", key, status, doc)
            self.assertEqual(status, 400, doc)
            self.assertEqual(doc["error"]["field"], "episodes[1]")
            self.assertIn("S01E02", doc["error"]["message"])
            self.assertEqual(self.queued(key), 0)

    def test_hostile_references_change_nothing(self):
        tries = [(["S99E9999999"], "episodes[0]"),
                 (["S01E01", "../../x"], "episodes[1]"),
                 (["S01E02; rm -rf /"], "episodes[0]"),
                 (["S01E01", "s1e1"], "episodes[1]"),
                 (["S%02dE%02d" % (i // 100, i % 100) for i in range(10000)],
                  "episodes")]
        for episodes, field in tries:
            status, doc = self.add("night-garden", episodes)
            log("%s...: %d %s", episodes[:2], status, doc)
            self.assertEqual(status, 400, doc)
            self.assertEqual(doc["error"]["field"], field)
        self.assertEqual(
            int(self.s.psql("SELECT count(*) FROM queue_items WHERE serie_id ="
                            " 'night-garden' AND episode NOT IN (1, 3)")[0][0]),
            0)

    def test_best_provider_without_health_data(self):
        _, best = api(self.s, "GET", "/api/providers/best", expect=200)
        log("best: %s", best)
        self.assertEqual(best["provider"]["name"], "direct")
        names = ("direct", "rss", "hls", "ytdlp")
        try:
            for name in names:
                api(self.s, "POST", "/api/providers/config/%s/disable" % name,
                    expect=200)
            _, best = api(self.s, "GET", "/api/providers/best", expect=200)
            log("all disabled: %s", best)
            self.assertIsNone(best["provider"])
            self.assertEqual(best["reason"], "every provider is disabled")
        finally:
            for name in names:
                api(self.s, "POST", "/api/providers/config/%s/enable" % name,
                    expect=200)

    def test_local_failure_is_not_counted(self):
        with open(os.path.join(self.s.library_root, "Blocked Show"), "w") as f:
            f.write("a file where the series folder would go")
        status, doc = self.add("blocked-show", [{
            "season": 1, "episode": 1, "source": {
                "provider": "direct", "url": self.s.origin_url + "/ng1.mp4"}}])
        self.assertEqual(status, 201, doc)
        item = doc["items"][0]["id"]
        done = wait_terminal(self.s, [item], timeout=60)
        log("blocked: %s", done[item]["error"])
        self.assertEqual(done[item]["status"], "failed")
        _, health = api(self.s, "GET", "/api/providers/health/direct",
                        expect=200)
        log("direct health: %s", health)
        self.assertEqual(health["failures"], 0)
        self.assertEqual(health["consecutive_failures"], 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
