"""The legacy import end to end: `data` files of the original application
in the series folders of a real library, the catalog in a real PostgreSQL,
import_legacy over a real nats-server.

Tried, with kumo-scanner running as the unprivileged user of the harness:

- One good data file present at start: the import at start brings its
  series in (logged with its counts) and the first scan finds its file.
- Three more good data files, one holding broken JSON, one with a key that
  is no slug, one whose `folder` differs from the folder it lies in:
  import_legacy imports the three good ones (episodes provider-listed and
  `missing`, except the one whose file is on disk), reports the three bad
  ones as broken with their folders, and creates nothing for them.
- import_legacy again: everything good is `unchanged`, the same broken
  list, and series_list / series_get answer exactly as before.
- One data file gains an episode in its episodeDict: that series is
  `updated`, the new episode is listed as missing, nothing else changes.
"""
# ctest-properties: TIMEOUT 300

import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "harness"))
sys.path.insert(0, HERE)

from kumo_harness import Stack, wait_until  # noqa: E402
from scanner_support import chown_tree, start_scanner_bus, write_file  # noqa: E402


def data(key, name, folder, episodes, site="example"):
    return json.dumps({"key": key, "name": name, "site": site,
                       "folder": folder, "episodeDict": episodes})


EARLY = ("Early Show", data("early-show", "Early Show", "Early Show", {"1": [1, 2]}))
GOOD = [
    ("Good One", data("good-one", "Good One", "Good One", {"1": [1, 2, 3]})),
    ("Good Two", data("good-two", "Good Two", "Good Two", {"1": [1], "0": [1]})),
    ("Good Three", data("good-three", "Good Three", "Good Three", {"2": [5, 6]})),
]
BAD = [
    ("Bad Key", data("Bad Key!", "Bad Key", "Bad Key", {"1": [1]})),
    ("Broken Json", '{"key": "broken-json", "name": '),
    ("Wrong Folder", data("wrong-folder", "Wrong Folder", "Other Folder", {"1": [1]})),
]
EMPTY = {"imported": [], "updated": [], "unchanged": [], "skipped": [], "broken": []}


class ScannerLegacy(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = Stack("scanner-legacy")
        s = cls.stack
        cls.root = s.path("lib")
        cls.put(*EARLY)
        write_file(os.path.join(cls.root, "Early Show", "Early.Show.S01E01.mkv"))
        chown_tree(cls.root)
        cls.scanner, cls.nc, cls.bus = start_scanner_bus(
            s, cls.root, {"KUMO_SCAN_INTERVAL": "0"})

    @classmethod
    def tearDownClass(cls):
        cls.nc.close()
        cls.stack.close()

    @classmethod
    def put(cls, folder, text):
        path = os.path.join(cls.root, folder, "data")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)

    def states(self, key):
        detail = self.bus.ok("series_get", {"key": key})
        return {(e["season"], e["episode"]): e["state"]
                for s in detail["seasons"] for e in s["episodes"]}

    def snapshot(self):
        keys = [i["key"] for i in self.bus.ok("series_list", {"limit": 200})["items"]]
        return (self.bus.ok("series_list", {"limit": 200}),
                [self.bus.ok("series_get", {"key": k}) for k in keys])

    def test_1_import_at_start(self):
        line = self.scanner.wait_log(lambda l: l.get("msg") == "legacy import")
        self.assertEqual((line["imported"], line["broken"]), (1, 0), line)
        self.assertEqual(self.states("early-show"),
                         {(1, 1): "on_disk", (1, 2): "missing"})
        summary = self.bus.ok("series_get", {"key": "early-show"})
        self.assertEqual((summary["name"], summary["site"], summary["folder"],
                          summary["missing"]),
                         ("Early Show", "example", "Early Show", 1), summary)

    def test_2_import_then_unchanged(self):
        for folder, text in GOOD + BAD:
            self.put(folder, text)
        write_file(os.path.join(self.root, "Good One", "Good.One.S01E02.mkv"))
        chown_tree(self.root)
        first = self.bus.ok("import_legacy")
        self.assertEqual(first["imported"], ["good-one", "good-three", "good-two"], first)
        self.assertEqual((first["updated"], first["unchanged"], first["skipped"]),
                         ([], ["early-show"], []), first)
        self.assertEqual([b["folder"] for b in first["broken"]],
                         ["Bad Key", "Broken Json", "Wrong Folder"], first)
        for b in first["broken"]:
            self.assertTrue(b["reason"], b)
        # The imported series' files arrive with the scan that follows.
        wait_until(lambda: self.states("good-one").get((1, 2)) == "on_disk",
                   timeout=60, what="Good One S01E02 on disk")
        self.bus.idle()
        self.assertEqual(self.states("good-one"),
                         {(1, 1): "missing", (1, 2): "on_disk", (1, 3): "missing"})
        self.assertEqual(self.states("good-two"), {(0, 1): "missing", (1, 1): "missing"})
        keys = sorted(i["key"] for i in self.bus.ok("series_list")["items"])
        self.assertEqual(keys, ["early-show", "good-one", "good-three", "good-two"])
        self.assertEqual(self.stack.psql(
            "SELECT count(*) FROM scanner_series WHERE folder IN"
            " ('Bad Key', 'Broken Json', 'Wrong Folder', 'Other Folder')")[0][0], "0")

        before = self.snapshot()
        second = self.bus.ok("import_legacy")
        self.assertEqual(second["unchanged"],
                         ["early-show", "good-one", "good-three", "good-two"], second)
        self.assertEqual((second["imported"], second["updated"], second["skipped"]),
                         ([], [], []), second)
        self.assertEqual(second["broken"], first["broken"])
        self.assertEqual(self.snapshot(), before)

    def test_3_changed_episodes_update(self):
        self.put("Good Two", data("good-two", "Good Two", "Good Two",
                                  {"1": [1, 2], "0": [1]}))
        before = self.bus.ok("series_get", {"key": "good-one"})
        report = self.bus.ok("import_legacy")
        self.assertEqual(report["updated"], ["good-two"], report)
        self.assertEqual(report["unchanged"], ["early-show", "good-one", "good-three"])
        self.assertEqual(report["imported"], [])
        self.assertEqual(self.states("good-two"),
                         {(0, 1): "missing", (1, 1): "missing", (1, 2): "missing"})
        self.assertEqual(self.bus.ok("series_get", {"key": "good-one"}), before)
        again = self.bus.ok("import_legacy")
        self.assertEqual(again["updated"], [], again)


if __name__ == "__main__":
    unittest.main(verbosity=2)
