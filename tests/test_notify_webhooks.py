"""Notifications: webhooks and Jellyfin/Plex refreshes from the queue's
PostgreSQL delivery queue.

No real Jellyfin or Plex server exists here: an HTTP receiver on 127.0.0.1
started by the test stands in for all of them and records every call.

Tried and asserted:
- a webhook target (events episode.imported) whose receiver answers 500
  three times, then 200: after one real download completes, the receiver
  saw four POSTs with one and the same body and `id`, each signed with
  `X-Kumo-Signature: sha256=HMAC-SHA256(secret, body)` and a timestamp;
  the delivery log says delivered, 4 attempts, response 200, and the
  event was delivered once (one 200);
- Jellyfin and Plex targets got `POST /Library/Refresh` with
  `X-Emby-Token` and `GET /library/sections/4/refresh?X-Plex-Token=...`
  for that import;
- GET /api/webhooks shows "<redacted>", never a secret; no secret is in the
  queue's log;
- events heard on the bus (provider breaker open, new episodes, a finished
  scan, published here as the other services will) reach a target
  subscribed to them; a half-open breaker does not;
- a delivery pending while its receiver is down survives a SIGKILL of the
  queue and is delivered after the restart with the same id;
- bad input changes nothing: a target at 127.0.0.2 (loopback, not in
  KUMO_NOTIFY_ALLOW_CIDRS) or with an unknown kind/event or no secret is
  refused with 400 naming the field; a queue without an allowlist refuses
  127.0.0.1 at creation and, for a host name resolving to loopback
  ("localhost"), at connect time with a clear error in the delivery log.
"""
# ctest-properties: TIMEOUT 180

import hashlib
import hmac
import json
import os
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pipeline_support import (Receiver, Stack, add, api, origin_file, start_stack,  # noqa: E402
                              start_worker, wait_terminal, wait_until)

SECRET = "s3cret-webhook-key"
JF_KEY = "jf-api-key-123"
PLEX_TOKEN = "plex-token-456"


def signed(call, secret):
    want = "sha256=" + hmac.new(secret.encode(), call["body"],
                                hashlib.sha256).hexdigest()
    return hmac.compare_digest(call["headers"].get("X-Kumo-Signature", ""), want)


def create(s, body, expect=201):
    return api(s, "POST", "/api/webhooks", body, expect=expect)[1]


def deliveries(s, target_id):
    return api(s, "GET", "/api/webhooks/%s/deliveries" % target_id,
               expect=200)[1]["deliveries"]


QUEUE_NOTIFY_ENV = {
    "KUMO_NOTIFY_ALLOW_CIDRS": "127.0.0.1/32",
    "KUMO_NOTIFY_RETRY_DELAY": "200ms",
    "KUMO_NOTIFY_POLL": "100ms",
    "KUMO_NOTIFY_TIMEOUT": "2s",  # a lease of 12 s: a send cut by SIGKILL is retried soon
}


