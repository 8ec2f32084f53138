"""Storage limits and retention, against real PostgreSQL, nats-server,
nginx and the service binaries (the scanner as the unprivileged user).

Tried and asserted:
- Retention: PATCH /api/series/{key} {"retention": {"keep_last": 2}} on a
  series of five episode files; the `retention` task (POST
  /api/tasks/retention/run) leaves exactly the last two on disk and in the
  catalog, records three `evicted` rows (reason "retention") in GET
  /api/series/{key}/history, and its summary says {"evicted": 3, ...}. A
  series without a rule loses nothing.
- Symlinks: a series whose older files were replaced after the scan by a
  symlink to a file outside the library root, and by a folder symlink to a
  folder outside it: the files outside are never deleted (both refused,
  the summary says "refused": 2), the links stay, the newest file stays,
  and the history records nothing.
- Hostile retention values: keep_last 0, -1, 10001, 1e9, "3", null inside,
  an extra field, a list: 400 naming `retention` or `retention.keep_last`;
  the series' rule is unchanged.
- Storage limit, eviction off: PUT /api/config library.storage_limit_bytes
  below the library's usage: GET /api/queue/status says paused_reason
  "storage_limit", one progress event `storage_limit` (state "reached")
  arrives on kumo.progress.storage_limit even though the usage is published
  again, an added item stays pending with a worker idle; raising the limit
  releases it (one "released" event) and the item completes.
- Eviction on (library.evict_when_full 1) with the limit below usage: the
  retention task removes the oldest files of the series with a rule only
  (history reason "storage_limit"), never those of the series without one.
- Free-space floor live: PUT /api/config disk.min_free_bytes above the free
  space reaches the running downloader (its log says the floor applied and
  that it is below it); an added item stays pending; setting it back to 0
  lets the item complete, without a restart.
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

from kumo_harness import Stack, wait_until  # noqa: E402
from pipeline_support import (QUEUE_ENV, add, api, log, origin_file,  # noqa: E402
                              start_worker, wait_terminal)
from scanner_support import Bus, chown_tree, start_scanner, write_file  # noqa: E402

NEWS = "News (2020)"
RADIO = "Radio (2020)"
OTHER = "Other (2020)"
SIZE = 1000


class Storage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = s = Stack("storage")
        try:
            cls.root = root = s.library_root
            for ep in range(1, 6):
                write_file(os.path.join(root, NEWS, "Season 1",
                                        "News.S01E%02d.mkv" % ep), SIZE)
            for ep in range(1, 4):
                write_file(os.path.join(root, OTHER, "Season 1",
                                        "Other.S01E%02d.mkv" % ep), SIZE)
            write_file(os.path.join(root, RADIO, "Season 1",
                                    "Radio.S01E01.mkv"), SIZE)
            for ep in (1, 2):
                write_file(os.path.join(root, RADIO, "Season 2",
                                        "Radio.S02E%02d.mkv" % ep), SIZE)
            chown_tree(root)
            s.start_postgres()
            s.start_nats()
            s.start_nginx()
            cls.queue = s.start_service("queue", env=QUEUE_ENV)
            cls.gw = s.start_service("gateway")
            cls.scanner = start_scanner(s, root)
            for svc in (cls.queue, cls.gw, cls.scanner):
                svc.wait_ready(60)
            s.login()
            cls.nc = s.nats_client()
            cls.bus = Bus(cls.nc)
            cls.bus.idle()
            cls.keys = {}
            for folder in (NEWS, RADIO, OTHER):
                cls.keys[folder] = cls.bus.ok(
                    "series_add", {"from_unmatched": folder})["key"]
            cls.bus.full_scan()
        except BaseException:
            s.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.nc.close()
        cls.stack.close()

    # -- helpers --

    def scalar(self, sql):
        return self.stack.psql(sql)[0][0]

    def used_bytes(self):
        return int(self.scalar(
            "SELECT coalesce(sum(size), 0) FROM scanner_files f JOIN"
            " scanner_series s ON s.id = f.series_id WHERE s.deleted_at IS NULL"))

    def catalog_paths(self, folder):
        out = self.scalar(
            "SELECT coalesce(string_agg(f.path, '|' ORDER BY f.path), '')"
            " FROM scanner_files f JOIN scanner_series s ON s.id = f.series_id"
            " WHERE s.key = '%s'" % self.keys[folder])
        return [p for p in out.split("|") if p]

    def disk_files(self, folder):
        out = []
        for dirpath, _, names in os.walk(os.path.join(self.root, folder)):
            out += [os.path.relpath(os.path.join(dirpath, n), self.root)
                    for n in names]
        return sorted(out)

    def run_task(self, name="retention", timeout=60):
        """Runs the task now and waits for the run it started; returns it."""
        def task():
            _, doc = api(self.stack, "GET", "/api/tasks", expect=200)
            return [t for t in doc["tasks"] if t["name"] == name][0]
        wait_until(lambda: task()["state"] == "idle", timeout=timeout,
                   what="task idle before the run")
        before = int(self.scalar(
            "SELECT runs FROM scanner_tasks WHERE name = '%s'" % name))
        # 409: a run started since the idle check (after every change made
        # before this call), which is the run waited for.
        api(self.stack, "POST", "/api/tasks/%s/run" % name, expect=(202, 409))
        wait_until(lambda: int(self.scalar(
            "SELECT CASE WHEN running_on = '' THEN runs ELSE -1 END"
            " FROM scanner_tasks WHERE name = '%s'" % name)) > before,
            timeout=timeout, what="task run finished")
        return task()

    def history(self, folder):
        _, doc = api(self.stack, "GET", "/api/series/%s/history?limit=50"
                     % self.keys[folder], expect=200)
        return doc["items"]

    def set_config(self, section, fields):
        api(self.stack, "PUT", "/api/config", {section: fields}, expect=200)

    def queue_status(self):
        _, doc = api(self.stack, "GET", "/api/queue/status", expect=200)
        return doc

    # -- tests --

    def test_1_hostile_retention_values_change_nothing(self):
        key = self.keys[NEWS]
        for body, field in [
                ({"retention": {"keep_last": 0}}, "retention.keep_last"),
                ({"retention": {"keep_last": -1}}, "retention.keep_last"),
                ({"retention": {"keep_last": 10001}}, "retention.keep_last"),
                ({"retention": {"keep_last": 1e9}}, "retention.keep_last"),
                ({"retention": {"keep_last": "3"}}, "retention.keep_last"),
                ({"retention": {"keep_last": None}}, "retention.keep_last"),
                ({"retention": {"keep_last": 3, "x": 1}}, "retention"),
                ({"retention": [3]}, "retention"),
                ({"retention": 3}, "retention")]:
            status, doc = api(self.stack, "PATCH", "/api/series/" + key, body)
            self.assertEqual(status, 400, (body, doc))
            self.assertEqual(doc["error"]["field"], field, (body, doc))
            _, got = api(self.stack, "GET", "/api/series/" + key, expect=200)
            self.assertIsNone(got["retention"], body)
        self.assertEqual(len(self.catalog_paths(NEWS)), 5)

    def test_2_retention_keeps_exactly_the_last_n(self):
        key = self.keys[NEWS]
        _, doc = api(self.stack, "PATCH", "/api/series/" + key,
                     {"retention": {"keep_last": 2}}, expect=200)
        self.assertEqual(doc["retention"], {"keep_last": 2})
        _, doc = api(self.stack, "GET", "/api/series/" + key, expect=200)
        self.assertEqual(doc["retention"], {"keep_last": 2})
        task = self.run_task()
        log("retention run: %s", task["last_run"])
        kept = ["%s/Season 1/News.S01E%02d.mkv" % (NEWS, ep) for ep in (4, 5)]
        self.assertEqual(self.disk_files(NEWS), kept)
        self.assertEqual(self.catalog_paths(NEWS), kept)
        self.assertEqual(len(self.disk_files(OTHER)), 3, "no rule: untouched")
        self.assertEqual(len(self.catalog_paths(OTHER)), 3)
        items = self.history(NEWS)
        self.assertEqual(len(items), 3, items)
        self.assertEqual(sorted(i["episode"] for i in items), [1, 2, 3])
        for i in items:
            self.assertEqual((i["action"], i["reason"], i["bytes"],
                              i["season"]), ("evicted", "retention", SIZE, 1))
            self.assertTrue(i["at"].endswith("Z"), i)
        self.assertEqual(self.history(OTHER), [])
        status, doc = api(self.stack, "GET", "/api/series/%s/history?limit=0"
                          % key)
        self.assertEqual((status, doc["error"]["field"]), (400, "limit"))

    def test_3_symlinks_out_of_the_root_are_never_followed(self):
        outside = self.stack.path("outside")
        os.makedirs(os.path.join(outside, "dir"))
        for rel in ("dir/Radio.S01E01.mkv", "Radio.S02E01.mkv"):
            write_file(os.path.join(outside, rel), SIZE)
        chown_tree(outside)
        # After the scan: the Season 1 folder and the S02E01 file become
        # symlinks to the same names outside the library root.
        season1 = os.path.join(self.root, RADIO, "Season 1")
        os.remove(os.path.join(season1, "Radio.S01E01.mkv"))
        os.rmdir(season1)
        os.symlink(os.path.join(outside, "dir"), season1)
        s02e01 = os.path.join(self.root, RADIO, "Season 2", "Radio.S02E01.mkv")
        os.remove(s02e01)
        os.symlink(os.path.join(outside, "Radio.S02E01.mkv"), s02e01)
        api(self.stack, "PATCH", "/api/series/" + self.keys[RADIO],
            {"retention": {"keep_last": 1}}, expect=200)
        task = self.run_task()
        result = task["last_run"]["summary"]
        self.assertEqual(result["refused"], 2, task)
        self.assertTrue(os.path.exists(os.path.join(outside, "dir",
                                                    "Radio.S01E01.mkv")))
        self.assertTrue(os.path.exists(os.path.join(outside,
                                                    "Radio.S02E01.mkv")))
        self.assertTrue(os.path.islink(s02e01), "the link itself is kept too")
        self.assertTrue(os.path.exists(os.path.join(
            self.root, RADIO, "Season 2", "Radio.S02E02.mkv")), "newest kept")
        self.assertEqual(self.history(RADIO), [], "nothing was removed")

    def test_4_limit_holds_downloads_and_raising_it_resumes(self):
        events = self.nc.subscribe("kumo.progress.storage_limit")
        used = self.used_bytes()
        self.set_config("library", {"storage_limit_bytes": used // 2,
                                    "evict_when_full": 0})
        wait_until(lambda: self.queue_status().get("paused_reason") ==
                   "storage_limit", timeout=30, what="paused_reason")
        first = json.loads(self.nc.next_message(events, timeout=10)[2])
        self.assertEqual(first["kind"], "storage_limit")
        self.assertEqual(first["metadata"]["state"], "reached")
        self.assertEqual(first["metadata"]["limit_bytes"], used // 2)
        self.assertEqual(first["metadata"]["used_bytes"], used)
        worker = start_worker(self.stack, jobs=1)
        url, _, size = origin_file(self.stack, "gate/ep1.bin", size=4096)
        item = add(self.stack, "gate-show",
                   [(1, 1, {"provider": "direct", "url": url,
                            "size": size})])[0]
        self.bus.full_scan()  # publishes the usage again: still full
        time.sleep(3)
        _, doc = api(self.stack, "GET", "/api/queue/%s" % item["id"],
                     expect=200)
        self.assertEqual(doc.get("item", doc)["status"], "pending",
                         "nothing starts over the limit")
        with self.assertRaises(TimeoutError, msg="one event per transition"):
            self.nc.next_message(events, timeout=1)
        self.set_config("library", {"storage_limit_bytes": 1 << 40})
        done = wait_terminal(self.stack, [item["id"]], timeout=60)
        self.assertEqual(done[item["id"]]["status"], "completed")
        second = json.loads(self.nc.next_message(events, timeout=10)[2])
        self.assertEqual(second["metadata"]["state"], "released")
        self.assertIsNone(self.queue_status()["paused_reason"])
        worker.stop()

    def test_5_eviction_only_where_enabled(self):
        used = self.used_bytes()
        other = self.catalog_paths(OTHER)
        # The library less one News file is under the limit.
        self.set_config("library", {"storage_limit_bytes": used - SIZE // 2,
                                    "evict_when_full": 1})
        result = self.run_task()["last_run"]["summary"]
        log("eviction run: %s", result)
        self.assertGreaterEqual(result["evicted"], 1, result)
        self.assertLess(result["used_bytes"], used - SIZE // 2, result)
        self.assertEqual(self.catalog_paths(OTHER), other, "no rule: kept")
        reasons = [i["reason"] for i in self.history(NEWS) + self.history(RADIO)]
        self.assertIn("storage_limit", reasons)
        self.assertIsNone(self.queue_status()["paused_reason"],
                          "eviction on: downloads are not held")
        self.set_config("library", {"storage_limit_bytes": 0,
                                    "evict_when_full": 0})

    def test_6_free_space_floor_changes_live(self):
        worker = start_worker(self.stack, jobs=1)
        self.set_config("disk", {"min_free_bytes": 1 << 50})
        wait_until(lambda: "free-space floor applied" in worker.log_text(),
                   timeout=20, what="floor applied in the downloader")
        url, _, size = origin_file(self.stack, "floor/ep1.bin", size=4096)
        item = add(self.stack, "floor-show",
                   [(1, 1, {"provider": "direct", "url": url,
                            "size": size})])[0]
        wait_until(lambda: "below the free-space floor" in worker.log_text(),
                   timeout=20, what="worker below the floor")
        time.sleep(2)
        _, doc = api(self.stack, "GET", "/api/queue/%s" % item["id"],
                     expect=200)
        self.assertEqual(doc.get("item", doc)["status"], "pending")
        self.set_config("disk", {"min_free_bytes": 0, "min_free_percent": 0})
        done = wait_terminal(self.stack, [item["id"]], timeout=60)
        self.assertEqual(done[item["id"]]["status"], "completed")
        worker.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
