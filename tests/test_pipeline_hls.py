"""Sources of provider `hls`: an HLS video-on-demand presentation made by
ffmpeg (20 s, 2 s segments, H.264 + AAC) served by nginx, downloaded through
the queue into one playable file.

Tried:
(a) a master playlist with two variants (320x240 and 160x120) -> the
    item completes; the file at the target is probed by ffprobe: about 20 s
    and 320 pixels wide (default quality "best"); nginx saw each segment of
    the 320x240 variant exactly once and none of the other variant; no
    .part, no media folder is left;
(b) the same presentation AES-128 encrypted (-hls_key_info_file, key served
    by nginx) -> completes, about 20 s (so the segments were decrypted:
    encrypted ones do not demux);
(c) a playlist whose key URI names a forbidden address (127.0.0.2, outside
    the worker's allowlist 127.0.0.1/32) -> the item fails at once with an
    error naming the refused address; nothing is left at the target;
(d) a live playlist (no EXT-X-ENDLIST) -> fails with "live playlists are not
    supported";
(e) resume: segments (about 70 KB) served at 20 KB/s per connection; the worker is
    SIGKILLed once several segments are whole in the media folder; a new
    worker finishes the job; no segment that was whole at the kill is
    requested after it (nginx detail log), every other one is sent whole,
    and the file is about 20 s long. A segment may have been asked
    for more than once before it became whole: an attempt cut short (a
    lease that lapsed locally under load and the job claimed again, a
    transient error retried, a stop right after its last byte arrived)
    leaves only a `.tmp` that the next attempt truncates, so its bytes are
    fetched again; that is not a re-fetch of a whole segment.
"""
# ctest-properties: TIMEOUT 300

import os
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from hls_support import make_vod, probe, segments_of, write_master  # noqa: E402
from pipeline_support import (Stack, add, events, items, leftovers,  # noqa: E402
                              library_path, log, requests_for, start_stack,
                              start_worker, wait_terminal, wait_until)

SECONDS = 20
LOCATIONS = "    location /slow/ { limit_rate 20k; }"


def hls_source(url):
    return {"provider": "hls", "url": url}


def seg_requests(s, prefix):
    """{path: number of 200 answers} for the origin's paths below `prefix`."""
    out = {}
    for r in s.nginx_requests():
        if r["path"].startswith(prefix) and r["path"].endswith(".ts"):
            out[r["path"]] = out.get(r["path"], 0) + (r["status"] == 200)
    return out


def media_folder(s, item):
    return library_path(s, item) + ".part.d"


