"""Provider health, circuit breaker, runtime settings and source failover.

Real PostgreSQL, nats-server, nginx, queue, gateway and downloader; the queue
runs with breaker_threshold 3, breaker_cooldown 6 s, failover_backoff 200 ms
and max_retries 0. Origins: nginx answering 503 (/unavailable/), a listener
that accepts connections and never answers (the downloader's stall_timeout
of 2 s ends it), a closed port (connection refused) and nginx serving files.

Tried and asserted:
- hostile input on every /api/providers route: malformed names (400, field
  `name`), unknown providers (404), bodies that are not JSON, not objects,
  empty, with unknown settings, wrong types or out-of-range values (400
  naming the field); afterwards every setting is unchanged and nothing was
  published on kumo.providers.config; no token: 401;
- an item with sources [503, timeout, refused, good] moves through the
  sources (three `source_failed` events, not retries) and completes from the
  fourth with the origin's bytes; GET /api/queue/{id} shows the four sources
  and source_index 3;
- health figures move: direct 3 requests, 3 failures, 3 consecutive, its
  last error; rss 1 success with the file's bytes;
- direct's breaker opens at the third failure (kumo.events.provider.breaker
  "open"), /available leaves it out; an item [direct, rss] added now is
  handed out with its rss source at once (no request reaches the direct
  URL); after the cool-down the breaker goes half_open (event), a
  direct-only item is the probe, completes, and the breaker closes (event);
  kumo_provider_* metrics follow;
- PUT of settings is answered with the new values, published on
  kumo.providers.config and answered the same on
  kumo.queue.cmd.provider_config; enable/disable, failover chain remove/add,
  health reset; the settings and health survive a queue restart.
"""
# ctest-properties: TIMEOUT 240

import json
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pipeline_support import (Stack, api, events, http, log, metric,  # noqa: E402
                              origin_file, requests_for, sha256_file,
                              start_stack, start_worker, wait_terminal,
                              wait_until)
from kumo_harness import free_port  # noqa: E402

LOCATIONS = """
    location /unavailable/ { return 503; }
"""
QUEUE_ENV = {"KUMO_BREAKER_THRESHOLD": "3", "KUMO_BREAKER_COOLDOWN": "6s",
             "KUMO_FAILOVER_BACKOFF": "200ms", "KUMO_MAX_RETRIES": "0"}


def next_json(nc, sid, timeout=10):
    return json.loads(nc.next_message(sid, timeout)[2])


def drain(nc, sid):
    out = []
    while True:
        try:
            out.append(json.loads(nc.next_message(sid, 0.2)[2]))
        except TimeoutError:
            return out


def add_sources(s, key, episode, sources):
    _, doc = api(s, "POST", "/api/queue/add", {
        "serie_id": key, "serie_folder": key, "serie_name": key,
        "episodes": [{"season": 1, "episode": episode, "sources": sources}]},
        expect=201)
    return doc["items"][0]


