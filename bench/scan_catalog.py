#!/usr/bin/env python3
"""Library scan end to end: the real scanner with PostgreSQL and NATS, a
generated library of SERIES x EPISODES files, against find(1) over the same
tree in the same run.

The library is generated once (empty files: the scan never reads file
contents, only names and stat results; see bench/library_scan.py for the
layout). Then, --runs times, each run with a fresh scanner process and an
empty catalog (no series, files or episodes):

  find <root> -type f                          median of 3, warm cache
  find <root> -type f -printf '%s %T@ %p\\n'    median of 3, warm cache (stats
                                               every file, as the scan must)
  first scan      rescan request on the bus -> the scan's "completed" progress
                  event (published after the scan row is finished, i.e. after
                  the last catalog write committed); then the catalog is
                  checked in SQL: one series per folder (made by the scan:
                  scan_auto_add), one file row and one on_disk episode per
                  generated file
  no-change rescan, scheduled: task "rescan" (what scan_interval runs)
  no-change rescan, on demand: rescan request (compares every series with
                  the catalog: repairs a catalog changed by hand)
  rescan after N changed files: N files in N series renamed to a new episode
                  number, then task "rescan"; the catalog is checked for the
                  new names (renamed back after the run)
  scanner peak RSS: VmHWM of the scanner process after all of these

The scanner starts with an empty library folder (its start-up scan finds
nothing), and the generated tree is renamed into place before the first
scan, so the first scan is the first walk of those files. The live watch is
off (scan_watch false): every scan here is one the bench asked for.

Cold cache: with --cold (root only), `sync; echo 3 > drop_caches` before one
extra find and one extra first scan at the end; this drops the caches of
every process on the machine.
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "harness"))
sys.path.insert(0, HERE)

from kumo_harness import Stack  # noqa: E402
from library_scan import generate  # noqa: E402

TIMEOUT = 900


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd):
    start, cpu = time.monotonic(), children_cpu()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
    return time.monotonic() - start, children_cpu() - cpu


def median_find(root, printf, runs=3):
    cmd = ["find", root, "-type", "f"]
    if printf:
        cmd += ["-printf", "%s %T@ %p\n"]
    timed(cmd)  # warm-up
    walls = [timed(cmd)[0] for _ in range(runs)]
    return statistics.median(walls)


def proc_cpu(pid):
    """User + system CPU seconds of process `pid` (all its threads)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tick