class PipelineHls(unittest.TestCase):

    def test_vod_variants_encryption_and_refusals(self):
        with Stack(name="pipeline-hls") as s:
            start_stack(s)
            root = s.nginx_root
            make_vod(os.path.join(root, "show/hi"), SECONDS, "320x240")
            make_vod(os.path.join(root, "show/lo"), SECONDS, "160x120")
            write_master(os.path.join(root, "show/master.m3u8"),
                         [("lo/index.m3u8", 200000, "160x120"),
                          ("hi/index.m3u8", 800000, "320x240")])
            make_vod(os.path.join(root, "enc"), SECONDS, "320x240",
                     key_url=s.origin_url + "/enc/key.bin",
                     key_bytes=os.urandom(16))
            make_vod(os.path.join(root, "evil"), 4, "160x120",
                     key_url="http://127.0.0.2:%d/enc/key.bin" % s.nginx_port,
                     key_bytes=os.urandom(16))
            live = os.path.join(root, "live/index.m3u8")
            os.makedirs(os.path.dirname(live))
            with open(live, "w") as f:
                f.write("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n"
                        "../show/hi/seg0000.ts\n")
            start_worker(s, jobs=4)
            plain, enc, evil, livei = add(s, "hls-show", [
                (1, 1, hls_source(s.origin_url + "/show/master.m3u8")),
                (1, 2, hls_source(s.origin_url + "/enc/index.m3u8")),
                (1, 3, hls_source(s.origin_url + "/evil/index.m3u8")),
                (1, 4, hls_source(s.origin_url + "/live/index.m3u8"))])
            ids = [i["id"] for i in (plain, enc, evil, livei)]
            final = wait_terminal(s, ids, timeout=120)
            for i in ids:
                log("%s: %s %r", final[i]["target_path"], final[i]["status"],
                    final[i]["error"])

            # (a) the best variant, whole, each segment fetched once.
            self.assertEqual(final[plain["id"]]["status"], "completed")
            self.assertTrue(library_path(s, final[plain["id"]]).endswith(".mp4"),
                            "an HLS item lands as MP4")
            duration, width = probe(library_path(s, final[plain["id"]]))
            log("(a) ffprobe: %.2f s, width %s", duration, width)
            self.assertAlmostEqual(duration, SECONDS, delta=1.0)
            self.assertEqual(width, 320)
            hi = seg_requests(s, "/show/hi/")
            expected = segments_of(os.path.join(root, "show/hi/index.m3u8"))
            self.assertEqual(sorted(hi), ["/show/hi/" + n for n in expected])
            self.assertEqual(set(hi.values()), {1})
            self.assertEqual(seg_requests(s, "/show/lo/"), {})

            # (b) decrypted on the way.
            self.assertEqual(final[enc["id"]]["status"], "completed")
            duration, _ = probe(library_path(s, final[enc["id"]]))
            log("(b) ffprobe of the encrypted source: %.2f s", duration)
            self.assertAlmostEqual(duration, SECONDS, delta=1.0)

            # (c) the forbidden key address, (d) the live playlist.
            row = final[evil["id"]]
            self.assertEqual(row["status"], "failed")
            self.assertIn("127.0.0.2", row["error"])
            self.assertIn("not allowed", row["error"])
            self.assertEqual(row["attempts"], 1)
            self.assertFalse(os.path.exists(library_path(s, row)))
            self.assertFalse(os.path.exists(media_folder(s, row)))
            self.assertEqual(final[livei["id"]]["status"], "failed")
            self.assertIn("live playlists are not supported",
                          final[livei["id"]]["error"])
            self.assertEqual(leftovers(s), [])
            for i in (plain, enc):
                self.assertFalse(os.path.exists(media_folder(s, final[i["id"]])))

    def test_kill_resumes_without_refetching_segments(self):
        with Stack(name="pipeline-hls-kill") as s:
            start_stack(s, nginx={"locations": LOCATIONS})
            playlist = make_vod(os.path.join(s.nginx_root, "slow/ep"), SECONDS,
                                "320x240")
            names = segments_of(playlist)
            a = start_worker(s, jobs=1)
            item = add(s, "hls-kill", [(1, 1, hls_source(
                s.origin_url + "/slow/ep/index.m3u8"))])[0]
            row = wait_until(lambda: items(s, [item["id"]])[item["id"]],
                             timeout=10, what="item")
            folder = media_folder(s, row)

            def whole():
                try:
                    return sorted(f for f in os.listdir(folder)
                                  if f.endswith(".ts.part"))
                except OSError:
                    return []
            wait_until(lambda: len(whole()) >= 4, timeout=60, interval=0.05,
                       what="4 whole segments")
            a.kill(signal.SIGKILL)
            killed_at = time.time()
            kept = whole()
            log("SIGKILL with %d of %d segments whole: %s", len(kept),
                len(names), kept)
            self.assertLess(len(kept), len(names))
            t0 = time.monotonic()
            start_worker(s, jobs=1)
            final = wait_terminal(s, [item["id"]], timeout=120)[item["id"]]
            log("finished %.1f s after the kill: %s %r",
                time.monotonic() - t0, final["status"], final["error"])
            self.assertEqual(final["status"], "completed")
            duration, _ = probe(library_path(s, final))
            self.assertAlmostEqual(duration, SECONDS, delta=1.0)
            seg_dir = os.path.dirname(playlist)
            sizes = {"/slow/ep/" + n: os.path.getsize(os.path.join(seg_dir, n))
                     for n in names}
            answers = [r for r in requests_for(s, "/slow/ep/")
                       if r["path"].endswith(".ts")]
            log("history: %s", [e["event"] for e in events(s, item["id"])])
            kept_paths = {"/slow/ep/" + names[int(f.split(".")[0])] for f in kept}
            after = [r for r in answers if r["start"] >= killed_at]
            self.assertEqual([r["path"] for r in after if r["path"] in kept_paths],
                             [], "a segment whole at the kill was fetched again")
            # After the kill: only the segments not whole then, each sent
            # whole at least once (more tries only if one was cut short).
            missing = set(sizes) - kept_paths
            self.assertLessEqual({r["path"] for r in after}, missing)
            for path in missing:
                self.assertGreaterEqual(
                    len([r for r in answers if r["path"] == path and
                         r["bytes"] == sizes[path]]), 1, path)
            log("segment answers: %d for %d segments, %d after the kill",
                len(answers), len(names), len(after))
            self.assertEqual(leftovers(s), [])


if __name__ == "__main__":
    unittest.main()
