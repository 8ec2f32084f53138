"""Origins that misbehave: no Range support, a file changed between
attempts, 404, 503.

Tried (queue retry delays 1 s, 2 s; 2 retries):
(c) a URL the origin answers 404 -> the item fails at once: attempts 1,
    retries 0, no 'retry_scheduled', one request, and none later; once the
    file exists on the origin, POST /api/queue/retry completes it;
(d) a location that always answers 503 -> retried with backoff, then failed:
    attempts 3, retries 2 (also in GET /api/queue/{id}), events claimed,
    retry_scheduled (1000 ms), claimed, retry_scheduled (2000 ms), claimed,
    failed; three 503 requests whose start times are at least ~1 s and
    ~2 s apart;
(a) a 20 MiB file behind `max_ranges 0` (nginx ignores Range, answers 200)
    and (b) a 20 MiB file that is replaced on the origin by other bytes of
    the same size (new mtime, so a new ETag) while no worker holds it; both
    at 3 MiB/s, worker A (2 slots) is SIGKILLed when both are about half on
    disk, worker B resumes them. Asserted: B's requests carry Range from the
    durable offset and If-Range with the old ETag; both are answered 200
    with the whole file; B starts over from byte 0; (a)'s file equals the
    origin's, (b)'s file equals the NEW content (never a mix of the two);
    both have exactly one 'completed' event and no .part is left.
"""
# ctest-properties: TIMEOUT 150

import os
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pipeline_support import (Stack, add, api, check_completed, events,  # noqa: E402
                              items, leftovers, library_path, log, make_media,
                              metric, origin_file, part_size, requests_for,
                              sha256_file, start_stack, start_worker,
                              wait_durable, wait_part_at_least, wait_status,
                              wait_terminal)

SIZE = 20 << 20
LOCATIONS = """
    location /norange/ { max_ranges 0; limit_rate 3m; }
    location /slow/ { limit_rate 3m; }
    location /unavailable/ { return 503; }
"""


