"""The queue service, nats-server and PostgreSQL restarted while a batch is
downloading.

Tried: 40 files of 1.5-3.5 MiB at 1 MiB/s per connection, two downloader
processes with 3 slots each (a lease of 3 s). While the batch runs, each
for 4 s (longer than a lease): the queue service gets SIGKILL and is
started again; nats-server is stopped (SIGTERM) and started on the same
port; PostgreSQL is stopped in immediate mode (no checkpoint: crash
recovery) and started again. Asserted:
- every item completes, each final file's sha256 equals the origin's;
- exactly one 'completed' event per item; nothing pending, downloading or
  failed; no .part or temporary file left;
- the services recovered on their own: queue, gateway and both workers
  are ready again and never exited.
Printed: what each restart did to the batch (completed counts, lease
expiries, releases, retries, requests with Range).
"""
# ctest-properties: TIMEOUT 180

import os
import random
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pipeline_support import (Stack, add, api, check_completed, events,  # noqa: E402
                              items, leftovers, log, origin_file, start_stack,
                              start_worker, wait_terminal)

COUNT = 40
# Each outage outlasts the lease (3 s), so workers lose their leases, stop
# writing, and the jobs are resumed from their durable offsets afterwards.
OUTAGE = 4.0


def completed(s):
    try:
        return sum(1 for i in items(s).values() if i["status"] == "completed")
    except RuntimeError:
        return -1  # PostgreSQL down


def wait_completed(s, n, timeout):
    deadline = time.monotonic() + timeout
    while completed(s) < n:
        if time.monotonic() > deadline:
            raise AssertionError("fewer than %d completed after %ss" % (n, timeout))
        time.sleep(0.2)


class PipelineRestarts(unittest.TestCase):

    def test_restarts(self):
        rng = random.Random(5)
        with Stack(name="pipeline-restarts") as s:
            queue = start_stack(s, nginx={
                "locations": "    location /slow/ { limit_rate 1m; }"})
            files = []
            for n in range(COUNT):
                size = rng.randint(3 << 19, 7 << 19)
                url, digest, _ = origin_file(s, "slow/r%02d.bin" % n, size=size,
                                            seed=100 + n)
                files.append((1, n + 1, url, digest, size))
            total = sum(f[4] for f in files)
            workers = [start_worker(s, jobs=3) for _ in range(2)]
            t0 = time.monotonic()
            added = add(s, "restart-series", [f[:3] for f in files])
            expected = {it["id"]: f[3] for it, f in zip(added, files)}
            log("batch of %d files (%.1f MiB) added", COUNT, total / (1 << 20))

            wait_completed(s, 4, 30)
            log("queue: SIGKILL at %.1fs with %d completed", time.monotonic() - t0,
                completed(s))
            queue.kill(signal.SIGKILL)
            time.sleep(OUTAGE)
            s.restart_service(queue, wait=True)
            log("queue: ready again at %.1fs", time.monotonic() - t0)

            wait_completed(s, 12, 40)
            log("nats-server: stop at %.1fs with %d completed",
                time.monotonic() - t0, completed(s))
            s.stop_nats()
            time.sleep(OUTAGE)
            s.start_nats()
            log("nats-server: started again at %.1fs", time.monotonic() - t0)

            wait_completed(s, 20, 40)
            log("postgres: immediate stop at %.1fs with %d completed",
                time.monotonic() - t0, completed(s))
            s.stop_postgres(mode="immediate")
            time.sleep(OUTAGE)
            s.start_postgres()
            log("postgres: started again at %.1fs", time.monotonic() - t0)

            wait_terminal(s, expected, timeout=90)
            log("all %d items terminal at %.1fs", COUNT, time.monotonic() - t0)

            problems = check_completed(s, expected)
            self.assertEqual(problems, [], "\n".join(problems[:20]))
            self.assertEqual(leftovers(s), [])
            counts = {}
            for i in items(s).values():
                counts[i["status"]] = counts.get(i["status"], 0) + 1
            self.assertEqual(counts, {"completed": COUNT})

            evs = events(s)
            tally = {}
            for e in evs:
                tally[e["event"]] = tally.get(e["event"], 0) + 1
            ranged = [r for r in s.nginx_requests_detail() if r["range"]]
            log("events: %s", tally)
            log("origin: %d requests, %d with Range (%s), %.1f MiB sent for %.1f MiB",
                len(s.nginx_requests_detail()), len(ranged),
                sorted(set(r["status"] for r in ranged)),
                sum(r["bytes"] for r in s.nginx_requests_detail()) / (1 << 20),
                total / (1 << 20))
            self.assertEqual(tally.get("completed"), COUNT)

            for svc in [queue, s.gateway] + workers:
                self.assertTrue(svc.running(), svc.instance)
                self.assertEqual(svc.readyz(), 200, svc.instance)
            _, status = api(s, "GET", "/api/queue/status", expect=200)
            self.assertEqual(status["counts"]["completed"], COUNT)
            for w in workers:
                self.assertEqual(w.stop(), 0, w.instance)


if __name__ == "__main__":
    unittest.main(verbosity=2)
