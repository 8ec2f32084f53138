#!/usr/bin/env python3
"""HLS download benchmark: Kumo against `ffmpeg -i URL -c copy` and yt-dlp,
same presentation, same local nginx origin, in one run.

The presentation: --seconds of test picture + tone (H.264 + AAC, 2 s
segments), made once by ffmpeg and served by nginx with `limit_rate`
--rate per connection (a CDN that paces each connection).
Kumo: one `hls` source queued through the gateway; one downloader (one
job, hls_parallel segments at once); the clock runs from the POST until
the item is completed in PostgreSQL (segments fetched, remuxed, probed,
fsync'd and committed).
ffmpeg: `ffmpeg -nostdin -i URL -c copy out.mp4`.
yt-dlp: `yt-dlp --ignore-config --no-cache-dir -o out.mp4 URL`.

Printed: wall seconds per tool (median of --runs), Kumo's ratio to the
faster of the other two, and the load average before and after.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))

from hls_support import make_vod, probe  # noqa: E402
from pipeline_support import (Stack, add, start_stack, start_worker,  # noqa: E402
                              wait_terminal)


def timed(cmd, cwd):
    t0 = time.monotonic()
    subprocess.run(cmd, cwd=cwd, check=True, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=3600)
    return time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=int, default=600)
    ap.add_argument("--rate", default="1m", help="nginx limit_rate")
    ap.add_argument("--parallel", type=int, default=None,
                    help="KUMO_HLS_PARALLEL (default: the worker's default)")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--tools", default="kumo,ffmpeg,yt-dlp",
                    help="comma-separated subset to run")
    ap.add_argument("--cache", default="/tmp/kumo-hls-bench",
                    help="folder keeping the encoded presentation")
    args = ap.parse_args()
    tools = args.tools.split(",")
    vod = os.path.join(args.cache, "vod%d" % args.seconds)
    if not os.path.exists(os.path.join(vod, "index.m3u8")):
        make_vod(vod, args.seconds, "320x240")
    size = sum(os.path.getsize(os.path.join(vod, f)) for f in os.listdir(vod))
    print("presentation: %d s, %.1f MiB, nginx limit_rate %s per connection"
          % (args.seconds, size / 1048576.0, args.rate))
    print("load average before: %s" % open("/proc/loadavg").read().split()[:3])
    results = {t: [] for t in tools}
    with Stack(name="hls-bench") as s:
        start_stack(s, nginx={
            "locations": "    location /bench/ { alias %s/; limit_rate %s; }"
            % (vod, args.rate)})
        url = s.origin_url + "/bench/index.m3u8"
        start_worker(s, jobs=1, env={} if args.parallel is None
                     else {"KUMO_HLS_PARALLEL": args.parallel})
        out = s.path("out")
        os.makedirs(out)
        for run in range(args.runs if "kumo" in tools else 0):
            t0 = time.monotonic()
            item = add(s, "bench-%d" % run,
                       [(1, 1, {"provider": "hls", "url": url})])[0]
            row = wait_terminal(s, [item["id"]], timeout=3600,
                                poll=0.05)[item["id"]]
            results["kumo"].append(time.monotonic() - t0)
            assert row["status"] == "completed", row
            duration, _ = probe(os.path.join(s.library_root, row["target_path"]))
            assert abs(duration - args.seconds) < 2, duration
        for run in range(args.runs):
            for name in ("ff.mp4", "yt.mp4"):
                if os.path.exists(os.path.join(out, name)):
                    os.unlink(os.path.join(out, name))
            if "ffmpeg" in tools:
                results["ffmpeg"].append(timed(
                    ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i",
                     url, "-c", "copy", "ff.mp4"], out))
            if "yt-dlp" in tools:
                results["yt-dlp"].append(timed(
                    ["yt-dlp", "--ignore-config", "--no-cache-dir", "--quiet",
                     "-o", "yt.mp4", url], out))
    print("load average after: %s" % open("/proc/loadavg").read().split()[:3])
    med = {k: statistics.median(v) for k, v in results.items()}
    for k, v in med.items():
        print("%-7s %7.1f s  (runs: %s)" % (k, v, ", ".join(
            "%.1f" % x for x in results[k])))
    others = [med[t] for t in ("ffmpeg", "yt-dlp") if t in med]
    if "kumo" in med and others:
        print("kumo / faster of %s = %.2f" % (
            " and ".join(t for t in ("ffmpeg", "yt-dlp") if t in med),
            med["kumo"] / min(others)))


if __name__ == "__main__":
    main()
