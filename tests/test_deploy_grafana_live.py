"""Every dashboard query and every alert rule, proven against a live stack.

One stack (PostgreSQL, NATS, nginx origin, gateway, scanner, queue,
progress, two downloaders) and a real Prometheus scraping every admin port
each second, with deploy/prometheus/recording.yml and a copy of
deploy/prometheus/alerts.yml whose `for:` durations are cut to 1 s (the
expressions, thresholds and windows are the shipped ones).

Tried, in order, each step leaving data the dashboards need:
- 43 items queued while no downloader runs, an SSE client listening, 21
  logins with a wrong password -> KumoQueueStalled, KumoLoginFailures,
  KumoNoInstanceOfService (downloader);
- two downloaders start: 25 files download, 15 URLs answer 404 ->
  KumoDownloadsFailing, KumoDownloadFailureRatio;
- a downloader running a slow download is frozen (SIGSTOP) past its lease,
  then woken -> KumoServiceDown (it stops answering /metrics),
  KumoLeasesLost;
- the queue is killed (SIGKILL) while a slow download runs and an API call
  comes in -> KumoServiceDown, KumoNoInstanceOfService,
  KumoHeartbeatsFailing, KumoGatewayQueueUnavailable; the queue restarts;
- nats-server restarts four times -> KumoNatsReconnecting;
- one item with two sources, the first answering 404: it moves to the
  second (kumo_queue_source_failovers_total{provider="direct"} = 1) and
  completes; the scanner rescans the library, whose series folders no
  catalog series claims yet (kumo_scanner_unmatched >= 1;
  kumo_scanner_missing_episodes = 0, kumo_scanner_episodes_on_disk set).
Asserted: every alert of alerts.yml was seen firing in /api/v1/alerts; then
every target of every panel of deploy/grafana/dashboards (variables as
Grafana sends them for "All", $__rate_interval = 10s) and every recording
rule evaluates through /api/v1/query without error and with at least one
series. A misspelled metric fed through the same checker is reported.
"""
# ctest-properties: TIMEOUT 300

import os
import re
import shutil
import signal
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from monitoring_support import (PROM_DIR, AlertWatch, Prometheus,  # noqa: E402
                                alert_names, check_queries, dashboard_queries,
                                shortened_rules)
from kumo_harness import SSEClient  # noqa: E402
from pipeline_support import (Stack, add, api, http, items, log,  # noqa: E402
                              metric, origin_file, start_stack, start_worker,
                              wait_terminal, wait_until)

GOOD, MISSING, SLOW = 25, 15, 3
# Slow files: long enough to freeze a worker or kill the queue mid-way.
SLOW_RATE = "256k"
SLOW_SIZE = 6 << 20


def recording_names():
    with open(os.path.join(PROM_DIR, "recording.yml")) as f:
        return re.findall(r"^\s*- record:\s*(\S+)", f.read(), re.M)


class SSEDrain(threading.Thread):
    """Keeps one event stream open and read, so that kumo_sse_clients is 1."""

    def __init__(self, url, token):
        super().__init__(daemon=True)
        self.client = SSEClient(url, token, timeout=30)
        self.events = 0

    def run(self):
        try:
            while True:
                self.client.next_event(timeout=3600)
                self.events += 1
        except Exception:  # noqa: BLE001 - closed at the end of the test
            pass

    def close(self):
        """Ends the stream now (a plain close would wait for the reader)."""
        try:
            self.client.conn.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.join(10)
        self.client.close()


