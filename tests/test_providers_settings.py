"""Per-provider settings applied live: max_concurrent, retries, retry_delay_s
and timeout_s; and the `direct` breaker ignoring missing files.

Real PostgreSQL, nats-server, nginx, queue, gateway and two downloaders.
Neither the queue's retry options (KUMO_RETRY_DELAYS, KUMO_MAX_RETRIES) nor
the downloaders' timeout options (KUMO_STALL_TIMEOUT, KUMO_CONNECT_TIMEOUT)
are set, so the providers' own values apply. Every change goes through
PUT /api/providers/config/direct while the processes run.

Tried and asserted:
- max_concurrent 1 with 6 slow files and 4 download slots: polling
  GET /api/queue/status never shows more than 1 active download; raised to
  3 while they run, 3 run at once;
- retries 1 (retry_delay_s 0) with an origin answering 503: the origin sees
  2 requests for the file and the item fails; retries 0: 1 request;
- timeout_s 2 with an origin that accepts and never answers: the item fails
  in about 2 s (claimed -> failed); timeout_s 5: in about 5 s;
- breaker threshold 4: 10 files answering 404 leave direct's breaker
  closed (each item still fails); 4 answering 503 open it.
"""
# ctest-properties: TIMEOUT 300

import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pipeline_support import (QUEUE_ENV, WORKER_ENV, Stack, add, api,  # noqa: E402
                              events, log, origin_file, requests_for,
                              wait_terminal, wait_until)

LOCATIONS = """
    location /slow/ { limit_rate 256k; }
    location /unavailable/ { return 503; }
    location /gone/ { return 404; }
"""
PROCESS_RETRIES = ("KUMO_RETRY_DELAYS", "KUMO_MAX_RETRIES")
PROCESS_TIMEOUTS = ("KUMO_STALL_TIMEOUT", "KUMO_CONNECT_TIMEOUT")


def without(env, keys):
    return {k: v for k, v in env.items() if k not in keys}


def set_direct(s, **settings):
    _, doc = api(s, "PUT", "/api/providers/config/direct", settings,
                 expect=200)
    for key, value in settings.items():
        assert doc[key] == value, (key, doc)
    time.sleep(0.5)  # published on kumo.providers.config to the downloaders


def active_count(s):
    _, doc = api(s, "GET", "/api/queue/status?limit=200", expect=200)
    return len(doc["active_downloads"])


class ProvidersSettings(unittest.TestCase):

    def test_settings(self):
        with Stack(name="provsettings") as s:
            s.start_postgres()
            s.start_nats()
            s.start_nginx(locations=LOCATIONS)
            queue_env = without(QUEUE_ENV, PROCESS_RETRIES)
            queue_env["KUMO_BREAKER_THRESHOLD"] = "4"
            queue = s.start_service("queue", env=queue_env)
            gateway = s.start_service("gateway")
            for svc in (queue, gateway):
                svc.wait_ready(30)
            wait_until(lambda: socket.create_connection(
                ("127.0.0.1", gateway.http_port), timeout=1).close() or True,
                timeout=10, interval=0.01, what="gateway HTTP port")
            s.login()
            worker_env = without(WORKER_ENV, PROCESS_TIMEOUTS)
            worker_env["KUMO_JOBS"] = "2"
            for _ in range(2):
                s.start_service("downloader", env=worker_env).wait_ready(30)
            # Each part is checked on its own, so that one that fails does
            # not hide the others.
            for part in (self.max_concurrent, self.retries, self.timeout,
                         self.missing_files):
                with self.subTest(part.__name__):
                    part(s)

    def max_concurrent(self, s):
        set_direct(s, max_concurrent=1)
        eps = []
        for e in range(1, 7):
            url, _, _ = origin_file(s, "slow/e%d.mkv" % e, size=1024 * 1024,
                                    seed=e)
            eps.append((1, e, url))
        ids = [i["id"] for i in add(s, "limited", eps)]
        most = 0
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:
            most = max(most, active_count(s))
            time.sleep(0.1)
        log("max_concurrent 1: at most %d active in 6 s", most)
        self.assertEqual(most, 1, "max_concurrent 1 held")
        set_direct(s, max_concurrent=3)
        most = 0
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline and most < 3:
            most = max(most, active_count(s))
            time.sleep(0.1)
        log("max_concurrent 3: %d active at once", most)
        self.assertEqual(most, 3, "raised while running")
        done = wait_terminal(s, ids, timeout=60)
        self.assertTrue(all(i["status"] == "completed" for i in done.values()))
        set_direct(s, max_concurrent=0)

    def retries(self, s):
        for retries, name in ((1, "once.mkv"), (0, "never.mkv")):
            set_direct(s, retries=retries, retry_delay_s=0)
            item = add(s, "retried-%d" % retries,
                       [(1, 1, s.origin_url + "/unavailable/" + name)])[0]
            done = wait_terminal(s, [item["id"]], timeout=30)
            self.assertEqual(done[item["id"]]["status"], "failed")
            seen = len(requests_for(s, "/unavailable/" + name))
            log("retries %d: the origin saw %d requests", retries, seen)
            self.assertEqual(seen, retries + 1)

    def timeout(self, s):
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)  # accepts (in the kernel), never answers
        url = "http://127.0.0.1:%d/ep.mkv" % silent.getsockname()[1]
        try:
            set_direct(s, retries=0)
            for seconds in (2, 5):
                set_direct(s, timeout_s=seconds)
                # The failures before count toward the breaker (threshold 4).
                api(s, "POST", "/api/providers/health/direct/reset",
                    expect=200)
                item = add(s, "stalled-%d" % seconds, [(1, 1, url)])[0]
                wait_terminal(s, [item["id"]], timeout=40)
                claimed = events(s, item["id"], "claimed")[0]["at"]
                failed = events(s, item["id"], "failed")[0]["at"]
                took = failed - claimed
                log("timeout_s %d: failed %.1f s after its claim", seconds,
                    took)
                self.assertGreaterEqual(took, seconds - 0.5)
                self.assertLess(took, seconds + 2.5)
        finally:
            silent.close()

    def missing_files(self, s):
        set_direct(s, retries=0, timeout_s=30)
        api(s, "POST", "/api/providers/health/direct/reset", expect=200)
        gone = add(s, "gone", [(1, e, s.origin_url + "/gone/e%d.mkv" % e)
                               for e in range(1, 11)])
        done = wait_terminal(s, [i["id"] for i in gone], timeout=40)
        self.assertTrue(all(i["status"] == "failed" for i in done.values()))
        _, health = api(s, "GET", "/api/providers/health/direct", expect=200)
        log("after 10 missing files: breaker %s", health["breaker"])
        self.assertEqual(health["breaker"], "closed")
        bad = add(s, "down", [(1, e, s.origin_url + "/unavailable/d%d.mkv" % e)
                              for e in range(1, 5)])
        wait_terminal(s, [i["id"] for i in bad], timeout=40)
        _, health = api(s, "GET", "/api/providers/health/direct", expect=200)
        log("after 4 answers 503: breaker %s", health["breaker"])
        self.assertEqual(health["breaker"], "open")


if __name__ == "__main__":
    unittest.main()
