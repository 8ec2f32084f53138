"""History purge: the scheduled task `purge` (/api/tasks) and
kumo.queue.cmd.purge.

Tried, against real PostgreSQL, nats-server, the queue, the gateway and two
scanner replicas (as the unprivileged harness user):

- Seeded in SQL: finished items (completed 40 days ago, failed 40 days ago,
  cancelled 400 days ago) with old events, a completed item 10 days old,
  active items (pending, paused, downloading) added 400 days ago with
  400-day-old events, old and recent queue-level events, an old event of
  an item removed long ago, notification deliveries (delivered and given
  up 40 days ago, pending and sending 40 days old, delivered 10 days ago),
  and two scan records finished 40 days ago.
- POST /api/tasks/purge/run with history.keep_days 30: exactly the three
  old items, their events, the old queue-level and orphaned events, the
  two old finished deliveries and the two old scans are gone; every other
  row is byte for byte as before; the run's result counts match
  ({"items": 3, "events": 11, "deliveries": 2, "scans": 2}). Exactly one
  of the two scanner replicas ran it. Its progress reaches /api/events
  (room `system`, id `task:purge`), ending `completed` with the counts.
- A second run removes nothing (all counts 0).
- Hostile settings: history.keep_days 0, -5, "x", 1e12, 3651, null and
  history.purge_interval_s -1 through PUT /api/config: 400 naming the
  field, the stored configuration unchanged, nothing purged. The queue
  refuses kumo.queue.cmd.purge with an age under a day, a text age or a
  batch of 0 (naming the field) and deletes nothing.
- Live: keep_days 5 reaches the scanners; the next run removes the
  10-day-old item, its events and delivery, and nothing active.
- Live: purge_interval_s 2 reaches the scheduler; the task then runs on
  its own, each occurrence on one replica only.
- Metrics: both replicas export kumo_purge_* from the start; after the
  first run kumo_purge_rows_total{kind} grew by exactly the run's counts,
  kumo_purge_runs_total{outcome="complete"} by one, and the last success
  and last run timestamps are the run's end. With the queue stopped a run
  fails: kumo_purge_runs_total{outcome="failed"} grows by one, the rows and
  the last success stay, the last run timestamp moves.
"""
# ctest-properties: TIMEOUT 300

import json
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "harness"))
sys.path.insert(0, HERE)

from kumo_harness import SSEClient, Stack, http_json, wait_until  # noqa: E402
from pipeline_support import metric, run_task_now, task  # noqa: E402
from scanner_support import chown_tree, start_scanner  # noqa: E402

DAY = 86400


def item_sql(episode, status, days):
    """An item of series `old-show` in `status`, added (and, if finished,
    finished) `days` ago, with three events as old; returns SQL."""
    ago = "now() - interval '%d days'" % days
    finished = status in ("completed", "failed", "cancelled")
    lease = ("gen_random_uuid()", "now() + interval '1 day'", "'w-gone'") \
        if status == "downloading" else ("NULL", "NULL", "''")
    return (
        "WITH i AS (INSERT INTO queue_items (serie_id, serie_folder,"
        " serie_name, season, episode, provider, source_url, target_path,"
        " status, added_at, queued_at, updated_at, completed_at, lease_token,"
        " lease_expires, owner) VALUES ('old-show', 'Old Show', 'Old Show', 1,"
        " %d, 'direct', 'http://127.0.0.1:1/e%d.mkv', 'Old Show/e%d.mkv',"
        " '%s', %s, %s, %s, %s, %s, %s, %s) RETURNING id)"
        " INSERT INTO queue_events (item_id, event, at)"
        " SELECT id, e, %s FROM i, unnest(ARRAY['added', 'claimed', '%s']) e"
        % (episode, episode, episode, status, ago, ago, ago,
           ago if finished else "NULL", lease[0], lease[1], lease[2], ago,
           status))


