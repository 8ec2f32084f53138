"""A worker frozen (SIGSTOP) past its lease loses the job; when it wakes up
it changes nothing.

Tried: a 32 MiB file at 8 MiB/s; worker A (1 slot) claims it and gets
SIGSTOP when about a third is on disk. With A frozen, its lease (3 s)
expires, worker B claims the job, resumes it and completes it. Then A gets
SIGCONT and runs on for a while. Asserted:
- the job completes once: final sha256 equals the origin's, exactly one
  'completed' event, nothing left in the library but the final file;
- after A woke up the final file stays byte-identical with the same mtime
  (watched for 4 s), and no .part reappears;
- nothing A says after its lease expired is applied: every queue_event
  carrying A's lease token is older than the 'lease_expired' event, and A's
  stale word is refused (its log says its lease was lost or expired, and
  the queue's kumo_queue_stale_reports_total or A's log shows the refusal);
- A's own job ends as "lost" or "lease_expired", never "completed".
"""
# ctest-properties: TIMEOUT 120

import os
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pipeline_support import (Stack, add, check_completed, events,  # noqa: E402
                              file_stable, items, leftovers, library_path, log,
                              metric, origin_file, part_size, start_stack,
                              start_worker, wait_part_at_least, wait_status,
                              wait_terminal)

SIZE = 32 << 20
RATE = "8m"


class PipelineStaleWorker(unittest.TestCase):

    def test_stale_worker(self):
        with Stack(name="pipeline-stale") as s:
            queue = start_stack(s, nginx={
                "locations": "    location /slow/ { limit_rate %s; }" % RATE})
            url, digest, size = origin_file(s, "slow/stale.bin", size=SIZE, seed=3)
            a = start_worker(s, jobs=1)
            item = add(s, "stale-worker", [(1, 1, url)])[0]
            wait_status(s, item["id"], "downloading", timeout=10)
            token_a = items(s, [item["id"]])[item["id"]]["lease_token"]
            wait_part_at_least(s, item, size // 3, timeout=20)
            a.send_signal(signal.SIGSTOP)
            stopped_at = time.monotonic()
            log("SIGSTOP %s with %d bytes in .part (lease token %s)", a.instance,
                part_size(s, item), token_a)
            stale_before = metric(queue, "kumo_queue_stale_reports_total")

            b = start_worker(s, jobs=1)
            final = wait_terminal(s, [item["id"]], timeout=40)[item["id"]]
            log("completed by %s (owner of the last lease) %.1fs after SIGSTOP",
                b.instance, time.monotonic() - stopped_at)
            self.assertEqual(check_completed(s, {item["id"]: digest}), [])
            self.assertEqual(leftovers(s), [])
            self.assertNotEqual(final["lease_token"], token_a)

            a.send_signal(signal.SIGCONT)
            log("SIGCONT %s", a.instance)
            ended = a.wait_log(lambda l: l.get("msg") == "job ended"
                               and l.get("item") == item["id"], timeout=20)
            log("%s says its job ended: outcome=%s bytes_done=%s", a.instance,
                ended.get("outcome"), ended.get("bytes_done"))
            self.assertIn(ended.get("outcome"), ("lost", "lease_expired"))
            path = library_path(s, item)
            file_stable(path, 4)
            self.assertEqual(leftovers(s), [])
            self.assertEqual(check_completed(s, {item["id"]: digest}), [])

            evs = events(s, item["id"])
            log("history: %s", [(e["event"], e["worker"]) for e in evs])
            expired = [e for e in evs if e["event"] == "lease_expired"]
            self.assertEqual(len(expired), 1)
            self.assertEqual(expired[0]["lease_token"], token_a)
            late = [e for e in evs if e["lease_token"] == token_a
                    and e["id"] > expired[0]["id"]]
            self.assertEqual(late, [], "events applied for the stale lease")
            self.assertEqual([e["event"] for e in evs].count("completed"), 1)

            stale_after = metric(queue, "kumo_queue_stale_reports_total")
            msgs = [l.get("msg") for l in a.logs() if l.get("item") == item["id"]]
            log("queue stale reports %s -> %s; %s's log about the job: %s",
                stale_before, stale_after, a.instance, msgs)
            self.assertTrue({"lease lost", "lease expired locally; stopped writing"}
                            & set(msgs), msgs)
            self.assertTrue(stale_after > stale_before or "lease lost" in msgs)
            self.assertNotIn("completed", [l.get("outcome") for l in a.logs()])
            for w in (a, b):
                self.assertEqual(w.stop(), 0, w.instance)


if __name__ == "__main__":
    unittest.main(verbosity=2)
