"""Segmented downloads through the whole pipeline (queue, nginx, real
downloader processes), and runtime provider settings applied by the
downloader.

Tried:
- a 64 MiB file with its sha256 from nginx, worker with 4 connections: it
  completes with the right digest; nginx saw four requests and no probe:
  the first `bytes=0-16777215` (segment_min_size; answered 206, it became
  segment 0) and three 206 range requests that tile the rest of the file,
  each with If-Range = ETag; nginx sent exactly the file's size in all (no
  byte past a range asked); no .part or segment map is left;
- the same at 2 MiB/s per connection, worker A SIGKILLed when about a third
  is durably written: worker B resumes every segment from the offsets in the
  segment map (no probe, no byte before them fetched again), the file's
  digest is right, and B fetched less than the file;
- a running 4-connection download at 8 MiB/s per connection: after the test
  publishes `kumo.providers.config` with bandwidth_limit_bps = 1 MiB/s for
  `direct`, the bytes written per second drop below a quarter of before;
  after a publish lifting it, the download completes. The queue in this
  tree answers no `kumo.queue.cmd.provider_config`: the worker starts with
  its defaults.
"""
# ctest-properties: TIMEOUT 180

import json
import os
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pipeline_support import (Stack, add, check_completed, events, leftovers,  # noqa: E402
                              library_path, log, origin_file, requests_for,
                              start_stack, start_worker, wait_status,
                              wait_terminal, wait_until)

MIB = 1 << 20
SEGMENTED = {"KUMO_MAX_CONNECTIONS": "4", "KUMO_SEGMENT_MIN_SIZE": str(16 * MIB)}
LOCATIONS = ("    location /slow/ { limit_rate 2m; }\n"
             "    location /fast/ { limit_rate 8m; }")


def segment_map(s, item):
    try:
        with open(library_path(s, item) + ".part.segments") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def durable_bytes(s, item):
    m = segment_map(s, item)
    return sum(seg[2] for seg in m["segments"]) if m else 0


def written_bytes(s, item):
    """Bytes the sparse .part really holds (allocated blocks)."""
    try:
        return os.stat(library_path(s, item) + ".part").st_blocks * 512
    except OSError:
        return 0


