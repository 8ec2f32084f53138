"""GET /api/health answers as soon as every known instance replied.

What is tried, against all five services (real PostgreSQL, nats-server):

- after a first call (which learns the instances), the median latency of 20
  calls of /api/health with every service up is under 100 ms (the health
  window is 500 ms);
- a SIGKILLed queue is still reported down (503, queue "down", its instance
  listed as down), within 3 s, and the other services up.
"""

import os
import signal
import statistics
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))

from kumo_harness import SERVICES, Stack, http_json  # noqa: E402


def statuses(doc):
    return {name: entry.get("status")
            for name, entry in (doc or {}).get("services", {}).items()}


def timed_health(url):
    started = time.monotonic()
    status, doc = http_json("GET", url + "/api/health", timeout=5)
    return time.monotonic() - started, status, doc


class HealthLatency(unittest.TestCase):
    def test_fast_when_all_known_instances_answer(self):
        with Stack(name="health-latency") as s:
            s.start_postgres()
            s.start_nats()
            svcs = s.start_all()
            _, status, doc = timed_health(s.gateway_url)  # learns the instances
            self.assertEqual(status, 200, doc)
            times = []
            for _ in range(20):
                elapsed, status, doc = timed_health(s.gateway_url)
                self.assertEqual(status, 200, doc)
                times.append(elapsed)
            median = statistics.median(times)
            print("  /api/health median %.1f ms, max %.1f ms over 20 calls" % (
                median * 1000, max(times) * 1000))
            self.assertLess(median, 0.1)

            queue = svcs["queue"]
            queue.kill(signal.SIGKILL)
            killed = time.monotonic()
            while True:
                _, status, doc = timed_health(s.gateway_url)
                if statuses(doc).get("queue") == "down":
                    break
                self.assertLess(time.monotonic() - killed, 3.0, doc)
                time.sleep(0.1)
            self.assertEqual(status, 503, doc)
            listed = doc["services"]["queue"]["instances"]
            self.assertIn({"instance": queue.instance, "status": "down"}, listed)
            others = {n: st for n, st in statuses(doc).items() if n != "queue"}
            self.assertEqual(others, {n: "up" for n in SERVICES if n != "queue"}, doc)


if __name__ == "__main__":
    unittest.main(verbosity=2)