class PipelineBadOrigins(unittest.TestCase):

    def test_bad_origins(self):
        with Stack(name="pipeline-bad") as s:
            start_stack(s, queue_env={"KUMO_RETRY_DELAYS": "1s,2s",
                                      "KUMO_MAX_RETRIES": "2"},
                        nginx={"locations": LOCATIONS})
            a = start_worker(s, jobs=2)
            self.permanent_and_transient(s)
            self.resume_against_bad_origins(s, a)

    def permanent_and_transient(self, s):
        missing = s.origin_url + "/nothing/here.mkv"
        busy = s.origin_url + "/unavailable/ep.mkv"
        it404, it503 = add(s, "bad-origins", [(1, 1, missing), (1, 2, busy)])
        t0 = time.monotonic()
        row = wait_terminal(s, [it404["id"]], timeout=10)[it404["id"]]
        log("(c) 404: %s after %.1fs, attempts %d, retries %d, error %r",
            row["status"], time.monotonic() - t0, row["attempts"],
            row["retries"], row["error"])
        self.assertEqual(row["status"], "failed")
        self.assertEqual((row["attempts"], row["retries"]), (1, 0))
        self.assertIn("404", row["error"])

        row = wait_terminal(s, [it503["id"]], timeout=20)[it503["id"]]
        log("(d) 503: %s after %.1fs, attempts %d, retries %d, error %r",
            row["status"], time.monotonic() - t0, row["attempts"],
            row["retries"], row["error"])
        self.assertEqual(row["status"], "failed")
        self.assertEqual((row["attempts"], row["retries"]), (3, 2))
        self.assertIn("503", row["error"])
        _, doc = api(s, "GET", "/api/queue/" + it503["id"], expect=200)
        self.assertEqual((doc["status"], doc["attempts"], doc["retries"]),
                         ("failed", 3, 2))
        self.assertIn("503", doc["error"])

        time.sleep(2.5)  # nothing more may happen to either
        evs = events(s, it404["id"])
        self.assertEqual([e["event"] for e in evs], ["added", "claimed", "failed"])
        self.assertEqual(len(requests_for(s, "/nothing/here.mkv")), 1)
        self.assertEqual(requests_for(s, "/nothing/here.mkv")[0]["status"], 404)
        self.assertEqual(leftovers(s), [])

        # A user retry after the origin got the file: completes.
        url, digest, _ = origin_file(s, "nothing/here.mkv", size=123_456, seed=5)
        _, doc = api(s, "POST", "/api/queue/retry", {"ids": [it404["id"]]},
                     expect=200)
        self.assertEqual(doc, {"retried": 1})
        row = wait_terminal(s, [it404["id"]], timeout=10)[it404["id"]]
        self.assertEqual(check_completed(s, {it404["id"]: digest}), [])
        log("(c) user retry once the file exists: %s, attempts %d", row["status"],
            row["attempts"])

        evs = events(s, it503["id"])
        log("(d) history: %s", [(e["event"], e["detail"].get("retry_delay_ms"))
                                for e in evs])
        self.assertEqual([e["event"] for e in evs],
                         ["added", "claimed", "retry_scheduled", "claimed",
                          "retry_scheduled", "claimed", "failed"])
        delays = [e["detail"].get("retry_delay_ms") for e in evs
                  if e["event"] == "retry_scheduled"]
        self.assertEqual(delays, [1000, 2000])
        reqs = requests_for(s, "/unavailable/ep.mkv")
        starts = [r["start"] for r in reqs]
        gaps = [round(b - a, 2) for a, b in zip(starts, starts[1:])]
        log("(d) origin: %d requests %s, gaps %s s", len(reqs),
            [r["status"] for r in reqs], gaps)
        self.assertEqual([r["status"] for r in reqs], [503, 503, 503])
        self.assertGreaterEqual(gaps[0], 0.9)
        self.assertGreaterEqual(gaps[1], 1.9)

    def resume_against_bad_origins(self, s, a):
        url_a, digest_a, _ = origin_file(s, "norange/a.bin", size=SIZE, seed=11)
        url_b, old_b, _ = origin_file(s, "slow/b.bin", size=SIZE, seed=12)
        ia, ib = add(s, "bad-origins", [(2, 1, url_a), (2, 2, url_b)])
        for it in (ia, ib):
            wait_status(s, it["id"], "downloading", timeout=10)
        for it in (ia, ib):
            wait_part_at_least(s, it, SIZE // 2, timeout=20)
            wait_durable(s, it, 1, timeout=10)
        a.kill(signal.SIGKILL)
        rows = items(s, [ia["id"], ib["id"]])
        log("SIGKILL %s: (a) .part %d, durable %d; (b) .part %d, durable %d",
            a.instance, part_size(s, ia), rows[ia["id"]]["bytes_done"],
            part_size(s, ib), rows[ib["id"]]["bytes_done"])

        # New bytes of the same size and a new mtime: a new ETag.
        path_b = os.path.join(s.nginx_root, "slow/b.bin")
        st = os.stat(path_b)
        make_media(path_b, size=SIZE, seed=99)
        os.utime(path_b, (st.st_atime + 100, st.st_mtime + 100))
        new_b = sha256_file(path_b)
        self.assertNotEqual(new_b, old_b)

        b = start_worker(s, jobs=2)
        wait_terminal(s, [ia["id"], ib["id"]], timeout=40)
        self.assertEqual(check_completed(s, {ia["id"]: digest_a, ib["id"]: new_b}), [])
        self.assertEqual(leftovers(s), [])
        self.assertNotEqual(sha256_file(library_path(s, ib)), old_b)

        for name, it, path in (("(a) max_ranges 0", ia, "/norange/a.bin"),
                               ("(b) changed file", ib, "/slow/b.bin")):
            reqs = requests_for(s, path)
            for r in reqs:
                log("%s origin: %d range=%r if-range=%r bytes=%d etag=%s", name,
                    r["status"], r["range"], r["if_range"], r["bytes"], r["etag"])
            self.assertEqual(len(reqs), 2, name)
            first, second = reqs
            self.assertEqual((first["status"], first["range"]), (200, ""), name)
            self.assertRegex(second["range"], r"^bytes=[1-9][0-9]*-$", name)
            self.assertEqual(second["if_range"], first["etag"], name)
            self.assertEqual(second["status"], 200, name)
            self.assertEqual(second["bytes"], SIZE, name)
            history = [e["event"] for e in events(s, it["id"])]
            log("%s history: %s", name, history)
            self.assertEqual(history, ["added", "claimed", "lease_expired",
                                       "claimed", "commit", "completed"], name)
        self.assertNotEqual(requests_for(s, "/slow/b.bin")[1]["etag"],
                            requests_for(s, "/slow/b.bin")[0]["etag"])
        restarts = metric(b, "kumo_downloader_resumes_total", {"kind": "restart"})
        log("%s kumo_downloader_resumes_total{kind=restart} = %s", b.instance, restarts)
        self.assertEqual(restarts, 2)
        self.assertEqual(b.stop(), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
