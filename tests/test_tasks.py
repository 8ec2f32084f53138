"""Scheduled tasks (/api/tasks): the scanner's library rescan as a task.

Tried, against real PostgreSQL, nats-server, two scanner replicas (as the
unprivileged harness user) on one library and the gateway:

- GET /api/tasks lists `rescan` with its interval (KUMO_SCAN_INTERVAL=3s)
  and its state; 401 without credentials.
- Schedule: over several periods the task runs again and again, and every
  run is claimed by one replica only: the full scans recorded after the
  replicas' start scans equal the task's runs (no occurrence ran twice),
  and no two scans overlap in time.
- Run now: POST /api/tasks/rescan/run answers 202 with the task
  "requested" or "running" (the schedule turned off first, and no run
  seen for two poll periods before the request); the run is recorded with outcome "complete"
  and the scan's counters as its summary, and the new file shows in its
  (unmatched) folder afterwards.
- Hostile names: unknown well-formed (404), upper case, 41 characters,
  invalid UTF-8, CR/LF, a dot-dot segment, SQL (400 naming `name`); none
  changes a task row.
"""
# ctest-properties: TIMEOUT 300

import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "harness"))
sys.path.insert(0, HERE)

from kumo_harness import Stack, http_json, wait_until  # noqa: E402
from pipeline_support import run_task_now, task  # noqa: E402
from scanner_support import chown_tree, start_scanner, write_file  # noqa: E402


class Tasks(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = Stack("tasks")
        s = cls.stack
        try:
            cls.root = s.path("lib")
            for i in range(20):
                write_file(os.path.join(cls.root, "Show %02d (2020)" % i,
                                        "Season 1", "Show.S01E01.mkv"))
            chown_tree(cls.root)
            s.start_postgres()
            s.start_nats()
            cls.scanners = [start_scanner(s, cls.root, {"KUMO_SCAN_INTERVAL": "3s"})
                            for _ in range(2)]
            for sc in cls.scanners:
                sc.wait_ready(60)
            cls.gw = s.start_service("gateway")
            cls.gw.wait_ready()
            cls.token = s.login()
        except BaseException:
            s.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.stack.close()

    def api(self, method, path, body=None, token=True):
        return http_json(method, self.gw.url + path, body,
                         token=self.token if token else None)

    def task(self):
        return task(self.stack, "rescan")

    def rows(self):
        return self.stack.psql("SELECT name, runs, run_requested_at IS NULL,"
                               " running_on FROM scanner_tasks ORDER BY name")

    def test_1_list(self):
        status, _ = self.api("GET", "/api/tasks", token=False)
        self.assertEqual(status, 401)
        t = self.task()
        self.assertEqual(t["interval_s"], 3)
        self.assertTrue(t["scheduled"])
        self.assertIn(t["state"], ("idle", "running", "requested"))
        self.assertEqual(t["title"], "Library rescan")

    def test_2_each_occurrence_runs_on_one_replica(self):
        first = self.task()["runs"]
        full_before = int(self.stack.psql(
            "SELECT count(*) FROM scanner_scans WHERE kind = 'full'")[0][0])
        wait_until(lambda: self.task()["runs"] >= first + 3
                   and self.task()["state"] != "running",
                   timeout=60, what="three scheduled runs")
        t = self.task()
        full_after = int(self.stack.psql(
            "SELECT count(*) FROM scanner_scans WHERE kind = 'full'")[0][0])
        self.assertEqual(full_after - full_before, t["runs"] - first,
                         "every run started exactly one scan: %r" % t)
        overlaps = self.stack.psql(
            "SELECT count(*) FROM scanner_scans a JOIN scanner_scans b"
            " ON a.id < b.id AND a.started_at < coalesce(b.finished_at, now())"
            " AND b.started_at < coalesce(a.finished_at, now())")
        self.assertEqual(int(overlaps[0][0]), 0)
        self.assertEqual(t["last_run"]["outcome"], "complete", t)

    def test_3_run_now(self):
        # Off the schedule (as an interval of 0 would), so only the request
        # below can start a run.
        self.stack.psql("UPDATE scanner_tasks SET interval_s = 0,"
                        " next_run_at = NULL WHERE name = 'rescan'")
        wait_until(lambda: self.task()["state"] == "idle", timeout=30,
                   what="the task idle")
        quiet = self.task()["runs"]
        time.sleep(6)
        self.assertEqual(self.task()["runs"], quiet, "no run without a request")
        write_file(os.path.join(self.root, "Show 00 (2020)", "Season 1",
                                "Show.S01E02.mkv"))
        chown_tree(self.root)
        last = run_task_now(self.stack, "rescan", timeout=30)["last_run"]
        self.assertEqual(last["outcome"], "complete", last)
        self.assertEqual(last["summary"]["parsed"], 21, last)
        status, body = self.api("GET", "/api/library/unmatched")
        self.assertEqual(status, 200, body)
        show = [u for u in body["items"] if u["folder"] == "Show 00 (2020)"]
        self.assertEqual(len(show), 1, body)
        self.assertEqual(show[0]["files"], 2, show)

    def test_4_hostile_names(self):
        status, body = self.api("POST", "/api/tasks/purge_everything/run", b"")
        self.assertEqual(status, 404, body)
        tried = ["RESCAN", "r" * 41, "%FF%FE", "res%0D%0Acan", "..",
                 "rescan'%3B--", "%00"]
        for name in tried:
            status, body = self.api("POST", "/api/tasks/%s/run" % name, b"")
            self.assertEqual(status, 400, "%s: %r" % (name, body))
            self.assertEqual(body["error"]["field"], "name", name)
        status, _ = self.api("POST", "/api/tasks/rescan/run", b"", token=False)
        self.assertEqual(status, 401)
        # Nothing requested by any of these (a scheduled claim may run).
        for row in self.rows():
            self.assertEqual(row[2], "t", row)


if __name__ == "__main__":
    unittest.main(verbosity=2)
