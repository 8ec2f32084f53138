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

once per --threads value (walk_options::threads), each walk next to the find
figures of the same run. Each figure is the median of --runs runs, after one
warm-up run of each; wall seconds, and CPU seconds (user + system, all
threads), which a machine shared with other work disturbs less. The
cold-cache case needs `echo 3 > /proc/sys/vm/drop_caches`, which drops the
caches of every process on the machine; it is only run with --cold.
"""

import argparse
import json
import os
import resource
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


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd):
    """Wall and CPU seconds of one run of `cmd`."""
    start, cpu = time.monotonic(), children_cpu()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
    return time.monotonic() - start, children_cpu() - cpu


def median_of(runs, cmd):
    timed(cmd)  # warm-up
    runs = [timed(cmd) for _ in range(runs)]
    return (statistics.median(r[0] for r in runs),
            statistics.median(r[1] for r in runs))


def drop_caches():
    try:
        subprocess.run(["sync"], check=True)
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError as err:
        print("cold case not measured: %s" % err)
        return False


def report(args, root, threads):
    """Times find and the walk with `threads` threads in one run, prints
    the figures and the ratios."""
    find_list, find_list_cpu = median_of(args.runs, ["find", root, "-type", "f"])
    find_stat, find_stat_cpu = median_of(args.runs, [
        "find", root, "-type", "f", "-printf",
                                         "%s %T@ %p\n"])
    out = subprocess.run([args.bench, root, str(args.runs), str(args.changes),
                          str(threads)],
                         stdout=subprocess.PIPE, check=True, text=True).stdout
    walk = json.loads(out)
    first, rescan, changed = walk["first_s"], walk["rescan_s"], walk["changed_s"]
    print("== walk_options::threads = %d; load average %.1f" % (
        threads, os.getloadavg()[0]))
    print("series %d, episodes parsed %d, files renamed %d" % (
        walk["series"], walk["episodes"], walk["renamed"]))
    print("first walk   stats %s" % json.dumps(walk["first_stats"]))
    print("rescan       stats %s" % json.dumps(walk["rescan_stats"]))
    print("after change stats %s" % json.dumps(walk["changed_stats"]))
    print("%-44s %9s %9s" % ("median of %d runs, warm cache" % args.runs,
                             "wall s", "CPU s"))
    for label, value, cpu in [
            ("find -type f", find_list, find_list_cpu),
            ("find -type f -printf '%s %T@ %p\\n'", find_stat, find_stat_cpu),
            ("walk: first walk (parse included)", first, walk["first_cpu_s"]),
            ("walk: no-change rescan", rescan, walk["rescan_cpu_s"]),
            ("walk: rescan after %d renamed files" % args.changes, changed, None)]:
        print("%-44s %9.4f %9s" % (label, value,
                                   "" if cpu is None else "%.4f" % cpu))
    # The target is judged against find -printf: like the walk, it stats
    # every file; plain find lists names only (d_type), a lower bound.
    print("first walk / find -type f          %.2fx" % (first / find_list))
    print("first walk / find -printf (stats)  %.2fx (target <= 1.5x)" % (
        first / find_stat))
    print("no-change rescan / first walk      %.3fx (target <= 0.05x)" % (rescan / first))
    print("changed rescan / first walk        %.3fx" % (changed / first))
    print("CPU: first walk / find -type f     %.2fx" % (
        walk["first_cpu_s"] / find_list_cpu))
    print("CPU: first walk / find -printf     %.2fx" % (
        walk["first_cpu_s"] / find_stat_cpu))
    print("CPU: no-change rescan / first walk %.3fx" % (
        walk["rescan_cpu_s"] / walk["first_cpu_s"]))
    print("peak RSS of the bench process      %.1f MiB (target < 100 MiB)" % (
        walk["max_rss_kib"] / 1024.0))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--series", type=int, default=5000)
    ap.add_argument("--episodes", type=int, default=20, help="per series")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--changes", type=int, default=10)
    ap.add_argument("--threads", default="1,2",
                    help="comma-separated walk_options::threads values")
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
        for threads in [int(t) for t in args.threads.split(",")]:
            report(args, root, threads)
        if args.cold and drop_caches():
            cold_find, _ = timed(["find", root, "-type", "f"])
            drop_caches()
            cold = json.loads(subprocess.run([args.bench, root, "1", "0",
                                              args.threads.split(",")[-1]],
                                             stdout=subprocess.PIPE, check=True,
                                             text=True).stdout)["first_s"]
            print("cold: find -type f %.4fs, first walk %.4fs, ratio %.2fx" % (
                cold_find, cold, cold / cold_find))
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
