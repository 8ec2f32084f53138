"""The scanner service end to end: a generated library, the catalog in a
real PostgreSQL, requests over a real nats-server.

Tried, with kumo-scanner running as the unprivileged user of the harness:

- A library with every naming form (scene S01E01, multi-episode S01E02E03,
  season folders "Season 1/" and "S02/", "Specials/", anime absolute
  numbers with a version, CJK and accented names), hidden files, .part
  files, samples, an Extras folder, a symlink leaving the root, a symlink
  loop and a chmod 000 folder. The start-up scan writes nothing for folders
  no series claims: they are listed by `unmatched`.
- series_add from_unmatched for each folder: the files, episodes and file
  details land in the catalog; nothing from outside the root (the symlink
  target) and nothing from the unreadable folder; the scan counts it as
  denied and still completes.
- A rescan without changes writes nothing (added/removed/changed 0); after
  adding one file, removing one and rewriting one (by rename, as downloads
  land) it finds exactly those three changes, and the removed file's
  episode disappears.
- Bad requests (unknown op, malformed JSON, unknown fields, out-of-range
  values, traversal in folder names, invalid keys, no fields to update,
  unknown keys) are refused naming the field; the catalog is unchanged
  afterwards. Adding a taken key or folder is a conflict.
- series_list filters, sorts and pages with a total; series_update.
- Scan progress reaches kumo.progress.scan (started ... completed, with the
  scan object); scans are counted in kumo_scanner_scans_total.
- series_delete with delete_files removes the series' files inside the root
  and leaves the symlink's target outside the root alone.
- A relative library_root, or an extra root inside the main root: the
  scanner exits with code 2 and its log names the option.
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
from scanner_support import Bus, chown_tree, start_scanner, write_file  # noqa: E402

SHOW = "Show One (2019)"
ANIME = "Anime Title (2020)"
CJK = "進撃の巨人 (2013)"
CAFE = "Café Ünïcode"
LOCKED = "Locked Show (2018)"

FILES = [
    SHOW + "/Season 1/Show.One.S01E01.1080p.WEB-DL.x264-GRP.mkv",
    SHOW + "/Season 1/Show.One.S01E02E03.720p.HDTV.x264-OTHER.mkv",
    SHOW + "/S02/Show One - 2x01.mkv",
    SHOW + "/Specials/Show One S00E01.mkv",
    SHOW + "/Season 1/.hidden.S01E09.mkv",
    SHOW + "/Season 1/Show.One.S01E05.mkv.part",
    SHOW + "/Season 1/sample.mkv",
    SHOW + "/Extras/Show.One.S01E07.mkv",
    ANIME + "/[Sub] Anime Title - 012 [1080p].mkv",
    ANIME + "/[Sub] Anime Title - 013v2 [1080p].mkv",
    CJK + "/Season 1/進撃の巨人 S01E01.mkv",
    CAFE + "/Café Ünïcode - S01E04.mp4",
    LOCKED + "/Season 1/Locked.S01E01.mkv",
]


class ScannerLibrary(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = Stack("scanner-library")
        s = cls.stack
        cls.root = s.path("lib")
        cls.outside = s.path("outside")
        for rel in FILES:
            write_file(os.path.join(cls.root, rel))
        write_file(os.path.join(cls.outside, "Escaped.S01E01.mkv"))
        os.symlink(cls.outside, os.path.join(cls.root, SHOW, "escape"))
        os.symlink("..", os.path.join(cls.root, SHOW, "Season 1", "loop"))
        chown_tree(cls.root)
        os.chmod(os.path.join(cls.root, LOCKED, "Season 1"), 0o000)
        s.start_postgres()
        s.start_nats()
        cls.scanner = start_scanner(s, cls.root,
                                    {"KUMO_SCAN_INTERVAL": "0"})
        cls.scanner.wait_ready(60)
        cls.nc = s.nats_client("admin")
        cls.bus = Bus(cls.nc)
        cls.first = cls.bus.idle()
        cls.keys = {}

    @classmethod
    def tearDownClass(cls):
        os.chmod(os.path.join(cls.root, LOCKED, "Season 1"), 0o755)
        cls.nc.close()
        cls.stack.close()

    def catalog(self):
        return self.stack.psql(
            "SELECT (SELECT count(*) FROM scanner_series),"
            " (SELECT count(*) FROM scanner_episodes),"
            " (SELECT count(*) FROM scanner_files),"
            " (SELECT string_agg(key || ':' || name || ':' || monitored, ','"
            " ORDER BY key) FROM scanner_series)")

    def series(self, folder):
        return self.bus.ok("series_get", {"key": self.keys[folder]})

    def files_of(self, detail):
        return sorted({f["path"] for s in detail["seasons"]
                       for e in s["episodes"] for f in e["files"]})

    def test_1_start_scan_lists_unmatched_folders(self):
        self.assertEqual(self.first["state"], "complete", self.first)
        items = self.bus.ok("unmatched")["items"]
        folders = sorted(i["folder"] for i in items)
        self.assertEqual(folders, sorted([SHOW, ANIME, CJK, CAFE, LOCKED]))
        show = [i for i in items if i["folder"] == SHOW][0]
        self.assertEqual((show["name"], show["year"]), ("Show One", 2019))
        self.assertGreaterEqual(self.first["denied"], 1, self.first)
        self.assertEqual(self.bus.ok("series_list")["total"], 0)

    def test_2_add_from_unmatched_fills_the_catalog(self):
        for folder in (SHOW, ANIME, CJK, CAFE, LOCKED):
            reply = self.bus.call("series_add", {"from_unmatched": folder})
            self.assertNotIn("error", reply, reply)
            self.assertEqual(reply["folder"], folder)
            self.keys[folder] = reply["key"]
        self.assertEqual(self.keys[SHOW], "show-one-2019")
        self.assertTrue(self.keys[CJK].startswith("series-"), self.keys)
        self.assertTrue(self.keys[CJK].endswith("-2013"), self.keys)
        self.assertEqual(self.keys[CAFE], "caf-n-code")
        scan = self.bus.full_scan()
        self.assertEqual(scan["state"], "complete", scan)
        self.assertGreaterEqual(scan["denied"], 1, scan)
        self.assertEqual(self.bus.ok("unmatched")["items"], [])

        show = self.series(SHOW)
        self.assertEqual(self.files_of(show), sorted([
            SHOW + "/S02/Show One - 2x01.mkv",
            SHOW + "/Season 1/Show.One.S01E01.1080p.WEB-DL.x264-GRP.mkv",
            SHOW + "/Season 1/Show.One.S01E02E03.720p.HDTV.x264-OTHER.mkv",
            SHOW + "/Specials/Show One S00E01.mkv"]))
        numbers = [(e["season"], e["episode"]) for s in show["seasons"]
                   for e in s["episodes"]]
        self.assertEqual(numbers, [(0, 1), (1, 1), (1, 2), (1, 3), (2, 1)])
        e1 = show["seasons"][1]["episodes"][0]
        self.assertEqual(e1["state"], "on_disk")
        f = e1["files"][0]
        self.assertEqual((f["resolution"], f["quality"], f["group"], f["size"]),
                         ("1080p", "WEB-DL", "GRP", 16))
        # One file holds S01E02 and S01E03.
        self.assertEqual(show["seasons"][1]["episodes"][1]["files"][0]["path"],
                         show["seasons"][1]["episodes"][2]["files"][0]["path"])
        self.assertEqual((show["files"], show["episodes_on_disk"]), (4, 5))
        self.assertIsNone(show["missing"])

        anime = self.series(ANIME)
        self.assertEqual(len(anime["seasons"]), 1)
        self.assertIsNone(anime["seasons"][0]["season"])
        self.assertEqual([e["absolute"] for e in anime["seasons"][0]["episodes"]],
                         [12, 13])
        cjk = self.series(CJK)
        self.assertEqual(self.files_of(cjk),
                         [CJK + "/Season 1/進撃の巨人 S01E01.mkv"])
        self.assertEqual(len(self.files_of(self.series(CAFE))), 1)
        self.assertEqual(self.files_of(self.series(LOCKED)), [])
        paths = self.stack.psql(
            "SELECT string_agg(path, '|') FROM scanner_files")[0][0]
        self.assertIn("Show.One.S01E01", paths)
        self.assertNotIn("Escaped", paths)
        self.assertNotIn("escape", paths)
        self.assertNotIn("loop", paths)

    def test_3_rescan_finds_exactly_the_changes(self):
        quiet = self.bus.full_scan()
        self.assertEqual((quiet["added"], quiet["removed"], quiet["changed"]),
                         (0, 0, 0), quiet)
        new = os.path.join(self.root, SHOW, "Season 1", "Show.One.S01E04.mkv")
        write_file(new)
        os.remove(os.path.join(self.root, SHOW, "S02", "Show One - 2x01.mkv"))
        target = os.path.join(self.root, ANIME,
                              "[Sub] Anime Title - 012 [1080p].mkv")
        write_file(target + ".tmp-new", size=64)
        os.rename(target + ".tmp-new", target)
        chown_tree(os.path.join(self.root, SHOW))
        scan = self.bus.full_scan()
        self.assertEqual((scan["added"], scan["removed"], scan["changed"]),
                         (1, 1, 1), scan)
        show = self.series(SHOW)
        numbers = [(e["season"], e["episode"]) for s in show["seasons"]
                   for e in s["episodes"]]
        self.assertEqual(numbers, [(0, 1), (1, 1), (1, 2), (1, 3), (1, 4)])
        anime = self.series(ANIME)
        sizes = [f["size"] for e in anime["seasons"][0]["episodes"]
                 for f in e["files"]]
        self.assertEqual(sizes, [64, 16])

    def test_4_bad_requests_change_nothing(self):
        before = self.catalog()
        cases = [
            ("series_drop", {}, "op"),
            ("series_add", b"{not json", None),
            ("series_add", {"name": "X", "folder": "../etc"}, "folder"),
            ("series_add", {"name": "X", "folder": "a/b"}, "folder"),
            ("series_add", {"name": "X", "key": "Bad Key"}, "key"),
            ("series_add", {"name": "X", "year": 1500}, "year"),
            ("series_add", {"name": "", "year": 2000}, "name"),
            ("series_add", {"name": "X", "admin": True}, "admin"),
            ("series_add", {"from_unmatched": "Nope"}, "from_unmatched"),
            ("series_update", {"key": self.keys[SHOW]}, None),
            ("series_update", {"key": self.keys[SHOW], "folder": "x"}, "folder"),
            ("series_update", {"key": "no-such-series", "name": "x"}, "key"),
            ("series_delete", {"key": "../x"}, "key"),
            ("series_list", {"limit": 0}, "limit"),
            ("series_list", {"sort": "size"}, "sort"),
            ("series_get", {"key": "no-such-series"}, "key"),
            ("rescan", {"key": "no-such-series"}, "key"),
        ]
        for op, body, field in cases:
            reply = self.bus.call(op, body)
            self.assertIn("error", reply, (op, body, reply))
            self.assertEqual(reply["error"]["field"], field, (op, body, reply))
        # No data file in this library: the import has nothing to do.
        self.assertEqual(self.bus.ok("import_legacy"),
                         {"imported": [], "updated": [], "unchanged": [],
                          "skipped": [], "broken": []})
        # Taken key, taken folder.
        taken = self.bus.call("series_add", {"name": "Show One", "year": 2019})
        self.assertEqual(taken["error"]["code"], "conflict", taken)
        taken = self.bus.call("series_add", {"name": "Other", "folder": SHOW})
        self.assertEqual((taken["error"]["code"], taken["error"]["field"]),
                         ("conflict", "folder"), taken)
        self.assertEqual(self.catalog(), before)

    def test_5_list_update_and_paging(self):
        upd = self.bus.ok("series_update",
                          {"key": self.keys[ANIME], "monitored": True,
                           "name": "Anime Title!"})
        self.assertEqual((upd["monitored"], upd["name"]),
                         (True, "Anime Title!"))
        mon = self.bus.ok("series_list", {"monitored": True})
        self.assertEqual([i["key"] for i in mon["items"]], [self.keys[ANIME]])
        page = self.bus.ok("series_list", {"limit": 2, "offset": 2,
                                           "sort": "name"})
        self.assertEqual(page["total"], 5)
        self.assertEqual(len(page["items"]), 2)
        names = [i["name"] for i in self.bus.ok("series_list")["items"]]
        self.assertEqual(names, sorted(names, key=str.lower))
        by_year = self.bus.ok("series_list", {"sort": "year", "order": "desc"})
        self.assertEqual(by_year["items"][0]["year"], 2020)
        found = self.bus.ok("series_list", {"q": "show one"})
        self.assertEqual([i["key"] for i in found["items"]], [self.keys[SHOW]])

    def test_6_scan_progress_and_metrics(self):
        self.bus.idle()
        sid = self.nc.subscribe("kumo.progress.scan")
        scan = self.bus.full_scan()
        statuses = []
        while True:
            try:
                _, _, payload = self.nc.next_message(sid, timeout=2)
            except TimeoutError:
                break
            update = json.loads(payload)
            if update["metadata"]["scan"]["id"] == scan["id"]:
                statuses.append(update["status"])
                last = update
        self.assertEqual(statuses[0], "started", statuses)
        self.assertEqual(statuses[-1], "completed", statuses)
        self.assertEqual(last["kind"], "scan")
        self.assertEqual(last["metadata"]["scan"]["state"], "complete")
        text = self.scanner.metrics()
        self.assertRegex(text, r'kumo_scanner_scans_total\{outcome="complete"\} [1-9]')
        self.assertIn("kumo_scanner_scan_duration_seconds_count", text)
        self.assertRegex(text, r"kumo_scanner_series 5")

    def test_7_delete_with_files_stays_inside_the_root(self):
        reply = self.bus.ok("series_delete", {"key": self.keys[SHOW],
                                              "delete_files": True})
        self.assertEqual(reply, {"deleted": self.keys[SHOW],
                                 "files_removed": 4})
        self.assertFalse(os.path.exists(os.path.join(
            self.root, SHOW, "Season 1", "Show.One.S01E01.1080p.WEB-DL.x264-GRP.mkv")))
        self.assertTrue(os.path.exists(os.path.join(
            self.root, SHOW, "Season 1", ".hidden.S01E09.mkv")))
        self.assertTrue(os.path.exists(os.path.join(self.outside,
                                                    "Escaped.S01E01.mkv")))
        gone = self.bus.call("series_get", {"key": self.keys[SHOW]})
        self.assertEqual(gone["error"]["code"], "not_found")
        keep = self.bus.ok("series_delete", {"key": self.keys[CAFE]})
        self.assertEqual(keep["files_removed"], 0)
        self.assertTrue(os.path.exists(os.path.join(
            self.root, CAFE, "Café Ünïcode - S01E04.mp4")))

    def test_8_bad_roots_stop_the_scanner_naming_the_option(self):
        # Tried: a relative root, and an extra root inside the main root.
        for env, key in (({"KUMO_LIBRARY_ROOT": "relative/lib"}, "library_root"),
                         ({"KUMO_LIBRARY_ROOTS_EXTRA": self.root + "/x"},
                          "library_roots_extra")):
            svc = start_scanner(self.stack, self.root, env)
            self.assertEqual(svc.wait_exit(30), 2)
            self.assertIn(key, svc.log_text())


if __name__ == "__main__":
    unittest.main(verbosity=2)
