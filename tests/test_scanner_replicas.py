"""Scans of two scanner replicas on one library, cancelling, and a killed
scanning replica.

Tried, against real PostgreSQL and nats-server, both scanners running as
the unprivileged harness user on the same root (4 000 series folders,
12 000 files, all claimed by catalog series):

- Both replicas scan on start and are then asked for many rescans at once:
  the scans recorded in scanner_scans never overlap in time, at most one
  PostgreSQL session ever holds the root's advisory lock, and a replica
  asked while the other scans answers with the running scan.
- scan_cancel mid-scan: the scan ends "cancelled" within seconds; the
  catalog holds whole series only (every series has 0 or all 3 files),
  and the next scan completes the catalog.
- SIGKILL of the scanning replica: PostgreSQL ends its session and with it
  the advisory lock, so the surviving replica's next scan starts at once
  and marks the dead replica's scan row failed.
"""
# ctest-properties: TIMEOUT 600

import os
import signal
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "harness"))
sys.path.insert(0, HERE)

from kumo_harness import Stack, wait_until  # noqa: E402
from scanner_support import Bus, chown_tree, start_scanner, write_file  # noqa: E402

SERIES = 4000
PER_SERIES = 3


def lock_holders(stack):
    return int(stack.psql("SELECT count(*) FROM pg_locks WHERE"
                          " locktype = 'advisory' AND granted")[0][0])


class ScannerReplicas(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = Stack("scanner-replicas")
        s = cls.stack
        cls.root = s.path("lib")
        for i in range(SERIES):
            for e in range(1, PER_SERIES + 1):
                write_file(os.path.join(cls.root, "Series %04d" % i,
                                        "Series.%04d.S01E%02d.mkv" % (i, e)), 1)
        chown_tree(cls.root)
        s.start_postgres()
        s.start_nats()
        # The catalog claims every folder, so scans write files.
        cls.scanners = []
        cls.scanners.append(start_scanner(s, cls.root, {"KUMO_SCAN_INTERVAL": "0"}))
        cls.scanners[0].wait_ready(60)
        s.psql("INSERT INTO scanner_series (key, name, folder) SELECT"
               " 'series-' || lpad(i::text, 4, '0'), 'Series ' ||"
               " lpad(i::text, 4, '0'), 'Series ' || lpad(i::text, 4, '0')"
               " FROM generate_series(0, %d) i" % (SERIES - 1))
        cls.nc = s.nats_client("admin")
        cls.bus = Bus(cls.nc)
        cls.bus.idle(120)

    @classmethod
    def tearDownClass(cls):
        cls.nc.close()
        cls.stack.close()

    def series_counts(self):
        rows = self.stack.psql(
            "SELECT count(*) FILTER (WHERE n NOT IN (0, %d)) || ':' || sum(n)"
            " FROM (SELECT s.id, count(f.id) AS n FROM scanner_series s"
            " LEFT JOIN scanner_files f ON f.series_id = s.id"
            " GROUP BY s.id) x" % PER_SERIES)[0][0]
        torn, total = rows.split(":")
        return int(torn), int(total)

    def test_1_cancel_mid_scan_keeps_whole_series(self):
        self.stack.psql("DELETE FROM scanner_files")
        sid = self.nc.subscribe("kumo.progress.scan")
        started = self.bus.ok("rescan")["scan"]
        # Wait for the first progress, then cancel.
        self.nc.next_message(sid, timeout=30)
        reply = self.bus.ok("scan_cancel")
        self.assertTrue(reply["cancelled"], reply)
        self.assertEqual(reply["scan"]["id"], started["id"])
        last = self.bus.idle(60)
        self.assertEqual((last["id"], last["state"]),
                         (started["id"], "cancelled"), last)
        torn, total = self.series_counts()
        self.assertEqual(torn, 0)
        self.assertLess(total, SERIES * PER_SERIES, "the scan was not cut")
        self.assertEqual(self.bus.ok("scan_cancel")["cancelled"], False)
        done = self.bus.full_scan(timeout=300)
        self.assertEqual(done["state"], "complete", done)
        self.assertEqual(self.series_counts(), (0, SERIES * PER_SERIES))

    def test_2_two_replicas_never_scan_together(self):
        self.stack.psql("DELETE FROM scanner_files")
        second = start_scanner(self.stack, self.root, {"KUMO_SCAN_INTERVAL": "0"})
        self.scanners.append(second)
        second.wait_ready(60)
        holders = []
        stop = threading.Event()

        def watch():
            while not stop.is_set():
                holders.append(lock_holders(self.stack))
                time.sleep(0.05)
        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            replies = [self.bus.call("rescan") for _ in range(12)]
            for _ in range(3):
                self.bus.idle(300)
                replies += [self.bus.call("rescan") for _ in range(4)]
            self.bus.idle(300)
        finally:
            stop.set()
            watcher.join()
        self.assertLessEqual(max(holders), 1, holders)
        self.assertGreater(max(holders), 0)
        for r in replies:
            self.assertIn("scan", r, r)
        rows = self.stack.psql(
            "SELECT count(*) FROM scanner_scans a JOIN scanner_scans b"
            " ON a.id < b.id AND a.started_at < b.finished_at"
            " AND b.started_at < a.finished_at")
        self.assertEqual(rows, [("0",)])
        owners = self.stack.psql("SELECT count(DISTINCT owner) FROM scanner_scans")
        self.assertEqual(owners, [("2",)])
        self.assertEqual(self.series_counts(), (0, SERIES * PER_SERIES))

    def test_3_killed_replica_releases_its_lock(self):
        self.bus.idle(300)
        self.stack.psql("DELETE FROM scanner_files")
        started = self.bus.ok("rescan")["scan"]
        owner = self.stack.psql("SELECT owner FROM scanner_scans WHERE id = %d"
                                % started["id"])[0][0]
        victim = [s for s in self.scanners if s.instance == owner][0]
        survivor = [s for s in self.scanners if s is not victim][0]
        victim.kill(signal.SIGKILL)
        victim.wait_exit(30)
        wait_until(lambda: lock_holders(self.stack) == 0, timeout=20,
                   what="the dead replica's lock released")
        done = self.bus.full_scan(timeout=300)
        self.assertEqual(done["state"], "complete", done)
        dead = self.stack.psql("SELECT state, error FROM scanner_scans"
                               " WHERE id = %d" % started["id"])
        self.assertEqual(dead, [("failed", "the scanning replica stopped")])
        self.assertEqual(self.series_counts(), (0, SERIES * PER_SERIES))
        self.assertTrue(survivor.running())


if __name__ == "__main__":
    unittest.main(verbosity=2)
