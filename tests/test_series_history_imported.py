"""Series history `imported` rows: a file that comes into a series after
the series' first complete scan is recorded, once, with the way it was
found; the files a series' first scan finds are not.

Tried, with kumo-scanner running as the unprivileged user of the harness:

- Two series folders of an existing library (six and three episode files)
  added from the unmatched list, then scanned twice: both histories stay
  empty and the history table holds no row (a first scan is no import).
- S01E07 written while the watch is off, then a full scan: one row
  `imported`, season 1, episode 7, the file's path and size, reason
  `scan`; the other series still has none. Two more scans, one after the
  file grew (same path, new size): still that one row.
- The scanner restarted with the live watch on, S01E08 committed the way
  the downloader commits a download: a second row, first in the list,
  reason `watch`, without a rescan request.
- A third series folder with four files appears while the watch runs and
  is added from the unmatched list (complete scans of the library exist
  from before it was added): its history stays empty after its first scan
  and a rescan.
"""
# ctest-properties: TIMEOUT 300

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "harness"))
sys.path.insert(0, HERE)

from kumo_harness import Stack, wait_until  # noqa: E402
from scanner_support import chown_tree, start_scanner_bus, write_file  # noqa: E402
from test_scanner_watch import commit  # noqa: E402

HARBOUR = "Harbour Lights (2019)"
DESK = "Night Desk (2020)"
LATE = "Late Arrival (2021)"


def episode_path(show, n):
    name = show.split(" (")[0].replace(" ", ".")
    return os.path.join(show, "Season 1", "%s.S01E%02d.mkv" % (name, n))


class SeriesHistoryImported(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = Stack("series-history-imported")
        s = cls.stack
        cls.root = s.path("lib")
        for show, count in ((HARBOUR, 6), (DESK, 3)):
            for n in range(1, count + 1):
                write_file(os.path.join(cls.root, episode_path(show, n)))
        chown_tree(cls.root)
        cls.scanner, cls.nc, cls.bus = start_scanner_bus(
            s, cls.root, {"KUMO_SCAN_INTERVAL": "0"})
        cls.keys = {}
        for show in (HARBOUR, DESK):
            cls.keys[show] = cls.bus.ok("series_add",
                                        {"from_unmatched": show})["key"]
            cls.bus.idle()

    @classmethod
    def tearDownClass(cls):
        cls.nc.close()
        cls.stack.close()

    def history(self, show):
        return self.bus.ok("series_history",
                           {"key": self.keys[show], "limit": 50})["items"]

    def rows(self):
        return int(self.stack.psql(
            "SELECT count(*) FROM scanner_series_history")[0][0])

    def add_file(self, show, n, size):
        path = os.path.join(self.root, episode_path(show, n))
        write_file(path, size)
        chown_tree(os.path.dirname(path))
        return path

    def test_1_first_scans_record_nothing(self):
        self.bus.full_scan()
        self.bus.full_scan()
        self.assertEqual(self.history(HARBOUR), [])
        self.assertEqual(self.history(DESK), [])
        self.assertEqual(self.rows(), 0)

    def test_2_a_new_file_found_by_a_scan(self):
        path = self.add_file(HARBOUR, 7, 4096)
        self.bus.full_scan()
        items = self.history(HARBOUR)
        self.assertEqual(len(items), 1, items)
        item = items[0]
        self.assertEqual(
            {k: item[k] for k in ("action", "season", "episode", "path",
                                  "bytes", "reason")},
            {"action": "imported", "season": 1, "episode": 7,
             "path": episode_path(HARBOUR, 7), "bytes": 4096,
             "reason": "scan"})
        self.assertRegex(item["at"], r"^\d{4}-\d\d-\d\dT")
        self.assertEqual(self.history(DESK), [])
        # Scanned again, then grown in place: a known path is no import.
        self.bus.full_scan()
        write_file(path, 8192)
        self.assertEqual(self.bus.full_scan()["changed"], 1)
        self.assertEqual(len(self.history(HARBOUR)), 1)

    def test_3_a_committed_download_found_by_the_watch(self):
        self.scanner.env["KUMO_SCAN_WATCH"] = "true"
        self.stack.restart_service(self.scanner, wait=True, timeout=60)
        self.scanner.wait_log(
            lambda l: l.get("msg") == "scan_watch: watching", timeout=30)
        self.bus.idle()
        commit(os.path.join(self.root, episode_path(HARBOUR, 8)), size=2048)
        wait_until(lambda: len(self.history(HARBOUR)) == 2, timeout=20,
                   what="S01E08 in the history without a rescan request")
        newest = self.history(HARBOUR)[0]
        self.assertEqual(
            (newest["action"], newest["season"], newest["episode"],
             newest["path"], newest["bytes"], newest["reason"]),
            ("imported", 1, 8, episode_path(HARBOUR, 8), 2048, "watch"))

    def test_4_a_series_added_later_starts_without_history(self):
        self.bus.idle()
        for n in range(1, 5):
            write_file(os.path.join(self.root, episode_path(LATE, n)))
        chown_tree(os.path.join(self.root, LATE))

        def unmatched():
            return any(u["folder"] == LATE
                       for u in self.bus.ok("unmatched")["items"])
        wait_until(unmatched, timeout=20, what="the new folder unmatched")
        self.bus.idle()
        self.keys[LATE] = self.bus.ok("series_add",
                                      {"from_unmatched": LATE})["key"]
        self.bus.idle()
        detail = self.bus.ok("series_get", {"key": self.keys[LATE]})
        on_disk = [e for s in detail["seasons"] for e in s["episodes"]
                   if e["state"] == "on_disk"]
        self.assertEqual(len(on_disk), 4, detail)
        self.bus.full_scan()
        self.assertEqual(self.history(LATE), [])
        self.assertEqual(self.rows(), 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