class NotifyWebhooks(unittest.TestCase):

    def setUp(self):
        self.rx = Receiver()

    def tearDown(self):
        self.rx.close()

    def test_webhooks_connectors_and_restart(self):
        rx = self.rx
        with Stack(name="notify") as s:
            queue = start_stack(s, queue_env=QUEUE_NOTIFY_ENV)
            self.check_refusals(s, rx)
            hook = create(s, {"name": "hook", "kind": "webhook",
                              "url": rx.url("/hook"), "secret": SECRET,
                              "events": ["episode.imported"]})
            self.assertEqual(hook["secret"], "<redacted>")
            create(s, {"name": "jf", "kind": "jellyfin", "url": rx.url("/jf/"),
                       "secret": JF_KEY})
            create(s, {"name": "plex", "kind": "plex", "url": rx.url("/plex"),
                       "secret": PLEX_TOKEN, "section": "4"})
            rx.plan["/hook"] = [500, 500, 500]
            self.import_one_episode(s, rx, hook)
            self.bus_events(s, rx)
            self.survives_sigkill(s, rx, queue)
            listing = json.dumps(api(s, "GET", "/api/webhooks", expect=200)[1])
            for secret in (SECRET, JF_KEY, PLEX_TOKEN):
                self.assertNotIn(secret, listing)
                self.assertNotIn(secret, queue.log_text())

    def check_refusals(self, s, rx):
        base = {"name": "x", "kind": "webhook", "url": rx.url("/x"),
                "secret": "k"}
        cases = [({"url": "http://127.0.0.2:%d/x" % rx.port}, "url"),
                 ({"url": "http://192.168.1.1/x"}, "url"),
                 ({"kind": "email"}, "kind"),
                 ({"events": ["episode.imported", "nope"]}, "events[1]"),
                 ({"secret": ""}, "secret"),
                 ({"kind": "plex"}, "section")]
        for change, field in cases:
            status, doc = api(s, "POST", "/api/webhooks", dict(base, **change))
            self.assertEqual(status, 400, (change, doc))
            self.assertEqual(doc["error"]["field"], field, doc)
        status, doc = api(s, "POST", "/api/webhooks", dict(base, url="http://127.0.0.2/x"))
        self.assertIn("not allowed", doc["error"]["message"])
        self.assertIn("KUMO_NOTIFY_ALLOW_CIDRS", doc["error"]["message"])
        status, doc = api(s, "PUT", "/api/webhooks/not-a-uuid", {"name": "y"})
        self.assertEqual(status, 400)
        status, _ = api(s, "DELETE",
                        "/api/webhooks/00000000-0000-4000-8000-000000000000")
        self.assertEqual(status, 404)
        self.assertEqual(api(s, "GET", "/api/webhooks", expect=200)[1],
                         {"webhooks": []})

    def import_one_episode(self, s, rx, hook):
        start_worker(s, jobs=1)
        url, _, _ = origin_file(s, "ep.bin", size=256 << 10, seed=3)
        item = add(s, "notify-show", [(1, 2, url)])[0]
        wait_terminal(s, [item["id"]], timeout=30)
        wait_until(lambda: any(c["status"] == 200 for c in rx.to("/hook")),
                   timeout=20, what="webhook delivered")
        calls = rx.to("/hook")
        self.assertEqual([c["status"] for c in calls], [500, 500, 500, 200])
        bodies = {c["body"] for c in calls}
        self.assertEqual(len(bodies), 1, "every attempt sends the same body")
        body = json.loads(calls[0]["body"])
        self.assertEqual(body["event"], "episode.imported")
        self.assertEqual(body["data"]["item"], item["id"])
        self.assertEqual(body["data"]["path"], item["target_path"])
        self.assertEqual(body["data"]["bytes"], 256 << 10)
        for c in calls:
            self.assertTrue(signed(c, SECRET), c["headers"])
            self.assertEqual(c["headers"]["X-Kumo-Delivery"], body["id"])
            self.assertTrue(c["headers"]["X-Kumo-Timestamp"].isdigit())
        log = wait_until(lambda: [d for d in deliveries(s, hook["id"])
                                  if d["status"] == "delivered"],
                         timeout=10, what="delivery log")
        self.assertEqual(log[0]["id"], body["id"])
        self.assertEqual(log[0]["attempts"], 4)
        self.assertEqual(log[0]["response_code"], 200)
        wait_until(lambda: rx.to("/jf/") and rx.to("/plex/"), timeout=10,
                   what="library refreshes")
        jf = rx.to("/jf/")
        self.assertEqual(len(jf), 1)
        self.assertEqual((jf[0]["method"], jf[0]["path"]),
                         ("POST", "/jf/Library/Refresh"))
        self.assertEqual(jf[0]["headers"]["X-Emby-Token"], JF_KEY)
        plex = rx.to("/plex/")
        self.assertEqual(len(plex), 1)
        self.assertEqual(plex[0]["method"], "GET")
        self.assertEqual(plex[0]["path"], "/plex/library/sections/4/refresh"
                         "?X-Plex-Token=" + PLEX_TOKEN)

    def bus_events(self, s, rx):
        target = create(s, {"name": "ops", "kind": "webhook",
                            "url": rx.url("/ops"), "secret": SECRET,
                            "events": ["provider.breaker", "series.new_episodes",
                                       "scan.finished"]})
        nc = s.nats_client("admin")
        try:
            nc.publish("kumo.events.provider.breaker",
                       json.dumps({"provider": "direct", "state": "half_open"}))
            nc.publish("kumo.events.provider.breaker",
                       json.dumps({"provider": "direct", "state": "open"}))
            nc.publish("kumo.events.series.new_episodes",
                       json.dumps({"key": "notify-show", "episodes": [
                           {"season": 1, "episode": 3}]}))
            nc.publish("kumo.progress.scan", json.dumps(
                {"id": "scan:9", "kind": "scan", "status": "completed",
                 "metadata": {"scan": {"id": 9, "files": 3}}}))
            nc.flush()
        finally:
            nc.close()
        wait_until(lambda: len(rx.to("/ops")) >= 3, timeout=15,
                   what="bus events delivered")
        time.sleep(0.5)
        got = sorted(json.loads(c["body"])["event"] for c in rx.to("/ops"))
        self.assertEqual(got, ["provider.breaker", "scan.finished",
                               "series.new_episodes"])
        breaker = [json.loads(c["body"]) for c in rx.to("/ops")
                   if b"breaker" in c["body"]][0]
        self.assertEqual(breaker["data"], {"provider": "direct", "state": "open"})
        self.assertTrue(all(signed(c, SECRET) for c in rx.to("/ops")))
        self.assertEqual(len(deliveries(s, target["id"])), 3)

    def survives_sigkill(self, s, rx, queue):
        target = create(s, {"name": "late", "kind": "webhook",
                            "url": rx.url("/late"), "secret": SECRET,
                            "events": ["test"]})
        rx.down = True
        sent = api(s, "POST", "/api/webhooks/%s/test" % target["id"],
                   expect=202)[1]
        wait_until(lambda: rx.to("/late"), timeout=10, what="first attempt")
        queue.kill(signal.SIGKILL)
        queue.wait_exit(10)
        rx.down = False
        s.restart_service(queue, wait=True)
        wait_until(lambda: any(c["status"] == 200 for c in rx.to("/late")),
                   timeout=30, what="delivery after the restart")
        ids = {json.loads(c["body"])["id"] for c in rx.to("/late")}
        self.assertEqual(ids, {sent["delivery"]})
        self.assertEqual(sum(c["status"] == 200 for c in rx.to("/late")), 1)


