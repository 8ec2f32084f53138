"""A batch of 200 downloads through the whole pipeline, three workers.

Tried: 200 files on an nginx origin (deterministic pseudo-random bytes,
sizes 0 B .. 3 MiB, two of them real H.264/AAC MP4s made by ffmpeg; a third
of the sources carry their sha256 and size), added through POST
/api/queue/add, downloaded by three downloader processes with 2, 3 and 4 job
slots, with two queue service replicas answering them. Asserted:
- every item is completed and its file's sha256 equals the origin's;
- exactly one 'completed' queue_event per item; nothing left pending or
  downloading (queue_items and GET /api/queue/status agree);
- no .part or temporary file left in the library;
- every file was requested from nginx exactly once, with a 200, unless the
  item's events record a second attempt (and then attempts matches);
- no worker ever ran more jobs at once than its slots (from claimed /
  completed events), and every worker took part;
- DELETE /api/queue/completed removes the 200 rows and keeps the files.
"""
# ctest-properties: TIMEOUT 180

import os
import random
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pipeline_support import (QUEUE_ENV, Stack, add, api, check_completed,  # noqa: E402
                              events, items, leftovers, log, origin_file, start_stack,
                              start_worker, wait_terminal)

COUNT = 200
SLOTS = (2, 3, 4)
SERIE = "batch-series"


def sizes(rng):
    """0, 1 and 2 bytes, then mostly small files, some medium, a few 1-3 MiB."""
    out = [0, 1, 2]
    while len(out) < COUNT - 2:
        r = rng.random()
        if r < 0.6:
            out.append(rng.randint(3, 64 * 1024))
        elif r < 0.92:
            out.append(rng.randint(64 * 1024, 1 << 20))
        else:
            out.append(rng.randint(1 << 20, 3 << 20))
    return out


class PipelineBatch(unittest.TestCase):

    def test_batch(self):
        rng = random.Random(20251121)
        with Stack(name="pipeline-batch") as s:
            t0 = time.monotonic()
            start_stack(s)
            # A second queue replica: claims, reports and the reaper run in
            # both, PostgreSQL decides.
            replica = s.start_service("queue", env=dict(QUEUE_ENV))
            replica.wait_ready(30)
            files = []  # (season, episode, source, sha256, size)
            for n, size in enumerate(sizes(rng)):
                url, digest, real = origin_file(s, "batch/e%03d.bin" % n,
                                                size=size, seed=n)
                src = {"provider": "direct", "url": url}
                if n % 3 == 0:
                    src.update(sha256=digest, size=real)
                files.append((1, n + 1, src, digest, real))
            for n in range(2):  # real media
                url, digest, real = origin_file(s, "batch/clip%d.mp4" % n,
                                                seconds=1 + n)
                files.append((2, n + 1, {"provider": "direct", "url": url},
                              digest, real))
            total_bytes = sum(f[4] for f in files)
            log("origin: %d files, %d bytes (%d empty), stack up after %.1fs",
                len(files), total_bytes, sum(1 for f in files if f[4] == 0),
                time.monotonic() - t0)

            workers = [start_worker(s, jobs=j) for j in SLOTS]
            t1 = time.monotonic()
            added = add(s, SERIE, [(f[0], f[1], f[2]) for f in files])
            self.assertEqual(len(added), COUNT)
            expected = {it["id"]: f[3] for it, f in zip(added, files)}
            paths = {it["id"]: f[2]["url"].split("/", 3)[3]
                     for it, f in zip(added, files)}
            final = wait_terminal(s, expected, timeout=120)
            elapsed = time.monotonic() - t1
            log("all %d items terminal after %.1fs (%.1f MiB/s)", COUNT,
                elapsed, total_bytes / elapsed / (1 << 20))

            problems = check_completed(s, expected)
            self.assertEqual(problems, [], "\n".join(problems[:20]))

            _, status = api(s, "GET", "/api/queue/status", expect=200)
            counts = status["counts"]
            log("queue status counts: %s", counts)
            self.assertEqual(counts["completed"], COUNT)
            for st in ("pending", "downloading", "paused", "failed"):
                self.assertEqual(counts[st], 0, st)
            rows = items(s)
            self.assertEqual(len(rows), COUNT)
            self.assertEqual(leftovers(s), [])

            # One request per file unless the item's history shows a retry.
            evs = events(s)
            by_item = {}
            for ev in evs:
                by_item.setdefault(ev["item_id"], []).append(ev["event"])
            reqs = {}
            for r in s.nginx_requests_detail():
                reqs.setdefault(r["path"].lstrip("/"), []).append(r)
            again = ("retry_scheduled", "lease_expired", "released")
            retried = 0
            for item_id, path in paths.items():
                got = reqs.get(path, [])
                history = by_item.get(item_id, [])
                extra = sum(1 for e in history if e in again)
                retried += 1 if extra else 0
                self.assertEqual(final[item_id]["attempts"], 1 + extra,
                                 "%s: attempts vs %s" % (path, history))
                if extra == 0:
                    self.assertEqual(len(got), 1, "%s requested %d times: %s" % (
                        path, len(got), got))
                    self.assertEqual(got[0]["status"], 200, path)
                    self.assertEqual(got[0]["range"], "", path)
                else:
                    self.assertGreaterEqual(len(got), 1, path)
                self.assertEqual(history.count("claimed"), 1 + extra, path)
            log("origin requests: %d for %d files; items with a logged retry: %d",
                sum(len(v) for v in reqs.values()), COUNT, retried)

            # Slots respected per worker; every worker took part.
            spans = {}
            for ev in evs:
                if ev["event"] == "claimed":
                    spans.setdefault(ev["lease_token"], [ev["worker"], ev["at"], None])
                elif ev["event"] in ("completed", "failed", "released",
                                     "retry_scheduled") and ev["lease_token"] in spans:
                    spans[ev["lease_token"]][2] = ev["at"]
            for w, slots in zip(workers, SLOTS):
                mine = [(a, b) for who, a, b in spans.values() if who == w.instance]
                points = sorted([(a, 1) for a, _ in mine]
                                + [(b, -1) for _, b in mine if b is not None],
                                key=lambda p: (p[0], p[1]))
                level = peak = 0
                for _, delta in points:
                    level += delta
                    peak = max(peak, level)
                log("%s: %d jobs, at most %d at once (slots %d)", w.instance,
                    len(mine), peak, slots)
                self.assertGreater(len(mine), 0, w.instance)
                self.assertLessEqual(peak, slots, w.instance)
            # Clearing the completed items removes the rows, not the files.
            _, doc = api(s, "DELETE", "/api/queue/completed", expect=200)
            self.assertEqual(doc, {"removed": COUNT})
            self.assertEqual(items(s), {})
            self.assertEqual(sum(1 for it in added if os.path.exists(
                os.path.join(s.library_root, it["target_path"]))), COUNT)
            for w in workers:
                self.assertEqual(w.stop(), 0, w.instance)


if __name__ == "__main__":
    unittest.main(verbosity=2)