def pg_cpu(postmaster):
    """CPU seconds of PostgreSQL: the postmaster, its reaped children and
    its live children (the backends, the writers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(pid) == postmaster:
            total += sum(int(v) for v in fields[11:15])
        elif int(fields[1]) == postmaster:
            total += int(fields[11]) + int(fields[12])
    return total / tick


def vm_hwm_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


class Scanner:
    """One scanner process and the bus calls the bench makes."""

    def __init__(self, stack, root):
        self.stack = stack
        self.svc = stack.start_service("scanner", {
            "KUMO_LIBRARY_ROOT": root, "KUMO_SCAN_INTERVAL": "0",
            "KUMO_SCAN_WATCH": "false", "KUMO_SCAN_AUTO_ADD": "true",
            "KUMO_LOG_LEVEL": "warn"})
        self.svc.wait_ready(60)
        self.nc = stack.nats_client("admin")
        self.events = self.nc.subscribe("kumo.progress.scan")
        self.nc.flush()
        self.wait_idle()

    def close(self):
        self.nc.close()
        self.svc.stop()

    def call(self, op, body):
        return json.loads(self.nc.request("kumo.scanner.cmd." + op,
                                          json.dumps(body).encode(), timeout=60))

    def wait_idle(self):
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if self.call("scan_status", {})["current"] is None:
                return
            time.sleep(0.05)
        raise TimeoutError("the scanner never became idle")

    def drain_events(self):
        while True:
            try:
                self.nc.next_message(self.events, timeout=0.01)
            except TimeoutError:
                return

    def wait_done(self, started, scan_id=None):
        """Seconds from `started` to the end event of scan `scan_id` (the
        next scan to end when None); returns (seconds, final scan)."""
        while True:
            _, _, payload = self.nc.next_message(self.events, timeout=TIMEOUT)
            now = time.monotonic()
            event = json.loads(payload)
            if event.get("status") not in ("completed", "failed", "cancelled"):
                continue
            scan = event.get("metadata", {}).get("scan", {})
            if scan_id is None or scan.get("id") == scan_id:
                if event["status"] != "completed":
                    raise RuntimeError("scan ended %s: %s" % (event["status"], scan))
                return now - started, scan

    def rescan(self):
        """An on-demand rescan, timed from the request to its end event."""
        self.drain_events()
        started = time.monotonic()
        reply = self.call("rescan", {})
        while reply["scan"] is None:
            # The scan before ours finished but still held the roots' locks
            # for an instant: asked again, as a client would.
            time.sleep(0.01)
            reply = self.call("rescan", {})
        return self.wait_done(started, reply["scan"]["id"])

    def scheduled(self):
        """Task "rescan" (the scheduled scan), timed from the run request."""
        self.drain_events()
        started = time.monotonic()
        reply = self.call("task_run", {"name": "rescan"})
        if "error" in reply:
            raise RuntimeError("task_run rescan: %s" % reply)
        return self.wait_done(started)


def empty_catalog(stack):
    stack.psql("TRUNCATE scanner_series, scanner_files, scanner_episodes,"
               " scanner_unmatched, scanner_scans CASCADE")


def catalog_counts(stack):
    row = stack.psql(
        "SELECT (SELECT count(*) FROM scanner_series), (SELECT count(*) FROM"
        " scanner_files), (SELECT count(*) FROM"
        " scanner_episodes WHERE state = 'on_disk'), (SELECT count(*) FROM"
        " scanner_files f JOIN scanner_episodes e ON e.series_id = f.series_id"
        " AND ((f.season = e.season AND e.episode = ANY (f.episodes)) OR"
        " e.absolute = ANY (f.absolutes)))")[0]
    return [int(v) for v in row]


def changes(root, series, episodes, count):
    """(old, new) paths of `count` files in `count` different series."""
    out = []
    per_season = (episodes + 1) // 2
    for i in range(count):
        s = (i * 487) % series
        title = "Series %04d" % s
        dotted = title.replace(" ", ".")
        folder = os.path.join(root, "%s (%d)" % (title, 1990 + s % 35), "Season 1")
        old = "%s.S01E%02d.1080p.WEB-DL.x264-GRP.mkv" % (dotted, 1 + i % per_season)
        new = "%s.S01E%02d.1080p.WEB-DL.x264-GRP.mkv" % (dotted, 90 + i % 9)
        out.append((os.path.join(folder, old), os.path.join(folder, new)))
    return out


def put_back(tree, lib):
    """Moves the library back to `tree` when it was moved into place."""
    if os.path.exists(tree):
        os.rmdir(lib)
    else:
        os.rename(lib, tree)


def one_run(args, stack, tree, lib, number):
    """One run; returns its figures."""
    load = os.getloadavg()
    os.makedirs(lib)
    scanner = Scanner(stack, lib)
    pid = scanner.svc.pid
    renamed = []
    try:
        empty_catalog(stack)
        os.rmdir(lib)
        os.rename(tree, lib)
        find_list = median_find(lib, False)
        find_stat = median_find(lib, True)
        cpu, pg = proc_cpu(pid), pg_cpu(stack._pg.pid)
        first, scan = scanner.rescan()
        first_cpu = proc_cpu(pid) - cpu
        first_pg_cpu = pg_cpu(stack._pg.pid) - pg
        counts = catalog_counts(stack)
        want = args.series * args.episodes
        if counts != [args.series, want, want, want]:
            raise RuntimeError("catalog after the first scan: series, files,"
                               " on_disk, held = %s, want %d series, %d files"
                               % (counts, args.series, want))
        cpu = proc_cpu(pid)
        scheduled, _ = scanner.scheduled()
        scheduled_cpu = proc_cpu(pid) - cpu
        on_demand, _ = scanner.rescan()
        moved = changes(lib, args.series, args.episodes, args.changes)
        for old, new in moved:
            os.rename(old, new)
            renamed.append((old, new))
        time.sleep(args.settle)
        changed, changed_scan = scanner.scheduled()
        names = ",".join("'%s'" % os.path.relpath(new, lib).replace("'", "''")
                         for _, new in moved)
        found = int(stack.psql("SELECT count(*) FROM scanner_files WHERE path IN"
                               " (%s)" % names)[0][0])
        if found != len(moved):
            raise RuntimeError("after the changes: %d of %d new names in the"
                               " catalog; scan %s" % (found, len(moved),
                                                      changed_scan))
        hwm = vm_hwm_kib(pid)
    finally:
        for old, new in renamed:
            os.rename(new, old)
        scanner.close()
        put_back(tree, lib)
    fig = {"run": number, "load": load, "find_list": find_list,
           "find_stat": find_stat, "first": first, "first_cpu": first_cpu, "first_pg_cpu": first_pg_cpu,
           "scheduled": scheduled, "scheduled_cpu": scheduled_cpu,
           "on_demand": on_demand, "changed": changed, "hwm_mib": hwm / 1024.0,
           "counts": counts, "first_scan": scan,
           "changed_counters": {k: changed_scan.get(k) for k in
                                ("added", "removed", "changed", "folders")}}
    print_run(fig)
    return fig


def print_run(f):
    print("== run %d; load average at the start %.2f %.2f %.2f" % (
        (f["run"],) + tuple(f["load"])), flush=True)
    print("catalog after the first scan: series %d, files %d, episodes"
          " on_disk %d, episodes held by files %d" % tuple(f["counts"]))
    print("first scan counters: %s" % json.dumps(
        {k: f["first_scan"].get(k) for k in ("folders", "files", "parsed",
                                             "added", "series_added")}))
    print("after the changes: %s" % json.dumps(f["changed_counters"]))
    for label, key in [("find -type f", "find_list"),
                       ("find -type f -printf '%s %T@ %p\\n'", "find_stat"),
                       ("first scan (walk + parse + catalog write)", "first"),
                       ("no-change rescan, scheduled (task rescan)", "scheduled"),
                       ("no-change rescan, on demand (compares all)", "on_demand"),
                       ("rescan after changed files, scheduled", "changed")]:
        print("  %-46s %8.3f s" % (label, f[key]))
    print("  CPU: first scan: scanner %.3f s, PostgreSQL %.3f s; scheduled"
          " rescan: scanner %.3f s" % (f["first_cpu"], f["first_pg_cpu"],
                                       f["scheduled_cpu"]))
    print("  first / find -type f            %.2fx" % (f["first"] / f["find_list"]))
    print("  first / find -printf            %.2fx  (target <= 1.5x)" % (
        f["first"] / f["find_stat"]))
    print("  scheduled rescan / first        %.4fx (target <= 0.05x)" % (
        f["scheduled"] / f["first"]))
    print("  on-demand rescan / first        %.4fx" % (f["on_demand"] / f["first"]))
    print("  changed rescan / first          %.4fx" % (f["changed"] / f["first"]))
    print("  scanner peak RSS (VmHWM)        %.1f MiB (target < 100 MiB)" % f["hwm_mib"],
          flush=True)


def summary(figs):
    print("== %d runs: median [min - max]" % len(figs))

    def span(fn, fmt="%.3f"):
        vals = [fn(f) for f in figs]
        return (fmt + " [" + fmt + " - " + fmt + "]") % (
            statistics.median(vals), min(vals), max(vals))
    print("  find -type f            %s s" % span(lambda f: f["find_list"]))
    print("  find -printf            %s s" % span(lambda f: f["find_stat"]))
    print("  first scan              %s s" % span(lambda f: f["first"]))
    print("  scheduled rescan        %s s" % span(lambda f: f["scheduled"]))
    print("  on-demand rescan        %s s" % span(lambda f: f["on_demand"]))
    print("  changed rescan          %s s" % span(lambda f: f["changed"]))
    print("  first / find -type f    %s x" % span(lambda f: f["first"] / f["find_list"], "%.2f"))
    print("  first / find -printf    %s x" % span(lambda f: f["first"] / f["find_stat"], "%.2f"))
    print("  scheduled / first       %s x" % span(lambda f: f["scheduled"] / f["first"], "%.4f"))
    print("  on-demand / first       %s x" % span(lambda f: f["on_demand"] / f["first"], "%.4f"))
    print("  changed / first         %s x" % span(lambda f: f["changed"] / f["first"], "%.4f"))
    print("  first scan CPU, scanner %s s" % span(lambda f: f["first_cpu"]))
    print("  first scan CPU, PostgreSQL %s s" % span(lambda f: f["first_pg_cpu"]))
    print("  scanner peak RSS        %s MiB" % span(lambda f: f["hwm_mib"], "%.1f"))


def cold_run(args, stack, tree, lib):
    def drop():
        subprocess.run(["sync"], check=True)
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
    os.makedirs(lib)
    scanner = Scanner(stack, lib)
    try:
        empty_catalog(stack)
        os.rmdir(lib)
        os.rename(tree, lib)
        drop()
        find_cold, _ = timed(["find", lib, "-type", "f", "-printf", "%s %T@ %p\n"])
        drop()
        first, _ = scanner.rescan()
        print("cold: find -printf %.3f s, first scan %.3f s, ratio %.2fx" % (
            find_cold, first, first / find_cold), flush=True)
    finally:
        scanner.close()
        put_back(tree, lib)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--series", type=int, default=5000)
    ap.add_argument("--episodes", type=int, default=20, help="per series")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--changes", type=int, default=10)
    ap.add_argument("--settle", type=float, default=1.5,
                    help="seconds between the changes and the rescan (the walk"
                    " reads folders modified less than a second before it again)")
    ap.add_argument("--cold", action="store_true")
    ap.add_argument("--tree", help="the generated library: generated there when"
                    " missing, and kept (on the same file system as the"
                    " harness's temporary folder)")
    ap.add_argument("--pg-setting", action="append", default=[],
                    help="name=value, a further PostgreSQL setting")
    ap.add_argument("--json", help="write every run's figures here")
    args = ap.parse_args()
    with Stack("scan-catalog") as stack:
        tree = args.tree or stack.path("generated")
        lib = stack.path("scan-root")
        if not os.path.exists(tree):
            start = time.monotonic()
            generate(tree, args.series, args.episodes)
            print("generated %d series x %d empty files in %.1f s: %s" % (
                args.series, args.episodes, time.monotonic() - start, tree),
                flush=True)
        settings = {"fsync": "on"}
        settings.update(kv.split("=", 1) for kv in args.pg_setting)
        stack.start_postgres(settings=settings)
        stack.start_nats()
        # The schema comes from the scanner's migrations.
        os.makedirs(stack.path("empty"))
        Scanner(stack, stack.path("empty")).close()
        time.sleep(2)  # every folder older than the walk's racy margin
        figs = [one_run(args, stack, tree, lib, n + 1) for n in range(args.runs)]
        summary(figs)
        if args.cold:
            cold_run(args, stack, tree, lib)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(figs, f, indent=1)
        if not args.tree:
            shutil.rmtree(tree, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
