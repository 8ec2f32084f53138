"""The monitor's check of many feed series: SQL statements per series.

A real PostgreSQL with log_statement=all, the scanner's connections named
through PGAPPNAME, nginx serving 30 RSS feeds of 20 items, gateway and one
scanner. The series are added (site rss, monitored) and listed once; then
POST /api/tasks/monitor_check/run checks all of them.

Tried:
- The check covers every series (summary checked 30, failed 0) and the
  scanner sends at most 9 statements per series (8 measured: advisory lock,
  the series row, episodes, sources out, sources in, the decision, COMMIT
  and BEGIN) and 30 for the round (the claim, the task's lease and
  bookkeeping, the one catalog count at the end; the readiness probe's
  statements are left out). The catalog count over every
  episode used to follow each series: 12 per series.
- The catalog gauges still follow the check, once at its end: five missing
  episodes marked on disk behind the scanner's back before the check show
  in kumo_scanner_missing_episodes after it.
"""
# ctest-properties: TIMEOUT 600

import json
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "harness"))
sys.path.insert(0, HERE)

from kumo_harness import Stack, http_json, wait_until  # noqa: E402
from scanner_support import chown_tree, start_scanner  # noqa: E402

APP = "kumo-scanner"
SERIES = 30
ITEMS = 20


def feed(series, items, url):
    body = "".join(
        '<item><title>Show %d S01E%02d</title><guid>s%d-e%d</guid>'
        '<pubDate>Tue, 03 Jun 2025 09:00:00 GMT</pubDate>'
        '<itunes:season>1</itunes:season><itunes:episode>%d</itunes:episode>'
        '<enclosure url="%s/m/s%d-e%d.mp4" length="1000" type="video/mp4"/>'
        '</item>' % (series, n, series, n, n, url, series, n)
        for n in range(1, items + 1))
    return ('<?xml version="1.0"?><rss version="2.0" xmlns:itunes='
            '"http://www.itunes.com/dtds/podcast-1.0.dtd"><channel>'
            '<title>Show %d</title>%s</channel></rss>' % (series, body))


class MonitorQueriesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = s = Stack("feeds-queries")
        s.start_postgres(settings={"log_statement": "all",
                                   "log_line_prefix": "%a|"})
        s.start_nats()
        s.start_nginx()
        s.start_service("gateway").wait_ready(30)
        s.login()
        chown_tree(s.library_root)
        cls.scanner = start_scanner(s, s.library_root, env={
            "KUMO_FETCH_ALLOW_CIDRS": "127.0.0.1/32",
            "KUMO_MONITOR_INTERVAL": "24h", "PGAPPNAME": APP})
        cls.scanner.wait_ready(30)

    @classmethod
    def tearDownClass(cls):
        cls.s.close()

    def write_feed(self, i, items):
        with open(os.path.join(self.s.nginx_root, "f%02d.xml" % i), "w") as f:
            f.write(feed(i, items, self.s.origin_url))

    def statements_since(self, offset):
        """The scanner's statements, without its readiness probe (BEGIN,
        SELECT 1, COMMIT every second, however long the check takes)."""
        count = probes = 0
        with open(self.s.path("postgres.log"), "rb") as f:
            f.seek(offset)
            for line in f:
                if not line.startswith(b"kumo-scanner|"):
                    continue
                if line.rstrip().endswith(b"LOG:  statement: SELECT 1"):
                    probes += 1
                if b"LOG:  statement: " in line or b"LOG:  execute " in line:
                    count += 1
        return count - 3 * probes

    def missing_gauge(self):
        for line in self.scanner.metrics().splitlines():
            if line.startswith("kumo_scanner_missing_episodes "):
                return float(line.split()[1])
        return None

    def task(self):
        row = self.s.psql("SELECT runs, coalesce(last_finished_at::text, ''),"
                          " coalesce(last_outcome, ''),"
                          " coalesce(last_summary::text, '{}')"
                          " FROM scanner_tasks WHERE name = 'monitor_check'")
        return row[0] if row else ("0", "", "", "{}")

    def test_check_of_every_series(self):
        s = self.s
        for i in range(1, SERIES + 1):
            self.write_feed(i, ITEMS)
            status, body = http_json("POST", s.gateway_url + "/api/series", {
                "name": "Show %02d" % i, "site": "rss", "monitored": True,
                "link": "%s/f%02d.xml" % (s.origin_url, i)}, token=s.token)
            self.assertEqual(status, 201, body)
        wait_until(lambda: int(s.psql(
            "SELECT count(*) FROM scanner_series WHERE listed_at IS NOT NULL"
        )[0][0]) == SERIES, timeout=120, what="every series listed")
        s.psql("UPDATE scanner_episodes SET state = 'on_disk' WHERE id IN"
               " (SELECT id FROM scanner_episodes ORDER BY id LIMIT 5)")
        s.psql("UPDATE scanner_series SET checked_at = now()")
        runs = int(self.task()[0])
        offset = os.path.getsize(s.path("postgres.log"))
        status, body = http_json("POST", s.gateway_url
                                 + "/api/tasks/monitor_check/run", b"",
                                 token=s.token)
        self.assertEqual(status, 202, body)
        wait_until(lambda: int(self.task()[0]) > runs and self.task()[1],
                   timeout=120, what="the check finished")
        _, _, outcome, summary = self.task()
        self.assertEqual(outcome, "complete")
        self.assertEqual(json.loads(summary), {"checked": SERIES, "failed": 0})
        time.sleep(0.5)  # the last lines of the log
        count = self.statements_since(offset)
        print("statements: %d for %d series (%.1f each)"
              % (count, SERIES, count / SERIES), flush=True)
        self.assertLessEqual(count, 9 * SERIES + 30)  # 12 each before
        listed = int(s.psql("SELECT count(*) FROM scanner_episodes"
                            " WHERE state = 'missing' AND provider")[0][0])
        self.assertEqual(listed, SERIES * ITEMS - 5)
        wait_until(lambda: self.missing_gauge() == listed, timeout=10,
                   what="the missing-episodes gauge after the check")


if __name__ == "__main__":
    unittest.main(verbosity=2)
