#!/usr/bin/env python3
"""Batch download benchmark: Kumo against aria2c and curl, same files, same
local nginx origin, same parallelism, in one run.

Kumo: the batch is queued with one POST /api/queue/add through the gateway;
M downloader processes with J jobs each fetch it (every file fsync'd and
linked into the library). Measured from outside: the clock runs from the
POST until every final file is in the library with its full size (the
library folder polled every 2 ms), so nothing inside Kumo stops the clock.
Run twice per round: without and with the sources' sha256.
aria2c: `aria2c -j P -x 1 -s 1 -i list` with P = M * J.
curl:   `curl --parallel --parallel-max P -o f1 url1 -o f2 url2 ...`.
curl x P: `xargs -P P -n1 curl -sS -O` (P processes).
dd x P: `xargs -P P` of `dd if=<origin file> of=<copy> bs=1M conv=fsync`:
the same bytes written and fsync'd by P processes, the disk's bound.

Printed per tool (median of --runs): wall seconds, CPU seconds per GiB,
peak memory, and Kumo's ratios to aria2c and curl. Then enqueue-to-first-byte
latency: the time from POST /api/queue/add of one small file (workers idle)
to the moment the origin receives the GET.
"""

import argparse
import json
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "harness"))

from download_common import (GIB, Kumo, load_average, rotated, run_tool,  # noqa: E402
                             start_origin, verify)
from kumo_harness import Stack  # noqa: E402


def fmt_row(name, wall, cpu, rss, gib):
    return "%-10s %8.2f s %10.2f CPU-s/GiB %10.1f MiB" % (name, wall, cpu / gib, rss)


TOOLS = ("kumo", "kumo+sha256", "aria2c", "curl", "curl-x", "dd-fsync")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=16)
    ap.add_argument("--size-mib", type=int, default=64)
    ap.add_argument("--workers", type=int, default=2, help="downloader processes")
    ap.add_argument("--jobs", type=int, default=2, help="parallel jobs per downloader")
    ap.add_argument("--connections", type=int, default=1,
                    help="connections per Kumo download (1: one stream per job)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--latency-samples", type=int, default=10)
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    parallel = args.workers * args.jobs
    size = args.size_mib << 20
    gib = args.files * size / GIB

    with Stack(name="bench") as s:
        origin, names, expected = start_origin(s, args.files, size)
        small = "tiny.bin"
        with open(os.path.join(origin, small), "wb") as f:
            f.write(os.urandom(4096))
        urls = ["%s/%s" % (s.origin_url, n) for n in names]
        kumo = Kumo(s, args.workers, args.jobs, s.origin_url, args.connections)

        listfile = s.path("aria2.list")
        with open(listfile, "w") as f:
            f.write("\n".join(urls) + "\n")
        out = {t: s.path("out-" + t) for t in TOOLS}
        commands = {
            "aria2c": (["aria2c", "-q", "-j", str(parallel), "-x", "1", "-s", "1",
                        "--file-allocation=none", "--allow-overwrite=true",
                        "--auto-file-renaming=false", "-d", out["aria2c"],
                        "-i", listfile], False),
            "curl": (["curl", "-sS", "--fail", "--parallel", "--parallel-max",
                      str(parallel)] + sum((["-o", os.path.join(out["curl"], n), u]
                                           for n, u in zip(names, urls)), []),
                     False),
            "curl-x": ("xargs -P%d -n1 curl -sS --fail -O < %s"
                       % (parallel, listfile), True),
            "dd-fsync": ("ls %s/ep*.mkv | xargs -P%d -I{} sh -c "
                         "'dd if={} of=$(basename {}) bs=1M conv=fsync status=none'"
                         % (origin, parallel), True),
        }

        results = {t: [] for t in TOOLS}
        loads = {t: [] for t in TOOLS}
        kumo_cpu_total = []
        for run in range(args.runs):
            for tool in rotated(TOOLS, run):
                loads[tool].append(load_average())
                if tool.startswith("kumo"):
                    wall, cpu, total = kumo.run_batch(
                        names, size, expected if tool == "kumo+sha256" else None)
                    files = kumo.library_files(kumo.batch)
                    verify([(p, None) for p in files],
                           {os.path.basename(p): expected[names[i]]
                            for i, p in enumerate(files)})
                    results[tool].append((wall, cpu, kumo.peak_worker_rss()))
                    kumo_cpu_total.append(total)
                else:
                    cmd, shell = commands[tool]
                    r = run_tool(cmd, out[tool], shell=shell)
                    verify([(os.path.join(out[tool], n), None) for n in names],
                           expected)
                    results[tool].append(r)
            print("run %d: %s" % (run + 1, "  ".join(
                "%s %.2fs (load %s)" % (t, results[t][-1][0], loads[t][-1])
                for t in TOOLS)), flush=True)

        med = {t: tuple(statistics.median(x[i] for x in v) for i in range(3))
               for t, v in results.items()}
        latency = kumo.first_byte_latency(small, args.latency_samples)

        print()
        print("%d files x %d MiB = %.2f GiB, parallelism %d (kumo: %d downloaders x "
              "%d jobs x %d connections), median of %d runs"
              % (args.files, args.size_mib, gib, parallel, args.workers, args.jobs,
                 args.connections, args.runs))
        for tool in TOOLS:
            print(fmt_row(tool, med[tool][0], med[tool][1], med[tool][2], gib)
                  + "   load avg at start of each run: " + ", ".join(loads[tool]))
        print("kumo all services CPU: %.2f CPU-s/GiB (downloaders + queue + gateway + progress)"
              % (statistics.median(kumo_cpu_total) / gib))
        k = med["kumo"][0]
        for tool in ("aria2c", "curl", "curl-x", "dd-fsync"):
            print("ratio kumo/%-8s wall: %.2f" % (tool, k / med[tool][0]))
        print("ratio kumo+sha256/kumo wall: %.2f" % (med["kumo+sha256"][0] / k))
        print("enqueue-to-first-byte: median %.1f ms, max %.1f ms (%d samples)"
              % (statistics.median(latency) * 1000, max(latency) * 1000, len(latency)))
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"args": vars(args), "median": med, "runs": results,
                           "loads": loads, "latency_s": latency}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
