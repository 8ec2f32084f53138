#!/usr/bin/env python3
"""A monitored library of feed series checked at once: the `monitor_check`
task over N monitored RSS series, each a feed of M items served by nginx.

Kumo: PostgreSQL (log_statement=all), NATS, gateway and one scanner (its
libpq connections named `kumo-scanner` through PGAPPNAME). The N series are
added through POST /api/series (site rss, monitored) and listed once; then
every series is marked as just checked so no scheduled round interferes,
and POST /api/tasks/monitor_check/run checks all of them. Measured: the wall
time from that POST until the task's run is finished (scanner_tasks polled
every 20 ms with psql, outside the scanner), and the SQL statements the
scanner sent meanwhile (lines of the scanner's connections in the
PostgreSQL log with log_statement=all: simple statements and extended-
protocol executes, BEGIN and COMMIT included), per checked series.
Baseline: the network part alone, the N feeds fetched by a user's
`xargs -P4 -n1 curl -sS --fail -o /dev/null < list`.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "harness"))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))

from download_common import load_average  # noqa: E402
from kumo_harness import Stack, http_json, wait_until  # noqa: E402
from scanner_support import chown_tree, start_scanner  # noqa: E402

APP = "kumo-scanner"


def feed(series, items, origin_url):
    """An RSS 2.0 feed of `items` episodes, about 500 bytes per item."""
    out = []
    for n in range(1, items + 1):
        out.append(
            "<item><title>Series %d S01E%02d</title>"
            "<guid isPermaLink=\"false\">series-%d-ep-%d</guid>"
            "<pubDate>Tue, 03 Jun 2025 09:00:00 GMT</pubDate>"
            "<description>Episode %d of series %d. A plain paragraph of"
            " show notes, the kind a podcast or video feed carries with each"
            " item, long enough to weigh what real feeds weigh.</description>"
            "<itunes:season>1</itunes:season><itunes:episode>%d</itunes:episode>"
            "<enclosure url=\"%s/media/s%d-e%d.mp4\" length=\"%d\""
            " type=\"video/mp4\"/></item>"
            % (series, n, series, n, n, series, n, origin_url, series, n,
               100000000 + n))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
            'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">'
            '<channel><title>Series %d</title><link>%s</link>'
            '<description>Feed of series %d</description>%s</channel></rss>\n'
            % (series, origin_url, series, "".join(out)))


def scanner_statements(log_path, offset):
    """SQL statements of the scanner's connections logged after `offset`."""
    count = 0
    with open(log_path, "rb") as f:
        f.seek(offset)
        for line in f:
            if not line.startswith(APP.encode() + b"|"):
                continue
            if b"LOG:  statement: " in line or b"LOG:  execute " in line:
                count += 1
    return count


def task_runs(stack):
    rows = stack.psql("SELECT runs, coalesce(last_finished_at::text, ''),"
                      " coalesce(last_outcome, '') FROM scanner_tasks"
                      " WHERE name = 'monitor_check'")
    return (int(rows[0][0]), rows[0][1], rows[0][2]) if rows else (0, "", "")


def check_once(stack, token, count):
    """Runs monitor_check once; returns (wall seconds, statements)."""
    stack.psql("UPDATE scanner_series SET checked_at = now()"
               " WHERE monitored AND deleted_at IS NULL")
    before, _, _ = task_runs(stack)
    log_path = stack.path("postgres.log")
    offset = os.path.getsize(log_path)
    start = time.monotonic()
    status, body = http_json("POST", stack.gateway_url
                             + "/api/tasks/monitor_check/run", b"", token=token)
    if status != 202:
        raise RuntimeError("run answered %d: %s" % (status, body))
    deadline = start + 1200
    while True:
        runs, finished, outcome = task_runs(stack)
        if runs > before and finished:
            break
        if time.monotonic() > deadline:
            raise RuntimeError("monitor_check not finished after 1200 s")
        time.sleep(0.02)
    wall = time.monotonic() - start
    if outcome != "complete":
        raise RuntimeError("monitor_check ended %s" % outcome)
    time.sleep(0.5)  # the log line of the last statement
    return wall, scanner_statements(log_path, offset)


