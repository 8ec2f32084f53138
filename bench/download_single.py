#!/usr/bin/env python3
"""One large file over several connections: Kumo against aria2c and curl,
same file, same local nginx origin (`limit_rate` per connection), in one
run.

Kumo: one downloader process, one job, `--connections` connections (the
segmented download); the clock runs from POST /api/queue/add until the
final file is in the library with its full size (polled from outside every
2 ms). Run without and with the source's sha256.
aria2c: `aria2c -x N -s N` (N connections to the one server).
curl:   `curl -O` (one connection).
Printed: wall seconds per tool (median of --runs), the load average at the
start of each run, and the ratios.
"""

import argparse
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "harness"))

from download_common import Kumo, load_average, rotated, run_tool, start_origin, verify  # noqa: E402
from kumo_harness import Stack  # noqa: E402

TOOLS = ("kumo", "kumo+sha256", "aria2c", "curl")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size-mib", type=int, default=256)
    ap.add_argument("--rate", default="8m", help="nginx limit_rate per connection")
    ap.add_argument("--connections", type=int, default=4)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    size = args.size_mib << 20
    n = str(args.connections)

    with Stack(name="bench-single") as s:
        _, names, expected = start_origin(s, 1, size, limit_rate=args.rate)
        url = "%s/%s" % (s.origin_url, names[0])
        kumo = Kumo(s, 1, 1, s.origin_url, args.connections)
        out = {t: s.path("out-" + t) for t in TOOLS}
        commands = {
            "aria2c": ["aria2c", "-q", "-x", n, "-s", n, "-k", "1M",
                       "--file-allocation=none", "--allow-overwrite=true",
                       "--auto-file-renaming=false", "-d", out["aria2c"], url],
            "curl": ["curl", "-sS", "--fail", "-o",
                     os.path.join(out["curl"], names[0]), url],
        }
        results = {t: [] for t in TOOLS}
        loads = {t: [] for t in TOOLS}
        for run in range(args.runs):
            for tool in rotated(TOOLS, run):
                loads[tool].append(load_average())
                if tool.startswith("kumo"):
                    wall, _, _ = kumo.run_batch(
                        names, size, expected if tool == "kumo+sha256" else None)
                    files = kumo.library_files(kumo.batch)
                    verify([(files[0], None)],
                           {os.path.basename(files[0]): expected[names[0]]})
                else:
                    wall = run_tool(commands[tool], out[tool])[0]
                    verify([(os.path.join(out[tool], names[0]), None)], expected)
                results[tool].append(wall)
            print("run %d: %s" % (run + 1, "  ".join(
                "%s %.2fs (load %s)" % (t, results[t][-1], loads[t][-1])
                for t in TOOLS)), flush=True)

        med = {t: statistics.median(v) for t, v in results.items()}
        print()
        print("1 file x %d MiB, nginx limit_rate %s per connection, kumo and aria2c "
              "with %d connections, median of %d runs"
              % (args.size_mib, args.rate, args.connections, args.runs))
        for tool in TOOLS:
            print("%-12s %7.2f s   load avg at start of each run: %s"
                  % (tool, med[tool], ", ".join(loads[tool])))
        print("ratio kumo/aria2c wall: %.2f" % (med["kumo"] / med["aria2c"]))
        print("ratio kumo/curl   wall: %.2f" % (med["kumo"] / med["curl"]))
        print("ratio kumo+sha256/kumo wall: %.2f" % (med["kumo+sha256"] / med["kumo"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
