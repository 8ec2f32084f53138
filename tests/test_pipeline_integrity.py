"""Damaged partial data is never published when the source names its
sha256, and a wrong size is refused.

Tried (one worker, 1 slot, 16 MiB at 4 MiB/s, sources carrying sha256 and
size):
- pause an item mid-download, overwrite 64 KiB at the start of its .part
  with other bytes (the offset and ETag stay valid, so the resume is a
  legitimate Range request), resume. The worker hashes the kept prefix, the
  final digest does not match, it truncates and reports a transient
  failure; the retry starts from byte 0. Asserted: the final file equals
  the origin's, history shows the 'retry_scheduled' with a sha256 mismatch,
  the last origin request has no Range and carries the whole file, one
  'completed' event, nothing left behind;
- a source whose declared size differs from the origin's file fails at
  once (permanent: attempts 1, no retry) and leaves no file behind.
"""
# ctest-properties: TIMEOUT 120

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pipeline_support import (Stack, add, api, check_completed, events,  # noqa: E402
                              leftovers, library_path, log, origin_file,
                              part_size, requests_for, start_stack,
                              start_worker, wait_part_at_least, wait_terminal,
                              wait_until, items)

SIZE = 16 << 20


class PipelineIntegrity(unittest.TestCase):

    def test_integrity(self):
        with Stack(name="pipeline-integrity") as s:
            start_stack(s, nginx={"locations": "    location /slow/ { limit_rate 4m; }"})
            start_worker(s, jobs=1)
            self.damaged_partial(s)
            self.wrong_size(s)

    def damaged_partial(self, s):
        url, digest, size = origin_file(s, "slow/sum.bin", size=SIZE, seed=21)
        src = {"provider": "direct", "url": url, "sha256": digest, "size": size}
        item = add(s, "integrity", [(1, 1, src)])[0]
        wait_part_at_least(s, item, size // 3, timeout=20)
        api(s, "POST", "/api/queue/%s/pause" % item["id"], expect=200)
        row = wait_until(lambda: (lambda r: r["status"] == "paused"
                                  and r["bytes_done"] > 0 and r)(
            items(s, [item["id"]])[item["id"]]), timeout=5, what="paused with offset")
        wait_until(lambda: requests_for(s, "/slow/sum.bin"), timeout=5,
                   what="the paused transfer to stop")
        part = library_path(s, item) + ".part"
        with open(part, "r+b") as f:
            f.seek(0)
            f.write(b"\xa5" * 65536)
        log("paused at %d bytes (.part %d); overwrote 64 KiB at its start",
            row["bytes_done"], part_size(s, item))
        api(s, "POST", "/api/queue/%s/resume" % item["id"], expect=200)
        final = wait_terminal(s, [item["id"]], timeout=40)[item["id"]]
        evs = events(s, item["id"])
        history = [e["event"] for e in evs]
        reqs = requests_for(s, "/slow/sum.bin")
        log("history %s; attempts %d; origin %s", history, final["attempts"],
            [(r["status"], r["range"], r["bytes"]) for r in reqs])
        self.assertEqual(check_completed(s, {item["id"]: digest}), [])
        self.assertEqual(leftovers(s), [])
        retry = [e for e in evs if e["event"] == "retry_scheduled"]
        self.assertEqual(len(retry), 1, history)
        self.assertIn("sha256 mismatch", retry[0]["detail"].get("error", ""))
        self.assertEqual(reqs[1]["range"], "bytes=%d-" % row["bytes_done"])
        self.assertEqual(reqs[-1]["range"], "")
        self.assertEqual(reqs[-1]["bytes"], size)

    def wrong_size(self, s):
        url, _, size = origin_file(s, "fast/size.bin", size=300_000, seed=22)
        src = {"provider": "direct", "url": url, "size": size + 1}
        item = add(s, "integrity", [(1, 2, src)])[0]
        t0 = time.monotonic()
        row = wait_terminal(s, [item["id"]], timeout=15)[item["id"]]
        log("declared size %d for a %d-byte file: %s after %.1fs, attempts %d, "
            "error %r", size + 1, size, row["status"], time.monotonic() - t0,
            row["attempts"], row["error"])
        self.assertEqual(row["status"], "failed")
        self.assertEqual((row["attempts"], row["retries"]), (1, 0))
        self.assertIn("size", row["error"])
        self.assertFalse(os.path.exists(library_path(s, item)))
        self.assertEqual(leftovers(s), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
