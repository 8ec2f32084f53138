"""A frozen worker whose item was cancelled, and the episode added again,
must not touch the new item's partial file when it wakes up.

Tried: a 32 MiB file at 8 MiB/s; worker A (1 slot) downloads item X and
gets SIGSTOP when a quarter is on disk. Worker B starts. X is cancelled
through the API and the same episode is added again (item Y: same target
path, hence the same `<final>.part`); B claims Y and writes a quarter of it.
Then A gets SIGCONT: it hears, late, that X was cancelled (job control,
heartbeat reply, and possibly the queue's partial-file discard request that
NATS handed to A while it was frozen). Asserted:
- Y completes with the origin's sha256 and exactly one 'completed' event;
- Y is undisturbed: a single attempt, history added, claimed, commit,
  completed (no retry because its .part vanished), one origin request;
- nothing is left in the library but Y's final file.
"""
# ctest-properties: TIMEOUT 120

import os
import signal
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pipeline_support import (Stack, add, api, check_completed, events,  # noqa: E402
                              items, leftovers, log, origin_file, part_size,
                              requests_for, start_stack, start_worker,
                              wait_part_at_least, wait_status, wait_terminal)

SIZE = 32 << 20
RATE = "8m"


class PipelineStaleCancel(unittest.TestCase):

    def test_stale_worker_of_a_cancelled_item(self):
        with Stack(name="pipeline-stale-cancel") as s:
            start_stack(s, nginx={
                "locations": "    location /slow/ { limit_rate %s; }" % RATE})
            url, digest, size = origin_file(s, "slow/again.bin", size=SIZE, seed=4)
            a = start_worker(s, jobs=1)
            first = add(s, "stale-cancel", [(1, 1, url)])[0]
            wait_status(s, first["id"], "downloading", timeout=10)
            wait_part_at_least(s, first, size // 4, timeout=20)
            a.send_signal(signal.SIGSTOP)
            log("SIGSTOP %s with %d bytes in .part of item X", a.instance,
                part_size(s, first))
            b = start_worker(s, jobs=1)
            _, doc = api(s, "POST", "/api/queue/%s/cancel" % first["id"], expect=200)
            self.assertEqual(doc["status"], "cancelled")
            again = add(s, "stale-cancel", [(1, 1, url)])[0]
            self.assertNotEqual(again["id"], first["id"])
            self.assertEqual(again["target_path"], first["target_path"])
            wait_status(s, again["id"], "downloading", timeout=15)
            self.assertEqual(items(s, [again["id"]])[again["id"]]["owner"], b.instance)
            wait_part_at_least(s, again, size // 4, timeout=20)
            log("X cancelled and added again as Y; %s has %d bytes of Y's .part",
                b.instance, part_size(s, again))

            a.send_signal(signal.SIGCONT)
            ended = a.wait_log(lambda l: l.get("msg") == "job ended"
                               and l.get("item") == first["id"], timeout=20)
            log("SIGCONT %s: its job X ended with outcome=%s; its log about X: %s",
                a.instance, ended.get("outcome"),
                [l.get("msg") for l in a.logs() if l.get("item") == first["id"]])
            final = wait_terminal(s, [again["id"]], timeout=40)[again["id"]]
            history = [e["event"] for e in events(s, again["id"])]
            reqs = requests_for(s, "/slow/again.bin")
            log("Y: %s, attempts %d, history %s; origin requests (status, range, "
                "bytes) %s", final["status"], final["attempts"], history,
                [(r["status"], r["range"], r["bytes"]) for r in reqs])
            log("%s's log about Y: %s", b.instance,
                [(l.get("msg"), l.get("error", "")) for l in b.logs()
                 if l.get("item") == again["id"]])
            self.assertEqual(check_completed(s, {again["id"]: digest}), [])
            self.assertEqual(leftovers(s), [])
            self.assertEqual(history, ["added", "claimed", "commit", "completed"])
            self.assertEqual(final["attempts"], 1)
            self.assertEqual(len(reqs), 2)  # X's (stopped by SIGSTOP) and Y's
            for w in (a, b):
                self.assertEqual(w.stop(), 0, w.instance)


if __name__ == "__main__":
    unittest.main(verbosity=2)
