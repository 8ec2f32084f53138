#!/usr/bin/env python3
"""Library walk benchmark: the scanner's walk against find(1), same tree,
same run, warm cache.

Generates a library of SERIES series folders with EPISODES episode files each
(empty files: the walk never reads file contents), in two season folders per
series, named like real releases ("Series 0042 (2011)/Season 2/
Series.0042.S02E07.1080p.WEB-DL.x264-GRP.mkv"). Waits two seconds so every
folder is older than the walk's racy-timestamp margin, then times:

  find <root> -type f                       (lists, no stat per file)
  find <root> -type f -printf '%s %T@ %p\\n' (stats every file, as the walk does)
  kumo_scanner_walk_bench <root>            (first walk with parsing, no-change
                                             rescan, rescan after N renames)

Each figure is the median of --runs runs, after one warm-up run of each. The
cold-cache case needs `echo 3 > /proc/sys/vm/drop_caches`, which drops the
caches of every process on the machine; it is only run with --cold.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_BENCH = os.path.join(HERE, "..", "build-release", "services", "scanner",
                             "kumo_scanner_walk_bench")


def generate(root, series, episodes):
    per_season = (episodes + 1) // 2
    for s in range(series):
        title = "Series %04d" % s
        folder = os.path.join(root, "%s (%d)" % (title, 1990 + s % 35))
        dotted = title.replace(" ", ".")
        for e in range(episodes):
            season, number = 1 + e // per_season, 1 + e % per_season
            season_dir = os.path.join(folder, "Season %d" % season)
            if number == 1:
                os.makedirs(season_dir)
            name = "%s.S%02dE%02d.1080p.WEB-DL.x264-GRP.mkv" % (dotted, season, number)
            open(os.path.join(season_dir, name), "wb").close()


def timed(cmd):
    start = time.monotonic()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
    return time.monotonic() - start


def median_of(runs, cmd):
    timed(cmd)  # warm-up
    return statistics.median(timed(cmd) for _ in range(runs))


def drop_caches():
    try:
        subprocess.run(["sync"], check=True)
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError as err:
        print("cold case not measured: %s" % err)
        return False


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--series", type=int, default=5000)
    ap.add_argument("--episodes", type=int, default=20, help="per series")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--changes", type=int, default=10)
    ap.add_argument("--bench", default=DEFAULT_BENCH)
    ap.add_argument("--root", help="existing tree to reuse (not generated)")
    ap.add_argument("--cold", action="store_true",
                    help="also time a cold-cache first walk and find (drops caches)")
    args = ap.parse_args()

    tmp = None
    root = args.root
    if not root:
        tmp = tempfile.mkdtemp(prefix="kumo-library-")
        root = os.path.join(tmp, "library")
        start = time.monotonic()
        generate(root, args.series, args.episodes)
        print("generated %d series x %d empty episode files in %.1fs: %s" % (
            args.series, args.episodes, time.monotonic() - start, root))
        time.sleep(2)
    try:
        find_list = median_of(args.runs, ["find", root, "-type", "f"])
        find_stat = median_of(args.runs, ["find", root, "-type", "f", "-printf",
                                          "%s %T@ %p\n"])
        out = subprocess.run([args.bench, root, str(args.runs), str(args.changes)],
                             stdout=subprocess.PIPE, check=True, text=True).stdout
        walk = json.loads(out)
        first, rescan, changed = walk["first_s"], walk["rescan_s"], walk["changed_s"]
        print("series %d, episodes parsed %d, files renamed %d" % (
            walk["series"], walk["episodes"], walk["renamed"]))
        print("first walk   stats %s" % json.dumps(walk["first_stats"]))
        print("rescan       stats %s" % json.dumps(walk["rescan_stats"]))
        print("after change stats %s" % json.dumps(walk["changed_stats"]))
        print("%-44s %9s" % ("median of %d runs, warm cache" % args.runs, "seconds"))
        for label, value in [("find -type f", find_list),
                             ("find -type f -printf '%s %T@ %p\\n'", find_stat),
                             ("walk: first walk (parse included)", first),
                             ("walk: no-change rescan", rescan),
                             ("walk: rescan after %d renamed files" % args.changes,
                              changed)]:
            print("%-44s %9.4f" % (label, value))
        print("first walk / find -type f          %.2fx (target <= 1.5x)" % (first / find_list))
        print("first walk / find -printf (stats)  %.2fx" % (first / find_stat))
        print("no-change rescan / first walk      %.3fx (target <= 0.05x)" % (rescan / first))
        print("changed rescan / first walk        %.3fx" % (changed / first))
        print("peak RSS of the bench process      %.1f MiB (target < 100 MiB)" % (
            walk["max_rss_kib"] / 1024.0))
        if args.cold and drop_caches():
            cold_find = timed(["find", root, "-type", "f"])
            drop_caches()
            cold = json.loads(subprocess.run([args.bench, root, "1", "0"],
                                             stdout=subprocess.PIPE, check=True,
                                             text=True).stdout)["first_s"]
            print("cold: find -type f %.4fs, first walk %.4fs, ratio %.2fx" % (
                cold_find, cold, cold / cold_find))
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