class ProvidersHealth(unittest.TestCase):

    def test_providers(self):
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)  # accepts (in the kernel), never answers
        self.silent_url = "http://127.0.0.1:%d/ep.mkv" % silent.getsockname()[1]
        self.refused_url = "http://127.0.0.1:%d/ep.mkv" % free_port()
        with Stack(name="providers") as s:
            queue = start_stack(s, queue_env=QUEUE_ENV,
                                nginx={"locations": LOCATIONS})
            nc = s.nats_client("admin")
            self.breaker = nc.subscribe("kumo.events.provider.breaker")
            self.config = nc.subscribe("kumo.providers.config")
            nc.flush()
            self.hostile_inputs(s, nc)
            self.settings(s, nc)
            start_worker(s, jobs=2, env={"KUMO_STALL_TIMEOUT": "2s",
                                         "KUMO_CONNECT_TIMEOUT": "2s"})
            self.failover(s, nc, queue)
            self.half_open_probe(s, nc, queue)
            self.chain_and_reset(s)
            self.survives_restart(s, queue)
            nc.close()
        silent.close()

    # -- hostile input -------------------------------------------------------

    def hostile_inputs(self, s, nc):
        _, before = api(s, "GET", "/api/providers/config", expect=200)
        status, _, _ = http("GET", s.gateway_url + "/api/providers/health")
        self.assertEqual(status, 401, "no token")
        bad_names = ["Direct", "a%20b", "x" * 33, "a.b", "%0A", "di%2Frect"]
        routes = [("GET", "/api/providers/health/%s"),
                  ("POST", "/api/providers/health/%s/reset"),
                  ("GET", "/api/providers/config/%s"),
                  ("POST", "/api/providers/config/%s/enable"),
                  ("POST", "/api/providers/config/%s/disable"),
                  ("POST", "/api/providers/failover/%s/add"),
                  ("DELETE", "/api/providers/failover/%s")]
        for method, pattern in routes:
            for name in bad_names:
                status, doc = api(s, method, pattern % name)
                self.assertEqual(status, 400, (method, pattern, name, doc))
                self.assertEqual(doc["error"]["field"], "name")
            status, doc = api(s, method, pattern % "gopher")
            self.assertEqual(status, 404, (method, pattern, doc))
        put = "/api/providers/config/direct"
        bodies = [("not json", ""), ("[1, 2]", ""), ("{}", ""),
                  ('{"timeout_s": 0}', "timeout_s"),
                  ('{"timeout_s": "30"}', "timeout_s"),
                  ('{"retries": 101}', "retries"),
                  ('{"max_connections": 65}', "max_connections"),
                  ('{"bandwidth_limit_bps": -1}', "bandwidth_limit_bps"),
                  ('{"enabled": "yes"}', "enabled"),
                  ('{"priority": 1.5}', "priority"),
                  ('{"retries": 2, "colour": "red"}', "colour")]
        for body, field in bodies:
            status, _, payload = http("PUT", s.gateway_url + put, body,
                                      token=s.token,
                                      headers={"Content-Type":
                                               "application/json"})
            doc = json.loads(payload)
            self.assertEqual(status, 400, (body, doc))
            self.assertEqual(doc["error"].get("field", ""), field, body)
        status, doc = api(s, "PUT", "/api/providers/config/gopher",
                          {"timeout_s": 5})
        self.assertEqual(status, 404, doc)
        # The queue checks the bus payload itself, too.
        reply = json.loads(nc.request("kumo.queue.cmd.provider_config_set",
                                      json.dumps({"name": "direct", "settings":
                                                  {"timeout_s": -4}})))
        self.assertEqual(reply["error"]["code"], "invalid_argument")
        _, after = api(s, "GET", "/api/providers/config", expect=200)
        self.assertEqual(after, before, "refused requests changed nothing")
        self.assertEqual(drain(nc, self.config), [], "nothing was published")
        log("hostile input: %d refused, settings unchanged",
            len(routes) * (len(bad_names) + 1) + len(bodies) + 2)

    # -- settings ------------------------------------------------------------

    def settings(self, s, nc):
        _, doc = api(s, "PUT", "/api/providers/config/hls",
                     {"timeout_s": 60, "bandwidth_limit_bps": 1000000,
                      "max_connections": 8}, expect=200)
        self.assertEqual((doc["timeout_s"], doc["bandwidth_limit_bps"],
                          doc["max_connections"], doc["retries"]),
                         (60, 1000000, 8, 3))
        published = next_json(nc, self.config)
        hls = [p for p in published["providers"] if p["name"] == "hls"][0]
        self.assertEqual(hls, doc)
        self.assertEqual(sorted(p["name"] for p in published["providers"]),
                         ["direct", "hls", "rss", "ytdlp"])
        asked = json.loads(nc.request("kumo.queue.cmd.provider_config", "{}"))
        self.assertEqual(asked, published)
        _, doc = api(s, "POST", "/api/providers/config/ytdlp/disable",
                     expect=200)
        self.assertFalse(doc["enabled"])
        published = next_json(nc, self.config)
        self.assertFalse([p for p in published["providers"]
                          if p["name"] == "ytdlp"][0]["enabled"])
        _, doc = api(s, "GET", "/api/providers/available", expect=200)
        self.assertEqual(doc["providers"], ["direct", "rss", "hls"])
        log("settings: hls changed and published; ytdlp disabled")

    # -- failover and breaker ------------------------------------------------

    def failover(self, s, nc, queue):
        good, digest, size = origin_file(s, "good/a.mkv", size=300_000, seed=1)
        sources = [{"provider": "direct",
                    "url": s.origin_url + "/unavailable/a.mkv"},
                   {"provider": "direct", "url": self.silent_url},
                   {"provider": "direct", "url": self.refused_url},
                   {"provider": "rss", "url": good}]
        item = add_sources(s, "failover-show", 1, sources)
        self.assertEqual(len(item["sources"]), 4)
        self.assertEqual(item["source_index"], 0)
        t0 = time.monotonic()
        row = wait_terminal(s, [item["id"]], timeout=60)[item["id"]]
        self.assertEqual(row["status"], "completed", row)
        _, doc = api(s, "GET", "/api/queue/" + item["id"], expect=200)
        self.assertEqual(doc["source_index"], 3)
        self.assertEqual(doc["source"]["url"], good)
        self.assertEqual([x["url"] for x in doc["sources"]],
                         [x["url"] for x in sources])
        self.assertEqual(doc["retries"], 0, "failover is not a retry")
        path = os.path.join(s.library_root, row["target_path"])
        self.assertEqual(sha256_file(path), digest)
        kinds = [e["event"] for e in events(s, item["id"])]
        log("failover: completed after %.1fs; events %s",
            time.monotonic() - t0, kinds)
        self.assertEqual(kinds.count("source_failed"), 3)
        self.assertNotIn("retry_scheduled", kinds)
        self.assertEqual(kinds[-1], "completed")

        _, direct = api(s, "GET", "/api/providers/health/direct", expect=200)
        _, rss = api(s, "GET", "/api/providers/health/rss", expect=200)
        log("health: direct %s", direct)
        self.assertEqual((direct["requests"], direct["failures"],
                          direct["consecutive_failures"]), (3, 3, 3))
        self.assertEqual(direct["success_rate"], 0)
        self.assertTrue(direct["last_error"])
        self.assertTrue(direct["last_error_at"])
        self.assertEqual(direct["breaker"], "open")
        self.assertEqual((rss["requests"], rss["successes"], rss["bytes"]),
                         (1, 1, size))
        self.assertEqual(next_json(nc, self.breaker),
                         {"provider": "direct", "state": "open"})
        _, doc = api(s, "GET", "/api/providers/available", expect=200)
        self.assertEqual(doc["providers"], ["rss", "hls"])
        _, doc = api(s, "GET", "/api/providers/best", expect=200)
        self.assertEqual(doc["provider"]["name"], "rss")
        self.assertEqual(metric(queue, "kumo_provider_breaker_state",
                                {"provider": "direct"}), 2)
        self.assertEqual(metric(queue, "kumo_provider_failures_total",
                                {"provider": "direct"}), 3)

        # While direct is open, an item [direct, rss] starts with rss.
        good2, digest2, _ = origin_file(s, "good/c.mkv", size=50_000, seed=2)
        item = add_sources(s, "failover-show", 2, [
            {"provider": "direct", "url": s.origin_url + "/unavailable/c.mkv"},
            {"provider": "rss", "url": good2}])
        row = wait_terminal(s, [item["id"]], timeout=20)[item["id"]]
        self.assertEqual(row["status"], "completed")
        self.assertEqual(requests_for(s, "/unavailable/c.mkv"), [])
        kinds = [e["event"] for e in events(s, item["id"])]
        self.assertIn("source_skipped", kinds)
        self.assertNotIn("source_failed", kinds)
        log("open breaker: item [direct, rss] went to rss at once: %s", kinds)

    def half_open_probe(self, s, nc, queue):
        t0 = time.monotonic()
        self.assertEqual(next_json(nc, self.breaker, timeout=10),
                         {"provider": "direct", "state": "half_open"})
        log("half_open %.1fs after the check", time.monotonic() - t0)
        _, doc = api(s, "GET", "/api/providers/health/direct", expect=200)
        self.assertEqual(doc["breaker"], "half_open")
        good3, digest3, _ = origin_file(s, "good/b.mkv", size=40_000, seed=3)
        item = add_sources(s, "probe-show", 1,
                           [{"provider": "direct", "url": good3}])
        row = wait_terminal(s, [item["id"]], timeout=20)[item["id"]]
        self.assertEqual(row["status"], "completed")
        self.assertEqual(next_json(nc, self.breaker),
                         {"provider": "direct", "state": "closed"})
        _, doc = api(s, "GET", "/api/providers/health/direct", expect=200)
        self.assertEqual((doc["breaker"], doc["requests"], doc["successes"],
                          doc["consecutive_failures"]), ("closed", 4, 1, 0))
        self.assertEqual(doc["success_rate"], 25)
        wait_until(lambda: metric(queue, "kumo_provider_breaker_state",
                                  {"provider": "direct"}) == 0,
                   timeout=5, what="breaker gauge back to 0")
        self.assertEqual(metric(queue, "kumo_provider_requests_total",
                                {"provider": "direct"}), 4)
        log("probe succeeded; direct closed: %s", doc)

    def chain_and_reset(self, s):
        _, doc = api(s, "GET", "/api/providers/failover", expect=200)
        self.assertEqual(doc["chain"], ["direct", "rss", "hls", "ytdlp"])
        _, doc = api(s, "DELETE", "/api/providers/failover/hls", expect=200)
        self.assertEqual(doc["chain"], ["direct", "rss", "ytdlp"])
        _, doc = api(s, "POST", "/api/providers/failover/hls/add", expect=200)
        self.assertEqual(doc["chain"], ["direct", "rss", "hls", "ytdlp"])
        _, doc = api(s, "POST", "/api/providers/health/direct/reset",
                     expect=200)
        self.assertEqual((doc["requests"], doc["breaker"]), (0, "closed"))

    def survives_restart(self, s, queue):
        s.restart_service(queue, wait=True)
        _, doc = api(s, "GET", "/api/providers/config/hls", expect=200)
        self.assertEqual((doc["timeout_s"], doc["max_connections"]), (60, 8))
        _, doc = api(s, "GET", "/api/providers/config/ytdlp", expect=200)
        self.assertFalse(doc["enabled"])
        _, doc = api(s, "GET", "/api/providers/health/rss", expect=200)
        self.assertEqual(doc["successes"], 2)
        log("after a queue restart: settings and health kept")


if __name__ == "__main__":
    unittest.main()