def curl_baseline(stack, urls):
    listfile = stack.path("feeds.list")
    with open(listfile, "w") as f:
        f.write("\n".join(urls) + "\n")
    start = time.monotonic()
    subprocess.run("xargs -P4 -n1 curl -sS --fail -o /dev/null < %s" % listfile,
                   shell=True, check=True)
    return time.monotonic() - start


def add_series(stack, token, count, items):
    root = stack.nginx_root
    for i in range(1, count + 1):
        with open(os.path.join(root, "feed-%03d.xml" % i), "w") as f:
            f.write(feed(i, items, stack.origin_url))
    urls = ["%s/feed-%03d.xml" % (stack.origin_url, i) for i in range(1, count + 1)]
    for i, url in enumerate(urls, 1):
        status, body = http_json("POST", stack.gateway_url + "/api/series", {
            "name": "Feed Series %03d" % i, "site": "rss", "monitored": True,
            "link": url}, token=token, timeout=30)
        if status != 201:
            raise RuntimeError("add answered %d: %s" % (status, body))

    def listed():
        rows = stack.psql("SELECT count(*) FROM scanner_series WHERE"
                          " listed_at IS NOT NULL AND deleted_at IS NULL")
        return int(rows[0][0]) >= count
    wait_until(listed, timeout=1200, interval=1, what="every series listed")
    return urls


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--series", type=int, default=500)
    ap.add_argument("--items", type=int, default=50)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    with Stack(name="bench-feeds") as s:
        s.start_postgres(settings={"log_statement": "all",
                                   "log_line_prefix": "%a|"})
        s.start_nats()
        s.start_nginx()
        gateway = s.start_service("gateway")
        gateway.wait_ready(30)
        token = s.login()
        chown_tree(s.library_root)
        scanner = start_scanner(s, s.library_root, env={
            "KUMO_FETCH_ALLOW_CIDRS": "127.0.0.1/32",
            "KUMO_MONITOR_INTERVAL": "24h", "PGAPPNAME": APP})
        scanner.wait_ready(30)
        urls = add_series(s, token, args.series, args.items)
        size = os.path.getsize(os.path.join(s.nginx_root, "feed-001.xml"))
        kumo, curl, statements, loads = [], [], [], []
        for run in range(args.runs):
            loads.append(load_average())
            order = ("kumo", "curl") if run % 2 == 0 else ("curl", "kumo")
            for tool in order:
                if tool == "kumo":
                    wall, n = check_once(s, token, args.series)
                    kumo.append(wall)
                    statements.append(n)
                else:
                    curl.append(curl_baseline(s, urls))
            print("run %d: kumo %.2f s, %d statements (%.1f per series);"
                  " curl -P4 %.2f s (load %s)"
                  % (run + 1, kumo[-1], statements[-1],
                     statements[-1] / args.series, curl[-1], loads[-1]),
                  flush=True)
        k, c = statistics.median(kumo), statistics.median(curl)
        print()
        print("%d monitored series, feeds of %d items (%d bytes each), median of"
              " %d runs" % (args.series, args.items, size, args.runs))
        print("kumo monitor_check  %7.2f s  (runs: %s)"
              % (k, " ".join("%.2f" % w for w in kumo)))
        print("curl xargs -P4      %7.2f s  (runs: %s)"
              % (c, " ".join("%.2f" % w for w in curl)))
        print("SQL statements per check: %s (per series: %s)"
              % (" ".join(str(n) for n in statements),
                 " ".join("%.1f" % (n / args.series) for n in statements)))
        print("ratio kumo/curl wall: %.2f" % (k / c))
        print("load avg at the start of each run: %s" % ", ".join(loads))
    return 0


if __name__ == "__main__":
    sys.exit(main())
