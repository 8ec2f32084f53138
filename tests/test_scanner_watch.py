"""The live watch end to end: kumo-scanner with scan_watch on (and no
periodic scan) keeps the catalog in step with a real library without any
rescan request.

Tried, with kumo-scanner running as the unprivileged user of the harness:

- An episode file committed the way the downloader does (`x.part`
  written, linked to the final name, the `.part` moved aside and deleted):
  within seconds series_get lists the episode on disk, and the scan that
  found it is of kind "watch".
- The file deleted: the episode is gone from series_get.
- A burst of five files in one go: all five arrive, with at most two watch
  scans (changes during a scan are coalesced into one scan after it).
"""
# ctest-properties: TIMEOUT 300

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "harness"))
sys.path.insert(0, HERE)

from kumo_harness import Stack, wait_until  # noqa: E402
from scanner_support import Bus, chown_tree, start_scanner, write_file  # noqa: E402

SHOW = "Watch Show (2020)"


def commit(path, size=32):
    """Writes `path` as the downloader commits a download."""
    part = path + ".part"
    write_file(part, size)
    os.link(part, path)
    aside = os.path.join(os.path.dirname(path), "." + os.path.basename(part) + ".old")
    os.rename(part, aside)
    os.remove(aside)


class ScannerWatch(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = Stack("scanner-watch")
        s = cls.stack
        cls.root = s.path("lib")
        cls.season = os.path.join(cls.root, SHOW, "Season 1")
        write_file(os.path.join(cls.season, "Watch.Show.S01E01.mkv"))
        chown_tree(cls.root)
        s.start_postgres()
        s.start_nats()
        cls.scanner = start_scanner(s, cls.root, {"KUMO_SCAN_INTERVAL": "0",
                                                  "KUMO_SCAN_WATCH": "true"})
        cls.scanner.wait_ready(60)
        cls.nc = s.nats_client("admin")
        cls.bus = Bus(cls.nc)
        cls.bus.idle()
        cls.key = cls.bus.ok("series_add", {"from_unmatched": SHOW})["key"]
        cls.bus.idle()
        cls.scanner.wait_log(lambda l: l.get("msg") == "scan_watch: watching")

    @classmethod
    def tearDownClass(cls):
        cls.nc.close()
        cls.stack.close()

    def on_disk(self):
        detail = self.bus.ok("series_get", {"key": self.key})
        return sorted((e["season"], e["episode"]) for s in detail["seasons"]
                      for e in s["episodes"] if e["state"] == "on_disk")

    def watch_scans(self):
        return int(self.stack.psql(
            "SELECT count(*) FROM scanner_scans WHERE kind = 'watch'")[0][0])

    def test_1_committed_download_appears_then_goes(self):
        self.assertEqual(self.on_disk(), [(1, 1)])
        path = os.path.join(self.season, "Watch.Show.S01E02.1080p.mkv")
        commit(path)
        wait_until(lambda: self.on_disk() == [(1, 1), (1, 2)], timeout=15,
                   what="S01E02 on disk without a rescan request")
        last = self.bus.idle()
        self.assertEqual(last["kind"], "watch", last)
        os.remove(path)
        wait_until(lambda: self.on_disk() == [(1, 1)], timeout=15,
                   what="S01E02 gone after the delete")

    def test_2_a_burst_is_coalesced(self):
        self.bus.idle()
        before = self.watch_scans()
        for n in range(3, 8):
            commit(os.path.join(self.season, "Watch.Show.S01E%02d.mkv" % n))
        want = [(1, 1)] + [(1, n) for n in range(3, 8)]
        wait_until(lambda: self.on_disk() == want, timeout=20,
                   what="five committed files on disk")
        self.bus.idle()
        self.assertLessEqual(self.watch_scans() - before, 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