class PipelineSegments(unittest.TestCase):

    def test_four_connections_tile_the_file(self):
        with Stack(name="pipeline-segments") as s:
            start_stack(s, nginx={"locations": LOCATIONS})
            url, digest, size = origin_file(s, "seg/big.bin", size=64 * MIB, seed=3)
            start_worker(s, jobs=1, env=SEGMENTED)
            item = add(s, "segments", [(1, 1, {"provider": "direct", "url": url,
                                                "sha256": digest})])[0]
            wait_terminal(s, [item["id"]], timeout=60)
            self.assertEqual(check_completed(s, {item["id"]: digest}), [])
            self.assertEqual(leftovers(s), [])
            reqs = requests_for(s, "/seg/big.bin")
            log("origin: %s", [(r["status"], r["range"], r["bytes"]) for r in reqs])
            self.assertEqual(len(reqs), 4, "one request per segment, no probe")
            first = min(reqs, key=lambda r: r["start"])
            rest = [r for r in reqs if r is not first]
            self.assertEqual(first["range"], "bytes=0-%d" % (16 * MIB - 1))
            self.assertEqual(first["status"], 206)
            tiles = sorted((int(a), int(b)) for a, b in (
                r["range"][len("bytes="):].split("-") for r in rest))
            self.assertEqual(len(tiles), 3)
            self.assertGreater(tiles[0][0], 0)
            self.assertEqual(tiles[-1][1], size - 1)
            for (_, last), (first_byte, _) in zip(tiles, tiles[1:]):
                self.assertEqual(first_byte, last + 1)
            for r in rest:
                self.assertEqual(r["status"], 206)
                self.assertEqual(r["if_range"], first["etag"])
            self.assertEqual(sum(r["bytes"] for r in rest), size - tiles[0][0])
            # Segment 0 is the first answer, and nothing was sent twice.
            self.assertEqual(first["bytes"], tiles[0][0])
            self.assertEqual(sum(r["bytes"] for r in reqs), size)

    def test_sigkill_then_another_worker_resumes_every_segment(self):
        with Stack(name="pipeline-segments-kill") as s:
            start_stack(s, nginx={"locations": LOCATIONS})
            url, digest, size = origin_file(s, "slow/big.bin", size=64 * MIB, seed=4)
            a = start_worker(s, jobs=1, env=SEGMENTED)
            item = add(s, "segments-kill", [(1, 1, {"provider": "direct",
                                                     "url": url,
                                                     "sha256": digest})])[0]
            wait_status(s, item["id"], "downloading", timeout=10)
            wait_until(lambda: durable_bytes(s, item) >= size // 3, timeout=30,
                       interval=0.05, what="a third durably written")
            a.kill(signal.SIGKILL)
            killed_at = time.time()
            before = segment_map(s, item)
            log("SIGKILL %s; segment map: %s", a.instance, before["segments"])
            self.assertEqual(len(before["segments"]), 4)

            b = start_worker(s, jobs=1, env=SEGMENTED)
            wait_terminal(s, [item["id"]], timeout=60)
            self.assertEqual(check_completed(s, {item["id"]: digest}), [])
            self.assertEqual(leftovers(s), [])
            history = [e["event"] for e in events(s, item["id"])]
            self.assertEqual(history, ["added", "claimed", "lease_expired",
                                       "claimed", "commit", "completed"])
            # A's requests all started before the kill; B's after it.
            after = [r for r in requests_for(s, "/slow/big.bin")
                     if r["start"] >= killed_at]
            log("requests of %s: %s", b.instance,
                [(r["status"], r["range"], r["bytes"]) for r in after])
            wanted = sorted("bytes=%d-%d" % (st + done, end - 1)
                            for st, end, done in before["segments"]
                            if done < end - st)
            self.assertEqual(sorted(r["range"] for r in after), wanted)
            fetched = sum(r["bytes"] for r in after)
            log("after the resume the origin sent %d of %d bytes (%.0f%%)",
                fetched, size, 100.0 * fetched / size)
            self.assertEqual(fetched, size - sum(seg[2] for seg in before["segments"]))
            self.assertLess(fetched, size)

    def test_published_bandwidth_limit_slows_a_running_download(self):
        with Stack(name="pipeline-segments-limit") as s:
            start_stack(s, nginx={"locations": LOCATIONS})
            url, digest, _ = origin_file(s, "fast/big.bin", size=128 * MIB, seed=5)
            w = start_worker(s, jobs=1, env=SEGMENTED)
            # The queue's config (answered at start), or none: either way
            # the worker's starting limits are in place before the test
            # publishes its own.
            w.wait_log(lambda l: l.get("msg", "") in (
                "provider config applied",
                "no provider config answered; using defaults"), timeout=15)
            item = add(s, "segments-limit", [(1, 1, url)])[0]
            wait_until(lambda: written_bytes(s, item) >= 8 * MIB, timeout=20,
                       interval=0.05, what="download running")
            t0, b0 = time.monotonic(), written_bytes(s, item)
            time.sleep(1.0)
            free_rate = (written_bytes(s, item) - b0) / (time.monotonic() - t0)
            nats = s.nats_client("admin")

            def publish(limit):
                nats.publish("kumo.providers.config", json.dumps({"providers": [
                    {"name": "direct", "enabled": True, "priority": 1,
                     "timeout_s": 30, "retries": 3, "retry_delay_s": 5,
                     "max_concurrent": 4, "bandwidth_limit_bps": limit,
                     "max_connections": 4}]}).encode())

            publish(MIB)
            time.sleep(1.0)  # bytes already buffered drain first
            t1, b1 = time.monotonic(), written_bytes(s, item)
            time.sleep(4.0)
            limited_rate = (written_bytes(s, item) - b1) / (time.monotonic() - t1)
            log("written per second: %.1f MiB/s before, %.2f MiB/s with a limit "
                "of 1 MiB/s", free_rate / MIB, limited_rate / MIB)
            self.assertEqual(wait_status(s, item["id"], "downloading")["status"],
                             "downloading")
            self.assertLess(limited_rate, free_rate / 4)
            self.assertLess(limited_rate, 2.5 * MIB)
            publish(0)
            wait_terminal(s, [item["id"]], timeout=60)
            self.assertEqual(check_completed(s, {item["id"]: digest}), [])
            nats.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
