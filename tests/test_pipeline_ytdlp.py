"""Sources of provider `ytdlp`: Debian's yt-dlp run by the downloader.

Tried:
(a) a plain MP4 file on the local nginx -> the item completes; the file at
    the target is probed: about 5 s long;
(b) an HLS presentation (10 s) on the same nginx, through yt-dlp's own HLS
    support -> completes, about 10 s long; no media folder is left;
(c) a URL whose host name resolves to an address the worker does not allow
    (localhost -> 127.0.0.1, a worker without an allowlist) -> fails at
    once with "is not allowed", yt-dlp never ran (nginx saw no request);
(d) yt-dlp missing (ytdlp_path names a program that does not exist) -> the
    item fails at once (attempts 1) with "is not installed"; nothing else
    is queued;
(e) hostile yt-dlp options in the configuration (--exec ..., --output ...,
    --config-location ...) -> the worker refuses to start (exit 2) with one
    line naming ytdlp_options.
"""
# ctest-properties: TIMEOUT 300

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import subprocess  # noqa: E402

from hls_support import make_vod, probe  # noqa: E402
from pipeline_support import (Stack, add, items, leftovers, library_path,  # noqa: E402
                              log, start_stack, start_worker, wait_terminal)


def source(url):
    return {"provider": "ytdlp", "url": url}


def make_clip(path, seconds):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f",
                    "lavfi", "-i", "testsrc=duration=%d:size=160x120:rate=25"
                    % seconds, "-c:v", "libx264", "-preset", "ultrafast",
                    path], check=True, timeout=300)


class PipelineYtdlp(unittest.TestCase):

    def test_ytdlp_sources(self):
        with Stack(name="pipeline-ytdlp") as s:
            start_stack(s)
            make_clip(os.path.join(s.nginx_root, "clips/plain.mp4"), 5)
            make_vod(os.path.join(s.nginx_root, "hls"), 10, "160x120")
            self.refused_before_running(s)
            self.missing_program(s)
            w = start_worker(s, jobs=2)
            plain, stream = add(s, "ytdlp-show", [
                (1, 1, source(s.origin_url + "/clips/plain.mp4")),
                (1, 2, source(s.origin_url + "/hls/index.m3u8"))])
            final = wait_terminal(s, [plain["id"], stream["id"]], timeout=120)
            for row in final.values():
                log("%s: %s %r", row["target_path"], row["status"], row["error"])
            for item, seconds in ((plain, 5), (stream, 10)):
                row = final[item["id"]]
                self.assertEqual(row["status"], "completed", row["error"])
                duration, _ = probe(library_path(s, row))
                log("%s: ffprobe %.2f s", row["target_path"], duration)
                self.assertAlmostEqual(duration, seconds, delta=1.0)
                self.assertFalse(os.path.exists(library_path(s, row) + ".part.d"))
            self.assertEqual(leftovers(s), [])
            self.assertEqual(w.stop(), 0)
            self.hostile_options(s)

    def refused_before_running(self, s):
        w = start_worker(s, jobs=1, env={"KUMO_FETCH_ALLOW_CIDRS": ""})
        port = s.nginx_port
        item = add(s, "ytdlp-refused", [(1, 1, source(
            "http://localhost:%d/clips/plain.mp4" % port))])[0]
        row = wait_terminal(s, [item["id"]], timeout=30)[item["id"]]
        log("(c) %s %r", row["status"], row["error"])
        self.assertEqual(row["status"], "failed")
        self.assertIn("is not allowed", row["error"])
        self.assertEqual(row["attempts"], 1)
        self.assertEqual([r for r in s.nginx_requests()
                          if r["path"].startswith("/clips/")], [])
        self.assertEqual(w.stop(), 0)

    def missing_program(self, s):
        w = start_worker(s, jobs=1,
                         env={"KUMO_YTDLP_PATH": "/nonexistent/yt-dlp"})
        before = set(items(s))
        item = add(s, "ytdlp-missing", [(1, 1, source(
            s.origin_url + "/clips/plain.mp4"))])[0]
        row = wait_terminal(s, [item["id"]], timeout=30)[item["id"]]
        log("(d) %s %r", row["status"], row["error"])
        self.assertEqual(row["status"], "failed")
        self.assertIn("is not installed", row["error"])
        self.assertEqual(row["attempts"], 1)
        self.assertEqual(set(items(s)) - before, {item["id"]})
        self.assertEqual(w.stop(), 0)

    def hostile_options(self, s):
        for text in ("--exec touch /tmp/kumo-pwned", "--output /etc/x",
                     "--config-location /tmp", "-f best --plugin-dirs /tmp"):
            w = start_worker(s, jobs=1, env={"KUMO_YTDLP_OPTIONS": text},
                             wait=False)
            code = w.wait_exit(30)
            log("(e) ytdlp_options %r: exit %s; %s", text, code,
                w.log_text().strip().splitlines()[-1:])
            self.assertEqual(code, 2)
            self.assertIn("ytdlp_options", w.log_text())


if __name__ == "__main__":
    unittest.main()
