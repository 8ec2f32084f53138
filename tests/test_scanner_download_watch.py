"""A download completed through the queue appears in its series' episodes
without a full scan: the real queue, downloader and nginx origin, and
kumo-scanner with the live watch on and no periodic scan.

Tried:

- A catalogued series with S01E01 on disk; S01E02 is queued as a direct
  download (POST /api/queue/add into the series' folder). Once the item is
  completed, GET /api/series/{key} lists S01E02 on disk within seconds,
  and no scan other than the watch's ran: the scans recorded after the add
  are all of kind "watch", GET /api/library/scan names a watch scan as the
  last one, and the count of full and series scans is what it was before.
- The file in the library is the origin's (same sha256), under the queue's
  name in the series' season folder.

With KUMO_TEST_WATCH=false the scanner runs without its watch and the test
fails (the episode never appears): it depends on the watch, not on a scan.
"""
# ctest-properties: TIMEOUT 300

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "harness"))
sys.path.insert(0, HERE)

from kumo_harness import Stack, sha256_file, wait_until  # noqa: E402
from pipeline_support import (add, api, origin_file, start_stack,  # noqa: E402
                              start_worker, wait_terminal)
from scanner_support import Bus, chown_tree, start_scanner, write_file  # noqa: E402

SHOW = "Quiet Harbour (2021)"


class DownloadAppearsThroughWatch(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Stack("scanner-download-watch")
        s = cls.s
        start_stack(s)
        start_worker(s)
        season = os.path.join(s.library_root, SHOW, "Season 01")
        write_file(os.path.join(season, "Quiet Harbour - S01E01.mkv"))
        chown_tree(s.library_root)
        watch = os.environ.get("KUMO_TEST_WATCH", "true")
        cls.scanner = start_scanner(s, s.library_root, {
            "KUMO_SCAN_INTERVAL": "0", "KUMO_SCAN_WATCH": watch})
        cls.scanner.wait_ready(60)
        cls.nc = s.nats_client("admin")
        cls.bus = Bus(cls.nc)
        cls.bus.idle()
        cls.key = cls.bus.ok("series_add", {"from_unmatched": SHOW})["key"]
        cls.bus.idle()
        if watch == "true":
            cls.scanner.wait_log(lambda l: l.get("msg") == "scan_watch: watching")

    @classmethod
    def tearDownClass(cls):
        cls.nc.close()
        cls.s.close()

    def on_disk(self):
        _, detail = api(self.s, "GET", "/api/series/" + self.key, expect=200)
        return sorted((e["season"], e["episode"]) for s in detail["seasons"]
                      for e in s["episodes"] if e["state"] == "on_disk")

    def scans(self):
        """(kind, id) of every recorded scan, in order."""
        return [(kind, int(i)) for i, kind in self.s.psql(
            "SELECT id, kind FROM scanner_scans ORDER BY id")]

    def test_download_appears_without_a_scan(self):
        self.assertEqual(self.on_disk(), [(1, 1)])
        before = self.scans()
        _, status = api(self.s, "GET", "/api/library/scan", expect=200)
        self.assertIsNone(status["current"])

        url, sha, _ = origin_file(self.s, "harbour/e2.mkv", size=256 * 1024)
        item = add(self.s, self.key, [(1, 2, url)], name=SHOW)[0]
        done = wait_terminal(self.s, [item["id"]], timeout=60)[item["id"]]
        self.assertEqual(done["status"], "completed", done)
        target = os.path.join(self.s.library_root, done["target_path"])
        self.assertTrue(target.startswith(
            os.path.join(self.s.library_root, SHOW, "Season 01") + "/"), target)
        self.assertEqual(sha256_file(target), sha)

        wait_until(lambda: self.on_disk() == [(1, 1), (1, 2)], timeout=20,
                   what="S01E02 on disk without a rescan request")
        self.bus.idle()
        after = self.scans()
        new = after[len(before):]
        self.assertEqual(after[:len(before)], before)
        self.assertTrue(new, "no scan recorded the new file")
        self.assertEqual({kind for kind, _ in new}, {"watch"}, new)
        _, status = api(self.s, "GET", "/api/library/scan", expect=200)
        self.assertEqual(status["last"]["kind"], "watch", status)
        self.assertEqual(status["last"]["id"], new[-1][1], status)


if __name__ == "__main__":
    unittest.main(verbosity=2)
