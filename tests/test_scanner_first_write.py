"""A first scan's direct write to the catalog, and its fall-back when
another writer adds an episode to the same series meanwhile.

Tried, with kumo-scanner, a real PostgreSQL and nats-server:

- A series with no catalog rows and three files on disk (S01E01, S01E02E03,
  an absolute-numbered one): a rescan writes three file rows holding their
  numbers and four episodes on disk, straight into the catalog.
- Another series with no rows, while a second session (as the feed monitor
  would) has inserted the provider's S01E01 of that series and not yet
  committed: the scan's COPY waits for that session, fails on the episode
  the session committed, and the scan writes the batch again by upsert in
  a new transaction. The scan completes; the episode is on disk and keeps
  what the provider said (title, provider-listed); every file is written
  once.
"""
# ctest-properties: TIMEOUT 300

import os
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "harness"))
sys.path.insert(0, HERE)

from kumo_harness import Stack, wait_until  # noqa: E402
from scanner_support import chown_tree, start_scanner_bus, write_file  # noqa: E402

FIRST = "First Show (2020)"
RACED = "Raced Show (2021)"
FILES = [
    FIRST + "/Season 1/First.Show.S01E01.1080p.WEB-DL.x264-GRP.mkv",
    FIRST + "/Season 1/First.Show.S01E02E03.720p.HDTV.x264-GRP.mkv",
    FIRST + "/[Sub] First Show - 057 [1080p].mkv",
    RACED + "/Season 1/Raced.Show.S01E01.1080p.WEB-DL.x264-GRP.mkv",
    RACED + "/Season 1/Raced.Show.S01E02.1080p.WEB-DL.x264-GRP.mkv",
]


class FirstWrite(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = Stack("scanner-first-write")
        s = cls.stack
        cls.root = s.path("lib")
        for rel in FILES:
            write_file(os.path.join(cls.root, rel))
        chown_tree(cls.root)
        cls.scanner, cls.nc, cls.bus = start_scanner_bus(
            s, cls.root, {"KUMO_SCAN_INTERVAL": "0"})

    @classmethod
    def tearDownClass(cls):
        cls.nc.close()
        cls.stack.close()

    def add_series(self, key, folder):
        """A series row as an older catalog or another replica wrote it (no
        series_add: that would scan it at once)."""
        return int(self.stack.psql(
            "INSERT INTO scanner_series (key, name, folder, root) VALUES ('%s',"
            " '%s', '%s', '%s') RETURNING id" % (key, key, folder, self.root))[0][0])

    def held(self, sid):
        return self.stack.psql(
            "SELECT f.path, e.season, e.episode, e.absolute, e.state,"
            " e.provider, e.title FROM scanner_files f JOIN scanner_episodes e"
            " ON e.series_id = f.series_id AND ((f.season = e.season AND"
            " e.episode = ANY (f.episodes)) OR e.absolute = ANY (f.absolutes))"
            " WHERE f.series_id = %d ORDER BY 1, 2, 3, 4" % sid)

    def test_1_first_scan_writes_numbers_and_episodes(self):
        sid = self.add_series("first-show-2020", FIRST)
        scan = self.bus.full_scan()
        self.assertEqual(scan["state"], "complete", scan)
        self.assertEqual(self.held(sid), [
            (FIRST + "/Season 1/First.Show.S01E01.1080p.WEB-DL.x264-GRP.mkv",
             "1", "1", "", "on_disk", "f", ""),
            (FIRST + "/Season 1/First.Show.S01E02E03.720p.HDTV.x264-GRP.mkv",
             "1", "2", "", "on_disk", "f", ""),
            (FIRST + "/Season 1/First.Show.S01E02E03.720p.HDTV.x264-GRP.mkv",
             "1", "3", "", "on_disk", "f", ""),
            (FIRST + "/[Sub] First Show - 057 [1080p].mkv", "", "", "57", "on_disk", "f", "")])
        self.assertEqual(self.stack.psql(
            "SELECT resolution, quality, release_group FROM scanner_files WHERE"
            " path LIKE '%%S01E01%%' AND series_id = %d" % sid),
            [("1080p", "WEB-DL", "GRP")])

    def test_2_concurrent_episode_sends_the_batch_to_upsert(self):
        sid = self.add_series("raced-show-2021", RACED)
        s = self.stack
        other = subprocess.Popen(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
             "-p", str(s.pg_port), "-U", "kumo", "-d", "kumo"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True)
        try:
            other.stdin.write(
                "BEGIN;\nINSERT INTO scanner_episodes (series_id, season, episode,"
                " title, provider) VALUES (%d, 1, 1, 'Pilot', true);\n" % sid)
            other.stdin.flush()
            wait_until(lambda: s.psql(
                "SELECT count(*) FROM pg_stat_activity WHERE state ="
                " 'idle in transaction'")[0][0] == "1",
                what="the other session's insert")
            started = self.bus.ok("rescan")["scan"]
            # The scan's COPY into scanner_episodes waits for the session.
            wait_until(lambda: s.psql(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type ="
                " 'Lock' AND query LIKE 'COPY scanner_episodes%%'")[0][0] == "1",
                timeout=60, what="the scan's COPY waiting")
            other.stdin.write("COMMIT;\n")
            other.stdin.close()
            self.assertEqual(other.wait(30), 0, other.stderr.read())
        finally:
            if other.poll() is None:
                other.kill()
                other.wait(10)
            other.stderr.close()
        done = {}

        def finished():
            last = self.bus.ok("scan_status")["last"]
            done["scan"] = last
            return last is not None and last["id"] == started["id"]
        wait_until(finished, timeout=60, what="the scan's end")
        self.assertEqual(done["scan"]["state"], "complete", done["scan"])
        self.assertEqual(self.held(sid), [
            (RACED + "/Season 1/Raced.Show.S01E01.1080p.WEB-DL.x264-GRP.mkv",
             "1", "1", "", "on_disk", "t", "Pilot"),
            (RACED + "/Season 1/Raced.Show.S01E02.1080p.WEB-DL.x264-GRP.mkv",
             "1", "2", "", "on_disk", "f", "")])
        self.assertEqual(s.psql("SELECT count(*) FROM scanner_episodes WHERE"
                                " series_id = %d" % sid), [("2",)])


if __name__ == "__main__":
    unittest.main(verbosity=2)