class DeployGrafanaLive(unittest.TestCase):

    def test_dashboards_and_alerts(self):
        if shutil.which("prometheus") is None:
            self.skipTest("prometheus missing (Debian package prometheus)")
        with Stack(name="deploy-grafana") as s:
            t0 = time.monotonic()
            self.run_scenario(s, t0)

    def run_scenario(self, s, t0):
        # The 404s below fail downloads and fire the failure alerts; a
        # missing file is not a failure of its provider, so they leave the
        # breaker of `direct` closed and the rest goes on.
        # The scenario makes leases run out on purpose (a frozen worker, the
        # queue killed, four NATS restarts): a slow item can lose its lease
        # three times, which the queue's poison rule (max_lease_expirations,
        # default 3) would rightly fail; here the slow items must complete.
        queue = start_stack(s, queue_env={"KUMO_MAX_LEASE_EXPIRATIONS": "20"},
                            progress=True, nginx={
            "locations": "location /slow/ { limit_rate %s; }" % SLOW_RATE})
        s.start_service("scanner", env={
            "KUMO_LIBRARY_ROOT": s.library_root}).wait_ready(30)
        rules = [os.path.join(PROM_DIR, "recording.yml"), s.path("alerts-1s.yml")]
        changed = shortened_rules(os.path.join(PROM_DIR, "alerts.yml"), rules[1])
        prom = Prometheus(s.tmp, rules).start(s.services)
        try:
            log("stack and prometheus up after %.1fs (%d `for:` cut to 1s)",
                time.monotonic() - t0, changed)
            watch = AlertWatch(prom)
            self.scenario(s, queue, prom, watch)
            expected = alert_names(os.path.join(PROM_DIR, "alerts.yml"))
            missing = sorted(set(expected) - watch.names())
            log("alerts seen firing: %d of %d", len(watch.names()), len(expected))
            self.assertEqual(missing, [], "alerts never seen firing")
            self.check_panels(prom)
            log("total %.1fs", time.monotonic() - t0)
        except BaseException:
            print("prometheus log:\n" + prom.log_tail(), file=sys.stderr)
            raise
        finally:
            prom.stop()

    def scenario(self, s, queue, prom, watch):
        stream = SSEDrain(s.gateway_url + "/api/events?rooms=downloads", s.token)
        self.assertEqual(stream.client.status, 200)
        stream.start()
        episodes = []
        for n in range(GOOD):
            url, _, _ = origin_file(s, "ok/e%02d.bin" % n, size=4096 + n * 20000,
                                    seed=n)
            episodes.append((1, n + 1, url))
        for n in range(MISSING):
            episodes.append((2, n + 1, s.origin_url + "/missing/e%02d.bin" % n))
        for n in range(SLOW):
            url, _, _ = origin_file(s, "slow/e%d.bin" % n, size=SLOW_SIZE, seed=99 + n)
            episodes.append((3, n + 1, url))
        added = add(s, "grafana-series", episodes)
        slow = [it["id"] for it in added[-SLOW:]]
        for _ in range(21):
            status, _, _ = http("POST", s.gateway_url + "/api/auth/login",
                                {"password": "not-the-password"})
            self.assertIn(status, (401, 429))
        took = watch.wait(["KumoQueueStalled", "KumoLoginFailures",
                           "KumoNoInstanceOfService:downloader"], 30,
                          "no downloader, wrong logins")
        log("%d items pending, no downloader; 21 wrong logins: KumoQueueStalled,"
            " KumoLoginFailures, KumoNoInstanceOfService{downloader} after %.1fs",
            len(added), took)

        workers = [start_worker(s, jobs=3), start_worker(s, jobs=3)]
        prom.reload(s.services)
        took = watch.wait(["KumoDownloadsFailing", "KumoDownloadFailureRatio"], 60,
                          "404 downloads")
        log("2 downloaders; %d of %d URLs answer 404: alerts after %.1fs",
            MISSING, len(added), took)

        # Freeze the worker of a slow download past its 3 s lease.
        owner = wait_until(lambda: next((i["owner"] for i in items(s, slow).values()
                                         if i["status"] == "downloading"), None),
                           timeout=30, what="a slow download running")
        frozen = next(w for w in workers if w.instance == owner)
        frozen.send_signal(signal.SIGSTOP)
        try:
            watch.wait(["KumoServiceDown:downloader"], 20, "frozen downloader")
            time.sleep(4)
        finally:
            frozen.send_signal(signal.SIGCONT)
        took = watch.wait(["KumoLeasesLost"], 30, "lease lost")
        log("%s frozen 4s+ then woken: KumoServiceDown, KumoLeasesLost (%.1fs)",
            owner, took)

        # Kill the queue while downloads run (each job's lease, 3 s, allows
        # about 3 heartbeats; two jobs make the 4 failures); API calls get 503.
        wait_until(lambda: sum(i["status"] == "downloading"
                               for i in items(s, slow).values()) >= 2,
                   timeout=30, what="two slow downloads running")
        queue.kill()
        took = watch.wait(
            ["KumoServiceDown:queue", "KumoNoInstanceOfService:queue",
             "KumoHeartbeatsFailing",
             "KumoGatewayQueueUnavailable"], 40, "queue killed",
            tick=lambda: api(s, "GET", "/api/queue/status"))
        log("queue killed: KumoServiceDown{queue}, KumoNoInstanceOfService{queue},"
            " KumoHeartbeatsFailing, KumoGatewayQueueUnavailable (%.1fs)", took)
        s.restart_service(queue, wait=True)

        gateway = s.gateway
        before = metric(gateway, "kumo_bus_disconnects_total")
        for n in range(4):
            s.stop_nats()
            s.start_nats()
            wait_until(lambda: metric(gateway, "kumo_bus_disconnects_total")
                       >= before + n + 1 and all(
                           svc.readyz() == 200 for svc in s.services
                           if svc.running()),
                       timeout=30, what="services reconnected to NATS")
        took = watch.wait(["KumoNatsReconnecting"], 30, "nats restarts")
        log("nats-server restarted 4 times: KumoNatsReconnecting (%.1fs)", took)

        self.failover(s, queue)
        final = wait_terminal(s, [i["id"] for i in added], timeout=90)
        counts = {}
        for it in final.values():
            counts[it["status"]] = counts.get(it["status"], 0) + 1
        log("items: %s; SSE events read: %d", counts, stream.events)
        why = sorted((it["target_path"], it["error"]) for it in final.values()
                     if it["status"] == "failed")
        self.assertEqual(counts.get("completed"), GOOD + SLOW,
                         "failed items (target, error): %s" % why)
        self.assertEqual(counts.get("failed"), MISSING)
        stream.close()
        self.rescan_library(s)

    def failover(self, s, queue):
        """Queues one episode whose first source answers 404 and whose
        second is good; waits until it completed on the second."""
        _, health = api(s, "GET", "/api/providers/health/direct", expect=200)
        log("direct's breaker after the 404s: %s", health["breaker"])
        self.assertEqual(health["breaker"], "closed")
        url, _, _ = origin_file(s, "failover/e1.mkv", size=8192, seed=7)
        _, doc = api(s, "POST", "/api/queue/add", {
            "serie_id": "failover-series", "serie_folder": "Failover Series",
            "serie_name": "Failover Series", "episodes": [
                {"season": 1, "episode": 1, "sources": [
                    {"provider": "direct",
                     "url": s.origin_url + "/missing/failover.bin"},
                    {"provider": "rss", "url": url}]}]}, expect=201)
        item = doc["items"][0]["id"]
        done = wait_terminal(s, [item], timeout=30)[item]
        self.assertEqual(done["status"], "completed", done)
        moves = metric(queue, "kumo_queue_source_failovers_total",
                       {"provider": "direct"})
        log("an item whose first source answers 404 completed on its second;"
            " failover moves counted for direct: %g", moves)
        self.assertEqual(moves, 1)

    def rescan_library(self, s):
        """Rescans every root and waits for the scan to end; the series
        folders the downloads wrote are unmatched (no catalog series)."""
        scanner = next(svc for svc in s.services if svc.name == "scanner")
        _, doc = api(s, "POST", "/api/series/rescan", {}, expect=202)
        scan = doc["scan"]["id"]

        def finished():
            _, st = api(s, "GET", "/api/library/scan", expect=200)
            last = st.get("last") or {}
            return last if last.get("id") == scan and not st.get("current") \
                else None
        last = wait_until(finished, timeout=30, what="library rescan finished")
        self.assertEqual(last["state"], "complete", last)
        unmatched = metric(scanner, "kumo_scanner_unmatched")
        gauges = "\n".join(line for line in scanner.metrics().splitlines()
                           if line.startswith("kumo_scanner_"))
        log("rescan %s: %s files, unmatched folders %g", scan,
            last.get("files"), unmatched)
        self.assertGreaterEqual(unmatched, 1)
        for name in ("kumo_scanner_missing_episodes",
                     "kumo_scanner_episodes_on_disk"):
            self.assertRegex(gauges, r"(?m)^%s \S+$" % name)
        # No series has a provider listing: nothing is missing.
        self.assertEqual(metric(scanner, "kumo_scanner_missing_episodes"), 0)

    def check_panels(self, prom):
        queries = dashboard_queries()
        queries += [("recording rule " + n, n) for n in recording_names()]
        results, problems = check_queries(prom, queries)
        for where, count in results:
            print("  %3d series  %s" % (count, where))
        log("%d queries (%d panel targets), %d problems", len(queries),
            len(queries) - len(recording_names()), len(problems))
        self.assertEqual(problems, [], "\n".join(problems))
        # The checker itself: a misspelled metric and a broken expression
        # are reported, not passed.
        _, bad = check_queries(prom, [
            ("misspelled", 'sum(rate(kumo_downloader_byte_total[$__rate_interval]))'),
            ("broken", "sum(rate(kumo_downloader_bytes_total[$__rate_interval])"),
            ("unknown variable", "kumo_sse_clients{instance=~\"$worker\"}")])
        log("checker on 3 wrong queries: %s", bad)
        self.assertEqual(len(bad), 3, bad)
        self.assertIn("no series", bad[0])


if __name__ == "__main__":
    unittest.main(verbosity=2)
