"""The queue's request contract end to end: gateway, queue service and
PostgreSQL.

Tried, against real PostgreSQL, nats-server, queue and gateway processes
(queue and gateway with KUMO_FETCH_ALLOW_CIDRS=127.0.0.1/32):

- POST /api/queue/add with a source URL whose literal address is not
  allowed, in every spelling (decimal, octal, hex IPv4, trailing dot,
  bracketed IPv6 and IPv4-mapped, userinfo before the host, private and
  link-local ranges) -> 400 naming episodes[0].source.url; queue_items and
  queue_events unchanged. The same request sent straight to the queue over
  NATS (bypassing the gateway) is refused by the queue with the same
  message. An allowed literal (127.0.0.1, inside the allowlist) -> 201.
- Two series with the same folder and episode name render the same target
  path: the second add -> 409 naming the first item and series; nothing of
  it is queued.
- GET /api/queue/status with 130 pending items: pages of 50, 50, 30 by
  pending_cursor, every item once in claim order, totals in pages and
  counts; limit=201, limit=0, limit=x and forged cursors -> 400.
- A queue or gateway started with a malformed KUMO_FETCH_ALLOW_CIDRS exits
  with code 2 and one error log line naming the option.
"""
# ctest-properties: TIMEOUT 180

import json
import os
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))

from kumo_harness import Stack, http  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mini_nats import NatsClient  # noqa: E402

REFUSED_URLS = [
    "http://127.0.0.2/e.mkv",
    "http://2130706434/e.mkv",
    "http://0x7f.2/e.mkv",
    "http://017700000002/e.mkv",
    "http://127.0.0.2./e.mkv",
    "http://[::1]/e.mkv",
    "http://[::ffff:127.0.0.2]/e.mkv",
    "http://[::ffff:7f00:2]:8080/e.mkv",
    "http://a@127.0.0.1/e.mkv",
    "http://10.0.0.1/e.mkv",
    "http://192.168.1.20/e.mkv",
    "http://169.254.169.254/latest/meta-data",
    "http://[fe80::1]/e.mkv",
    "http://0/e.mkv",
]


def add_body(serie_id, url="http://127.0.0.1:9/e.mkv", folder=None, episodes=None):
    folder = folder or serie_id
    eps = episodes or [{"season": 1, "episode": 1,
                        "source": {"provider": "direct", "url": url}}]
    return {"serie_id": serie_id, "serie_folder": folder, "serie_name": folder,
            "episodes": eps}


class QueueRequestsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = Stack("queue-requests")
        s = cls.stack
        s.start_postgres()
        s.start_nats()
        cls.queue = s.start_service("queue")
        cls.gateway = s.start_service("gateway")
        cls.queue.wait_ready()
        cls.gateway.wait_ready()
        cls.token = s.login()

    @classmethod
    def tearDownClass(cls):
        cls.stack.close()

    def api(self, method, path, body=None):
        status, _, payload = http(method, self.stack.gateway_url + path, body,
                                  token=self.token)
        return status, json.loads(payload) if payload else None

    def count(self, table):
        return int(self.stack.psql("SELECT count(*) FROM %s" % table)[0][0])

    def test_1_literal_addresses_are_refused_at_add_time(self):
        items, events = self.count("queue_items"), self.count("queue_events")
        for url in REFUSED_URLS:
            status, doc = self.api("POST", "/api/queue/add", add_body("lit", url))
            self.assertEqual(status, 400, "%s: %s" % (url, doc))
            self.assertEqual(doc["error"]["code"], "invalid_argument")
            self.assertEqual(doc["error"]["field"], "episodes[0].source.url", url)
            print("  400 %-40s %s" % (url, doc["error"]["message"][:80]))
        self.assertEqual(self.count("queue_items"), items)
        self.assertEqual(self.count("queue_events"), events)
        # Straight to the queue over NATS: the queue applies the same contract.
        nats = NatsClient(self.stack.nats_url, name="test")
        try:
            for url in ("http://2130706434/e.mkv", "http://[::1]/e.mkv"):
                reply = json.loads(nats.request(
                    "kumo.queue.cmd.add", json.dumps(add_body("lit", url)), timeout=5))
                self.assertEqual(reply["error"]["code"], "invalid_argument", reply)
                self.assertIn("episodes[0].source.url", reply["error"]["message"])
        finally:
            nats.close()
        self.assertEqual(self.count("queue_items"), items)
        status, doc = self.api("POST", "/api/queue/add", add_body("lit-ok"))
        self.assertEqual(status, 201, doc)

    def test_2_a_target_path_belongs_to_one_episode(self):
        status, first = self.api("POST", "/api/queue/add",
                                 add_body("show-one", folder="Shared Show"))
        self.assertEqual(status, 201, first)
        owner = first["items"][0]
        before = self.count("queue_items")
        status, doc = self.api("POST", "/api/queue/add",
                               add_body("show-two", folder="Shared Show"))
        self.assertEqual(status, 409, doc)
        message = doc["error"]["message"]
        print("  409 %s" % message)
        self.assertIn(owner["id"], message)
        self.assertIn("show-one S01E01", message)
        self.assertIn(owner["target_path"], message)
        self.assertEqual(self.count("queue_items"), before)
        self.assertEqual(int(self.stack.psql(
            "SELECT count(*) FROM queue_items WHERE serie_id = 'show-two'")[0][0]), 0)

    def test_3_status_is_paged(self):
        eps = [{"season": 2, "episode": e,
                "source": {"provider": "direct", "url": "http://127.0.0.1:9/%d.mkv" % e}}
               for e in range(1, 131)]
        status, doc = self.api("POST", "/api/queue/add", add_body("paged", episodes=eps))
        self.assertEqual(status, 201, doc)
        expected = [r[0] for r in self.stack.psql(
            "SELECT id FROM queue_items WHERE status = 'pending' "
            "ORDER BY priority DESC, queued_at, seq")]
        total = len(expected)
        self.assertGreaterEqual(total, 130)
        seen, sizes, cursor = [], [], None
        while True:
            query = "?limit=50" + ("&pending_cursor=" + urllib.parse.quote(cursor)
                                   if cursor else "")
            status, page = self.api("GET", "/api/queue/status" + query)
            self.assertEqual(status, 200, page)
            self.assertEqual(page["pages"]["pending_queue"]["total"], total)
            self.assertEqual(page["counts"]["pending"], total)
            sizes.append(len(page["pending_queue"]))
            seen += [i["id"] for i in page["pending_queue"]]
            cursor = page["pages"]["pending_queue"]["next_cursor"]
            if cursor is None:
                break
            self.assertLess(len(sizes), 10, "the cursor does not advance")
        print("  pages of %s for %d pending items" % (sizes, total))
        self.assertEqual(seen, expected)
        status, page = self.api("GET", "/api/queue/status")
        self.assertEqual(len(page["pending_queue"]), 50, "default limit")
        good = page["pages"]["pending_queue"]["next_cursor"]
        for query in ("limit=201", "limit=0", "limit=x", "limit=-1",
                      "pending_cursor=abc", "pending_cursor=c1.zz",
                      "failed_cursor=" + urllib.parse.quote(good[:-1]),
                      "pending_cursor=%27%20OR%201%3D1",
                      "pending_cursor=" + "a" * 5000,
                      "limit=5&limit=6"):
            status, doc = self.api("GET", "/api/queue/status?" + query)
            self.assertEqual(status, 400, "%s: %s" % (query, str(doc)[:300]))
            self.assertEqual(doc["error"]["code"], "invalid_argument")

    def test_4_a_malformed_allowlist_stops_the_service(self):
        for name in ("queue", "gateway"):
            svc = self.stack.start_service(
                name, env={"KUMO_FETCH_ALLOW_CIDRS": "10.0.0.0/99"})
            self.assertEqual(svc.wait_exit(30), 2, name)
            errors = [l for l in svc.logs() if l.get("level") == "error"]
            self.assertEqual(len(errors), 1, errors)
            self.assertIn("KUMO_FETCH_ALLOW_CIDRS", errors[0]["msg"])
            print("  %s: exit 2, %s" % (name, errors[0]["msg"]))


if __name__ == "__main__":
    unittest.main(verbosity=2)
