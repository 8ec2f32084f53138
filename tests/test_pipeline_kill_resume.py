"""SIGKILL of the worker half-way through a large download; another worker
resumes it with a Range request.

Tried: a 64 MiB pseudo-random file served by nginx at 8 MiB/s (about 8 s
for the whole file); worker A (1 slot) claims it; when about half of it is
in the .part file, A gets SIGKILL; worker B (started now) claims the job
after A's lease (3 s) expired. Asserted:
- the job completes, the final file's sha256 equals the origin's, no .part
  is left, exactly one 'completed' event;
- the item's history is claimed(A), lease_expired, claimed(B), commit,
  completed, and attempts = 2;
- nginx saw exactly two requests: A's without Range (200), then B's with
  `Range: bytes=N-` for an N > 0 no larger than what A had on disk,
  `If-Range` equal to the ETag of A's response, answered 206 with
  `Content-Range: bytes N-<size-1>/<size>` and exactly size - N bytes;
- the resume saved work: N is at least a fifth of the file, and the origin
  sent less than 1.5 x the file in total.
Also: SIGTERM mid-download releases the job with its exact offset (the
worker exits 0), and the next worker resumes from exactly that byte.
"""
# ctest-properties: TIMEOUT 120

import os
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pipeline_support import (Stack, add, check_completed, events, items,  # noqa: E402
                              leftovers, log, metric, origin_file, part_size,
                              requests_for, start_stack, start_worker,
                              wait_part_at_least, wait_status, wait_terminal)

SIZE = 64 << 20
RATE = "8m"


class PipelineKillResume(unittest.TestCase):

    def test_kill_resume(self):
        with Stack(name="pipeline-kill") as s:
            start_stack(s, nginx={"locations": "    location /slow/ { limit_rate %s; }"
                                  % RATE})
            url, digest, size = origin_file(s, "slow/big.bin", size=SIZE, seed=7)
            a = start_worker(s, jobs=1)
            item = add(s, "kill-resume", [(1, 1, url)])[0]
            t0 = time.monotonic()
            wait_status(s, item["id"], "downloading", timeout=10)
            self.assertEqual(items(s, [item["id"]])[item["id"]]["owner"], a.instance)

            wait_part_at_least(s, item, size // 2, timeout=20)
            a.kill(signal.SIGKILL)
            on_disk = part_size(s, item)
            row = items(s, [item["id"]])[item["id"]]
            log("SIGKILL %s after %.1fs with %d bytes (%.0f%%) in .part; "
                "durable offset in PostgreSQL %d", a.instance,
                time.monotonic() - t0, on_disk, 100.0 * on_disk / size,
                row["bytes_done"])
            self.assertEqual(row["status"], "downloading")

            t1 = time.monotonic()
            b = start_worker(s, jobs=1)
            final = wait_terminal(s, [item["id"]], timeout=40)[item["id"]]
            log("finished by %s %.1fs after the kill", b.instance,
                time.monotonic() - t1)

            self.assertEqual(check_completed(s, {item["id"]: digest}), [])
            self.assertEqual(leftovers(s), [])
            self.assertEqual(final["attempts"], 2)
            history = [(e["event"], e["worker"]) for e in events(s, item["id"])]
            log("history: %s", history)
            self.assertEqual([e for e, _ in history],
                             ["added", "claimed", "lease_expired", "claimed",
                              "commit", "completed"])
            self.assertEqual(history[1][1], a.instance)
            self.assertEqual(history[3][1], b.instance)
            self.assertEqual(history[5][1], b.instance)

            reqs = requests_for(s, "/slow/big.bin")
            for r in reqs:
                log("origin: %s %d range=%r if-range=%r content-range=%r "
                    "bytes=%d etag=%s", r["path"], r["status"], r["range"],
                    r["if_range"], r["content_range"], r["bytes"], r["etag"])
            self.assertEqual(len(reqs), 2)
            first, second = reqs
            self.assertEqual((first["status"], first["range"]), (200, ""))
            self.assertTrue(second["range"].startswith("bytes="), second)
            offset = int(second["range"][len("bytes="):].rstrip("-"))
            self.assertEqual(second["range"], "bytes=%d-" % offset)
            self.assertGreater(offset, 0)
            self.assertLessEqual(offset, on_disk)
            self.assertGreaterEqual(offset, size // 5)
            self.assertEqual(second["status"], 206)
            self.assertEqual(second["if_range"], first["etag"])
            self.assertEqual(second["content_range"],
                             "bytes %d-%d/%d" % (offset, size - 1, size))
            self.assertEqual(second["bytes"], size - offset)
            sent = sum(r["bytes"] for r in reqs)
            log("resumed at %d (%.0f%%); origin sent %d bytes = %.2f x the file",
                offset, 100.0 * offset / size, sent, sent / size)
            self.assertLess(sent, 1.5 * size)
            ranged = metric(b, "kumo_downloader_resumes_total", {"kind": "range"})
            log("%s kumo_downloader_resumes_total{kind=range} = %s", b.instance, ranged)
            self.assertEqual(ranged, 1)
            self.assertEqual(b.stop(), 0)

    def test_sigterm_releases_with_offset(self):
        """SIGTERM mid-download: the worker saves its offset, releases the
        lease and exits 0; another worker resumes from exactly that offset."""
        with Stack(name="pipeline-drain") as s:
            start_stack(s, nginx={"locations": "    location /slow/ { limit_rate %s; }"
                                  % RATE})
            url, digest, size = origin_file(s, "slow/drain.bin", size=SIZE // 2,
                                            seed=8)
            a = start_worker(s, jobs=1)
            item = add(s, "drain-release", [(1, 1, url)])[0]
            wait_part_at_least(s, item, size // 3, timeout=20)
            t0 = time.monotonic()
            code = a.stop()
            on_disk = part_size(s, item)
            row = items(s, [item["id"]])[item["id"]]
            log("SIGTERM %s: exit %s after %.2fs; .part %d bytes; item %s with "
                "offset %d", a.instance, code, time.monotonic() - t0, on_disk,
                row["status"], row["bytes_done"])
            self.assertEqual(code, 0)
            self.assertEqual(row["status"], "pending")
            self.assertEqual(row["bytes_done"], on_disk)
            history = [(e["event"], e["worker"]) for e in events(s, item["id"])]
            self.assertEqual(history[-1], ("released", a.instance))

            b = start_worker(s, jobs=1)
            wait_terminal(s, [item["id"]], timeout=30)
            self.assertEqual(check_completed(s, {item["id"]: digest}), [])
            self.assertEqual(leftovers(s), [])
            reqs = requests_for(s, "/slow/drain.bin")
            log("origin: %s", [(r["status"], r["range"], r["bytes"]) for r in reqs])
            self.assertEqual(len(reqs), 2)
            self.assertEqual(reqs[1]["range"], "bytes=%d-" % on_disk)
            self.assertEqual(reqs[1]["status"], 206)
            self.assertEqual(reqs[1]["bytes"], size - on_disk)
            self.assertEqual(b.stop(), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
