"""Series folders become series at the scan that finds them
(scan_auto_add, the default): a user who points the library root at a
folder of series sees them listed without an import step.

Tried, against a real PostgreSQL and nats-server, the scanner running as
the unprivileged user:

- Start-up scan of a library with two series folders (one with season
  folders, one with a digit-led title), a folder without episode files,
  and a folder whose name holds a newline: the two become series with
  their episodes on disk, written in the same scan (its `series_added` is
  2); the other two are listed by `unmatched` and nothing else is made.
- A second series folder that maps to a key a live series holds stays
  unmatched; a new folder is added by the next scan (`series_added` 1); a
  no-change rescan adds nothing.
- A series deleted with its files kept is not made again by later scans:
  its folder is listed by `unmatched`.
- With the live watch on, a series folder created with an episode file
  appears as a series without any rescan request.
- With scan_auto_add false the same start-up scan makes no series.
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

FILES = [
    "Frieren (2023)/Season 1/Frieren - S01E01 - 1080p.mkv",
    "Frieren (2023)/Season 1/Frieren - S01E02 - 1080p.mkv",
    "86 - Eighty Six (2021)/86 - Eighty Six - S01E05.mkv",
    "No Episodes (2020)/notes.txt",
    "Bad\nName (2020)/Bad Name S01E01.mkv",
]


def scanner_stack(name, files, env):
    """A stack with PostgreSQL, NATS and a scanner over `files`; returns
    (stack, admin NATS connection, Bus)."""
    s = Stack(name)
    root = s.path("lib")
    os.makedirs(root)
    for rel in files:
        write_file(os.path.join(root, rel))
    chown_tree(root)
    s.start_postgres()
    s.start_nats()
    start_scanner(s, root, dict({"KUMO_SCAN_INTERVAL": "0"}, **env)).wait_ready(60)
    nc = s.nats_client("admin")
    return s, root, nc, Bus(nc)


class ScannerAutoAdd(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack, cls.root, cls.nc, cls.bus = scanner_stack(
            "scanner-auto-add", FILES, {"KUMO_SCAN_AUTO_ADD": "true"})
        cls.first = cls.bus.idle()

    @classmethod
    def tearDownClass(cls):
        cls.nc.close()
        cls.stack.close()

    def keys(self):
        items = self.bus.ok("series_list", {"limit": 200})["items"]
        return {i["key"]: i for i in items}

    def unmatched(self):
        return sorted(u["folder"] for u in self.bus.ok("unmatched")["items"])

    def add(self, rel):
        write_file(os.path.join(self.root, rel))
        chown_tree(self.root)

    def test_1_start_scan_makes_series_of_series_folders(self):
        self.assertEqual(self.first["state"], "complete", self.first)
        self.assertEqual(self.first["series_added"], 2, self.first)
        series = self.keys()
        self.assertEqual(sorted(series), ["86-eighty-six-2021", "frieren-2023"])
        self.assertEqual(series["frieren-2023"]["episodes_on_disk"], 2)
        self.assertEqual(series["frieren-2023"]["folder"], "Frieren (2023)")
        self.assertFalse(series["frieren-2023"]["monitored"])
        self.assertEqual(series["86-eighty-six-2021"]["episodes_on_disk"], 1)
        detail = self.bus.ok("series_get", {"key": "frieren-2023"})
        numbers = sorted((s["season"], e["episode"]) for s in detail["seasons"]
                         for e in s["episodes"] if e["files"])
        self.assertEqual(numbers, [(1, 1), (1, 2)])
        self.assertEqual(self.unmatched(), ["Bad\nName (2020)",
                                            "No Episodes (2020)"])

    def test_2_taken_key_stays_unmatched_new_folder_added(self):
        self.bus.ok("series_add", {"name": "Taken", "year": 2020,
                                   "folder": "Elsewhere"})
        self.add("Taken (2020)/Taken S01E01.mkv")
        self.add("Late Show (2022)/Late Show S01E01.mkv")
        scan = self.bus.full_scan()
        self.assertEqual(scan["state"], "complete", scan)
        series = self.keys()
        self.assertIn("late-show-2022", series)
        self.assertEqual(series["late-show-2022"]["episodes_on_disk"], 1)
        self.assertEqual(series["taken-2020"]["folder"], "Elsewhere")
        self.assertIn("Taken (2020)", self.unmatched())
        again = self.bus.full_scan()
        self.assertEqual(again["series_added"], 0, again)
        self.assertEqual(sorted(self.keys()), sorted(series))

    def test_3_deleted_series_is_not_made_again(self):
        self.bus.ok("series_delete", {"key": "86-eighty-six-2021"})
        scan = self.bus.full_scan()
        self.assertEqual(scan["series_added"], 0, scan)
        self.assertNotIn("86-eighty-six-2021", self.keys())
        self.assertIn("86 - Eighty Six (2021)", self.unmatched())
        self.assertTrue(os.path.exists(os.path.join(
            self.root, "86 - Eighty Six (2021)", "86 - Eighty Six - S01E05.mkv")))


class ScannerAutoAddWatch(unittest.TestCase):
    def test_watch_adds_a_new_series_folder(self):
        s, root, nc, bus = scanner_stack("scanner-auto-add-watch", [], {
            "KUMO_SCAN_AUTO_ADD": "true", "KUMO_SCAN_WATCH": "true"})
        try:
            bus.idle()
            write_file(os.path.join(root, "Watched Show (2024)", "Season 1",
                                    "Watched Show S01E03.mkv"))
            chown_tree(root)

            def listed():
                items = bus.ok("series_list")["items"]
                return [i for i in items if i["key"] == "watched-show-2024"]
            wait_until(listed, timeout=30,
                       what="the watched folder made a series")
            self.assertEqual(listed()[0]["episodes_on_disk"], 1)
        finally:
            nc.close()
            s.close()


class ScannerAutoAddOff(unittest.TestCase):
    def test_off_makes_no_series(self):
        s, root, nc, bus = scanner_stack("scanner-auto-add-off", FILES[:3],
                                         {"KUMO_SCAN_AUTO_ADD": "false"})
        try:
            first = bus.idle()
            self.assertEqual(first["series_added"], 0, first)
            self.assertEqual(bus.ok("series_list")["total"], 0)
            self.assertEqual(len(bus.ok("unmatched")["items"]), 2)
        finally:
            nc.close()
            s.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
