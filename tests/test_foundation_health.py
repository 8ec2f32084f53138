"""GET /api/health reports every service, live, over NATS.

All five services up -> 200 and every service "up". SIGKILL the queue ->
within 3 s the answer is 503 with queue "down" and the others still "up".
Restart the queue -> 200 again. /api/health needs no login.
"""

import os
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))

from kumo_harness import SERVICES, Stack, http_json  # noqa: E402


def health(stack):
    return http_json("GET", stack.gateway_url + "/api/health", timeout=5)


def statuses(doc):
    return {name: entry.get("status")
            for name, entry in (doc or {}).get("services", {}).items()}


class HealthOverNats(unittest.TestCase):
    def assert_all_up(self, status, doc):
        self.assertEqual(status, 200, doc)
        self.assertEqual(doc.get("status"), "ok", doc)
        self.assertEqual(statuses(doc), {name: "up" for name in SERVICES}, doc)

    def test_health_follows_a_killed_and_restarted_queue(self):
        with Stack(name="health") as s:
            s.start_postgres()
            s.start_nats()
            svcs = s.start_all()
            status, doc = health(s)
            self.assert_all_up(status, doc)
            for name in SERVICES:
                inst = doc["services"][name]["instances"]
                self.assertEqual(len(inst), 1, "%s: one instance expected" % name)
                self.assertEqual(inst[0]["instance"], svcs[name].instance)

            queue = svcs["queue"]
            queue.kill(signal.SIGKILL)
            killed = time.monotonic()
            while True:
                status, doc = health(s)
                if statuses(doc).get("queue") == "down":
                    break
                self.assertLess(time.monotonic() - killed, 3.0,
                                "queue still reported after 3 s: %s" % doc)
                time.sleep(0.1)
            print("  queue reported down %.2fs after SIGKILL" % (
                time.monotonic() - killed))
            self.assertEqual(status, 503, doc)
            self.assertNotEqual(doc.get("status"), "ok")
            others = {n: st for n, st in statuses(doc).items() if n != "queue"}
            self.assertEqual(others, {n: "up" for n in SERVICES if n != "queue"}, doc)

            s.restart_service(queue, wait=True)
            status, doc = health(s)
            self.assert_all_up(status, doc)

    def test_two_replicas_are_both_listed(self):
        with Stack(name="health-replicas") as s:
            s.start_postgres()
            s.start_nats()
            s.start_all()
            extra = s.start_service("downloader")
            extra.wait_ready()
            status, doc = health(s)
            self.assertEqual(status, 200, doc)
            names = sorted(i["instance"] for i in doc["services"]["downloader"]["instances"])
            self.assertEqual(names, ["downloader-1", "downloader-2"], doc)


if __name__ == "__main__":
    unittest.main(verbosity=2)
