"""One job's story can be read from the services' JSON logs alone.

Tried: a 12 MiB file served by nginx at 3 MiB/s. Worker A (1 slot) claims
the job and is killed (SIGKILL) when about a third is on disk; the queue's
reaper expires A's lease (3 s) and worker B claims the job again, resumes it
from A's partial file and completes it. Then every service's log (queue,
gateway, both downloaders) is filtered by the item id, as an operator does
with jq (docs/operations.md, "Following one job"). Asserted:
- the filtered lines tell the story in order (by timestamp), from both
  services: queue added -> queue claimed (A) -> downloader claimed (A) ->
  downloader connected (A) -> queue lease_expired (A) -> queue claimed (B)
  -> downloader claimed (B) -> downloader resumed (B) -> queue reported
  commit (B) -> downloader committed (B) -> queue reported completed (B);
- every line from the first claim on carries the `lease` field, and it is
  the fingerprint of that lease (first 8 hex digits of the SHA-256 of the
  token PostgreSQL recorded for it): A's lines A's, B's lines B's;
- no log line anywhere contains a lease token itself (a token lets its
  holder report on the job);
- the documented jq command, run over the log files, prints the same lines.
"""
# ctest-properties: TIMEOUT 180

import glob
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pipeline_support import (Stack, add, check_completed, events, items,  # noqa: E402
                              log, origin_file, part_size, start_stack,
                              start_worker, wait_durable, wait_part_at_least,
                              wait_terminal)

SIZE = 12 << 20
RATE = "3m"

# (service, event, extra condition, which lease: "A", "B" or None)
STORY = [
    ("queue", "added", {}, None),
    ("queue", "claimed", {}, "A"),
    ("downloader", "claimed", {}, "A"),
    ("downloader", "connected", {}, "A"),
    ("queue", "lease_expired", {}, "A"),
    ("queue", "claimed", {}, "B"),
    ("downloader", "claimed", {}, "B"),
    ("downloader", "resumed", {}, "B"),
    ("queue", "reported", {"outcome": "commit"}, "B"),
    ("downloader", "committed", {}, "B"),
    ("queue", "reported", {"outcome": "completed"}, "B"),
]


JQ_FILTER = """fromjson? | select(.item == $id)
  | {ts, service, event, lease, worker, offset, outcome, error, msg}
  | with_entries(select(.value != null))"""


def fingerprint(token):
    return hashlib.sha256(token.encode()).hexdigest()[:8]


def story_of(services, item_id):
    """Every JSON log line about `item_id`, ordered by timestamp (stable:
    one service's lines keep their order)."""
    lines = []
    for svc in services:
        for n, line in enumerate(svc.logs()):
            if line.get("item") == item_id:
                lines.append((line.get("ts", ""), svc.name, n, line))
    lines.sort(key=lambda t: t[0])
    return [line for _, _, _, line in lines]


def find_in_order(story, expected, leases):
    """Index of each expected step in `story`, searching forward; raises
    AssertionError naming the first step not found."""
    found = []
    start = 0
    for service, event, extra, lease in expected:
        for i in range(start, len(story)):
            line = story[i]
            if line.get("service") != service or line.get("event") != event:
                continue
            if any(line.get(k) != v for k, v in extra.items()):
                continue
            if lease and line.get("lease") != leases[lease]:
                continue
            found.append(i)
            start = i + 1
            break
        else:
            raise AssertionError("step %s %s %s (lease %s) missing after line %d" % (
                service, event, extra, lease, start))
    return found


class JobTrace(unittest.TestCase):

    def test_one_job_story_from_all_logs(self):
        with Stack(name="job-trace") as s:
            start_stack(s, nginx={
                "locations": "    location /slow/ { limit_rate %s; }" % RATE})
            url, digest, _ = origin_file(s, "slow/trace.bin", size=SIZE, seed=5)
            a = start_worker(s, jobs=1)
            item = add(s, "job-trace", [(1, 1, url)])[0]
            item_id = item["id"]
            wait_part_at_least(s, item, SIZE // 3, timeout=30)
            # The queue holds a durable offset: the next worker resumes.
            wait_durable(s, item, 1 << 20, timeout=20)
            token_a = items(s, [item_id])[item_id]["lease_token"]
            a.kill(signal.SIGKILL)
            log("SIGKILL %s with %d bytes in .part", a.instance,
                part_size(s, item))
            b = start_worker(s, jobs=1)
            wait_terminal(s, [item_id], timeout=60)
            self.assertEqual(check_completed(s, {item_id: digest}), [])
            token_b = items(s, [item_id])[item_id]["lease_token"]
            self.assertNotEqual(token_a, token_b)
            history = [(e["event"], e["lease_token"][:8]) for e in events(s, item_id)]
            log("queue_events: %s", history)
            leases = {"A": fingerprint(token_a), "B": fingerprint(token_b)}
            log("lease fingerprints: %s", leases)

            services = [svc for svc in s.services if svc.name in (
                "queue", "gateway", "downloader")]
            story = story_of(services, item_id)
            for line in story:
                log("  %s %-10s %-14s lease=%s offset=%s outcome=%s", line.get("ts"),
                    line.get("service"), line.get("event"), line.get("lease"),
                    line.get("offset"), line.get("outcome"))
            steps = find_in_order(story, STORY, leases)
            first_claim = steps[1]
            for line in story[first_claim:]:
                self.assertIn(line.get("lease"), leases.values(), line)
            for line in story:
                self.assertIn("event", line)

            for svc in s.services:
                text = svc.log_text()
                for token in (token_a, token_b):
                    self.assertNotIn(token, text, "%s logs a lease token" % svc.name)

            if shutil.which("jq"):
                paths = sorted(glob.glob(os.path.join(s.path(), "*.log")))
                # The command of docs/operations.md, sorted here as by `sort`.
                out = subprocess.run(
                    ["jq", "-c", "-R", "--arg", "id", item_id, JQ_FILTER] + paths,
                    capture_output=True, timeout=30, check=True).stdout
                by_jq = [json.loads(l) for l in out.decode().splitlines()]
                by_jq.sort(key=lambda l: l.get("ts", ""))
                log("jq printed %d lines about the item (test: %d)",
                    len(by_jq), len(story))
                self.assertEqual(len(by_jq), len(story))
                find_in_order(by_jq, STORY, leases)
            for w in (b,):
                self.assertEqual(w.stop(), 0, w.instance)


if __name__ == "__main__":
    unittest.main(verbosity=2)