class NotifyWithoutAllowlist(unittest.TestCase):

    def test_loopback_refused_without_allowlist(self):
        rx = Receiver()
        try:
            with Stack(name="notify-deny") as s:
                start_stack(s, queue_env={"KUMO_NOTIFY_RETRY_DELAY": "200ms",
                                          "KUMO_NOTIFY_POLL": "100ms",
                                          "KUMO_NOTIFY_MAX_ATTEMPTS": "2"})
                status, doc = api(s, "POST", "/api/webhooks", {
                    "name": "lo", "kind": "webhook", "url": rx.url("/lo"),
                    "secret": "k"})
                self.assertEqual(status, 400, doc)
                self.assertEqual(doc["error"]["field"], "url")
                self.assertIn("127.0.0.1", doc["error"]["message"])
                # A name is checked where it resolves: at connect time.
                target = create(s, {"name": "by-name", "kind": "webhook",
                                    "url": "http://localhost:%d/lo" % rx.port,
                                    "secret": "k"})
                api(s, "POST", "/api/webhooks/%s/test" % target["id"],
                    expect=202)
                log = wait_until(lambda: [d for d in deliveries(s, target["id"])
                                          if d["status"] == "failed"],
                                 timeout=20, what="refused delivery")
                self.assertIn("is not allowed", log[0]["last_error"])
                self.assertIn("KUMO_NOTIFY_ALLOW_CIDRS", log[0]["last_error"])
                self.assertIsNone(log[0]["response_code"])
                self.assertEqual(rx.calls, [])
        finally:
            rx.close()


if __name__ == "__main__":
    unittest.main()