class Purge(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = Stack("purge")
        s = cls.stack
        try:
            cls.root = s.path("lib")
            os.makedirs(cls.root)
            chown_tree(cls.root)
            s.start_postgres()
            s.start_nats()
            cls.queue = s.start_service("queue")
            cls.queue.wait_ready()
            s.start_service("progress").wait_ready()
            cls.gw = s.start_service("gateway")
            cls.gw.wait_ready()
            cls.scanners = [start_scanner(s, cls.root) for _ in range(2)]
            for sc in cls.scanners:
                sc.wait_ready(60)
            cls.token = s.login()
            # The start scans of both replicas end before anything is aged.
            wait_until(lambda: s.psql(
                "SELECT count(*) FROM scanner_scans WHERE state = 'running'"
            )[0][0] == "0", timeout=60, what="start scans finished")
            cls.seed()
        except BaseException:
            s.close()
            raise

    @classmethod
    def seed(cls):
        s = cls.stack
        for n, (status, days) in enumerate([
                ("completed", 40), ("failed", 40), ("cancelled", 400),
                ("completed", 10),
                ("pending", 400), ("paused", 400), ("downloading", 400)], 1):
            s.psql(item_sql(n, status, days))
        s.psql("INSERT INTO queue_events (item_id, event, at) VALUES"
               " (NULL, 'cleared', now() - interval '40 days'),"
               " (gen_random_uuid(), 'removed', now() - interval '40 days'),"
               " (NULL, 'cleared', now() - interval '10 days')")
        s.psql("INSERT INTO notify_targets (name, kind, url, secret) VALUES"
               " ('hook', 'webhook', 'http://127.0.0.1:1/', 's')")
        for key, status, days in [("old-ok", "delivered", 40),
                                  ("old-given-up", "failed", 40),
                                  ("old-pending", "pending", 40),
                                  ("old-sending", "sending", 40),
                                  ("new-ok", "delivered", 10)]:
            ago = "now() - interval '%d days'" % days
            # Pending: due in a day, so no sender picks it up meanwhile.
            s.psql("INSERT INTO notify_deliveries (target_id, event, event_key,"
                   " status, created_at, finished_at, not_before,"
                   " lease_expires) SELECT id, 'download_completed', '%s',"
                   " '%s', %s, %s, now() + interval '1 day', %s"
                   " FROM notify_targets"
                   % (key, status, ago,
                      ago if status in ("delivered", "failed") else "NULL",
                      "now() + interval '1 day'" if status == "sending"
                      else "NULL"))
        s.psql("INSERT INTO scanner_scans (kind, state, started_at,"
               " finished_at) VALUES"
               " ('full', 'complete', now() - interval '41 days',"
               "  now() - interval '40 days'),"
               " ('watch', 'failed', now() - interval '41 days',"
               "  now() - interval '40 days')")

    @classmethod
    def tearDownClass(cls):
        cls.stack.close()

    def api(self, method, path, body=None):
        return http_json(method, self.gw.url + path, body, token=self.token)

    def task(self):
        return task(self.stack, "purge")

    def run_purge(self, outcome="complete"):
        t = run_task_now(self.stack, "purge")
        self.assertEqual(t["last_run"]["outcome"], outcome, t)
        return t["last_run"]["summary"]

    def purge_metric(self, name, **labels):
        """kumo_purge_<name> of each scanner replica, in order."""
        return [metric(sc, "kumo_purge_" + name, labels)
                for sc in self.scanners]

    def image(self, where_items="true", where_events="true",
              where_deliveries="true"):
        """Every queue history row matching the filters, as text."""
        return self.stack.psql(
            "SELECT x FROM ("
            " SELECT q::text AS x FROM queue_items q WHERE %s UNION ALL"
            " SELECT e::text FROM queue_events e WHERE event <> 'purged'"
            "  AND %s UNION ALL"
            " SELECT d::text FROM notify_deliveries d WHERE %s) t ORDER BY x"
            % (where_items, where_events, where_deliveries))

    def purge_logs(self):
        return sum(sc.log_text().count('"history purge ended"')
                   for sc in self.scanners)

    def test_1_removes_only_what_is_old(self):
        status, body = self.api("PUT", "/api/config",
                                {"history": {"keep_days": 30}})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["applied"]["history.keep_days"], "live")
        old = "(SELECT id FROM queue_items WHERE episode IN (1, 2, 3))"
        kept = self.image(
            "id NOT IN %s" % old,
            "coalesce(item_id::text, '') NOT IN (SELECT id::text FROM %s x)"
            " AND (item_id IN (SELECT id FROM queue_items)"
            "      OR at > now() - interval '30 days')" % old,
            "event_key NOT IN ('old-ok', 'old-given-up')")
        scans_kept = self.stack.psql(
            "SELECT s::text FROM scanner_scans s"
            " WHERE finished_at > now() - interval '1 day' ORDER BY id")
        logs_before = self.purge_logs()
        kinds = ("items", "events", "deliveries", "scans")
        for sc in self.scanners:  # every series from the start, at 0 or more
            text = sc.metrics()
            for kind in kinds:
                self.assertIn('kumo_purge_rows_total{kind="%s"}' % kind, text)
            self.assertIn('kumo_purge_runs_total{outcome="failed"}', text)
            self.assertIn("kumo_purge_last_success_timestamp_seconds", text)
        rows_before = {k: sum(self.purge_metric("rows_total", kind=k))
                       for k in kinds}
        runs_before = sum(self.purge_metric("runs_total", outcome="complete"))
        started = time.time()
        stream = SSEClient(self.gw.url + "/api/events?rooms=system",
                           self.token, timeout=30)
        self.assertEqual(stream.status, 200)

        summary = self.run_purge()
        self.assertEqual(summary, {"items": 3, "events": 11, "deliveries": 2,
                                   "scans": 2, "keep_days": 30})
        self.assertEqual(self.image(), kept)
        self.assertEqual({k: sum(self.purge_metric("rows_total", kind=k))
                          - rows_before[k] for k in kinds},
                         {"items": 3, "events": 11, "deliveries": 2,
                          "scans": 2})
        self.assertEqual(sum(self.purge_metric("runs_total",
                                               outcome="complete")),
                         runs_before + 1)
        ended = max(self.purge_metric("last_success_timestamp_seconds"))
        self.assertGreaterEqual(ended, started - 1)
        self.assertLessEqual(ended, time.time() + 1)
        self.assertIn(ended, self.purge_metric("last_run_timestamp_seconds"))
        self.assertLess(max(self.purge_metric("last_run_duration_seconds")),
                        60)
        self.assertEqual(self.stack.psql(
            "SELECT s::text FROM scanner_scans s ORDER BY id"), scans_kept)
        self.assertEqual(self.stack.psql(
            "SELECT status FROM queue_items ORDER BY episode"),
            [("completed",), ("pending",), ("paused",), ("downloading",)])
        # One run on one replica: one log line, one note of the queue.
        self.assertEqual(self.purge_logs(), logs_before + 1)
        self.assertEqual(self.stack.psql(
            "SELECT count(*) FROM queue_events WHERE event = 'purged'"),
            [("1",)])
        try:
            statuses, last = self.purge_progress(stream)
        finally:
            stream.close()
        self.assertEqual(statuses[-1], "completed", statuses)
        self.assertEqual(last["metadata"]["items"], 3, last)
        self.assertEqual(last["current"], 3 + 11 + 2 + 2, last)

    @staticmethod
    def purge_progress(stream):
        """The statuses of the purge's progress records, until completed."""
        statuses, last = [], None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "completed" not in statuses:
            kind, data = stream.next_event(timeout=30)
            doc = json.loads(data)
            records = doc.get("active", []) + doc.get("recent", []) \
                if kind == "init" else [doc.get("data", {})]
            for rec in records:
                if isinstance(rec, dict) and rec.get("id") == "task:purge":
                    statuses.append(rec["status"])
                    last = rec
        return statuses, last

    def test_2_again_removes_nothing(self):
        before = self.image()
        summary = self.run_purge()
        self.assertEqual(summary, {"items": 0, "events": 0, "deliveries": 0,
                                   "scans": 0, "keep_days": 30})
        self.assertEqual(self.image(), before)

    def test_3_hostile_settings_change_nothing(self):
        status, before = self.api("GET", "/api/config")
        self.assertEqual(status, 200, before)
        rows = self.image()
        tried = [("keep_days", 0), ("keep_days", -5), ("keep_days", "x"),
                 ("keep_days", 1e12), ("keep_days", 3651),
                 ("keep_days", None), ("purge_interval_s", -1),
                 ("purge_interval_s", 1.5)]
        for key, value in tried:
            status, body = self.api("PUT", "/api/config",
                                    {"history": {key: value}})
            self.assertEqual(status, 400, "%s=%r: %r" % (key, value, body))
            fields = [f["field"] for f in body["error"]["fields"]]
            self.assertEqual(fields, ["history." + key], body)
        status, after = self.api("GET", "/api/config")
        self.assertEqual(after["config"], before["config"])
        self.assertEqual(after["config"]["history"]["keep_days"], 30)
        # The queue's own checks, straight over the bus.
        nc = self.stack.nats_client()
        try:
            for body, field in [({"older_than_s": 60}, "older_than_s"),
                                ({"older_than_s": "x"}, "older_than_s"),
                                ({"older_than_s": 30 * DAY, "batch": 0},
                                 "batch")]:
                reply = json.loads(nc.request("kumo.queue.cmd.purge",
                                              json.dumps(body).encode(),
                                              timeout=10))
                self.assertEqual(reply["error"]["code"], "invalid_argument",
                                 reply)
                self.assertIn(field, reply["error"]["message"], reply)
        finally:
            nc.close()
        self.assertEqual(self.image(), rows)

    def test_4_keep_days_is_live(self):
        status, body = self.api("PUT", "/api/config",
                                {"history": {"keep_days": 5}})
        self.assertEqual(status, 200, body)
        for sc in self.scanners:
            sc.wait_log(lambda line: line.get("msg") ==
                        "history settings applied"
                        and line.get("keep_days") == 5, timeout=20)
        summary = self.run_purge()
        self.assertEqual(summary["items"], 1, summary)
        self.assertEqual(summary["events"], 3 + 1, summary)
        self.assertEqual(summary["deliveries"], 1, summary)
        self.assertEqual(self.stack.psql(
            "SELECT status FROM queue_items ORDER BY episode"),
            [("pending",), ("paused",), ("downloading",)])
        self.assertEqual(self.stack.psql(
            "SELECT count(*) FROM queue_events e JOIN queue_items q"
            " ON q.id = e.item_id"), [("9",)])
        self.assertEqual(self.stack.psql(
            "SELECT event_key FROM notify_deliveries ORDER BY event_key"),
            [("old-pending",), ("old-sending",)])

    def test_5_interval_is_live_and_runs_once_per_occurrence(self):
        status, body = self.api("PUT", "/api/config",
                                {"history": {"purge_interval_s": 2}})
        self.assertEqual(status, 200, body)
        wait_until(lambda: self.task()["interval_s"] == 2, timeout=20,
                   what="the new interval")
        first = self.task()["runs"]
        logs = self.purge_logs()
        wait_until(lambda: self.task()["runs"] >= first + 3
                   and self.task()["state"] == "idle",
                   timeout=60, what="three scheduled runs")
        status, body = self.api("PUT", "/api/config",
                                {"history": {"purge_interval_s": 0}})
        self.assertEqual(status, 200, body)
        wait_until(lambda: not self.task()["scheduled"]
                   and self.task()["state"] == "idle", timeout=20,
                   what="the task on demand only")
        time.sleep(2)
        runs = self.task()["runs"] - first
        self.assertEqual(self.purge_logs() - logs, runs,
                         "every occurrence ran on one replica only")

    def test_6_a_failed_run_is_counted(self):
        rows = [self.purge_metric("rows_total", kind=k)
                for k in ("items", "events", "deliveries", "scans")]
        failed = sum(self.purge_metric("runs_total", outcome="failed"))
        success = self.purge_metric("last_success_timestamp_seconds")
        started = time.time()
        self.queue.stop()
        self.run_purge(outcome="failed")
        self.assertEqual(sum(self.purge_metric("runs_total",
                                               outcome="failed")), failed + 1)
        self.assertEqual([self.purge_metric("rows_total", kind=k)
                          for k in ("items", "events", "deliveries", "scans")],
                         rows)
        self.assertEqual(self.purge_metric("last_success_timestamp_seconds"),
                         success)
        self.assertGreaterEqual(
            max(self.purge_metric("last_run_timestamp_seconds")), started - 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
