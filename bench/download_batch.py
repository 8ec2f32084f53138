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
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "harness"))

from kumo_harness import SSEClient, Stack, http_json, sha256_file  # noqa: E402

GIB = float(1 << 30)


def proc_cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime


def proc_peak_rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def make_files(origin, count, size):
    """Deterministic incompressible files; reused between invocations."""
    os.makedirs(origin, exist_ok=True)
    names = []
    for i in range(count):
        name = "ep%03d.mkv" % (i + 1)
        path = os.path.join(origin, name)
        if not os.path.exists(path) or os.path.getsize(path) != size:
            with open(path, "wb") as f:
                left = size
                while left > 0:
                    chunk = os.urandom(min(left, 8 << 20))
                    f.write(chunk)
                    left -= len(chunk)
        names.append(name)
    return names


def load_average():
    return "%.2f %.2f %.2f" % os.getloadavg()


def run_tool(cmd, out_dir, shell=False):
    """Runs an external downloader; returns wall seconds, CPU seconds (from
    wait4's rusage of the child and its waited-for children) and peak RSS
    in MiB (of the direct child)."""
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    subprocess.run(["sync"], check=True)
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, shell=shell,
                            cwd=out_dir, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL)
    # ru_maxrss would include the forked Python image before exec, so the
    # peak is sampled from /proc (VmHWM only grows) until the tool exits.
    peak = 0.0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        try:
            peak = max(peak, proc_peak_rss_mib(proc.pid))
        except OSError:
            pass
        time.sleep(0.01)
    wall = time.monotonic() - start
    if status != 0:
        raise RuntimeError("%s failed: %s" % (cmd[0], proc.stderr.read()[-2000:]))
    return wall, usage.ru_utime + usage.ru_stime, peak


def verify(dir_files, expected):
    for path, digest in dir_files:
        got = sha256_file(path)
        if got != expected[os.path.basename(path)]:
            raise RuntimeError("hash mismatch for %s" % path)


class Kumo:
    """A whole Kumo stack with `workers` downloader processes."""

    def __init__(self, stack, workers, jobs, origin_url, connections=1):
        self.s = stack
        self.origin_url = origin_url
        stack.start_postgres()
        stack.start_nats()
        env = {"KUMO_ANNOUNCE_INTERVAL": "2s"}
        for name in ("queue", "progress", "gateway"):
            stack.start_service(name, env).wait_ready(60)
        self.workers = []
        for _ in range(workers):
            w = stack.start_service("downloader", {
                "KUMO_JOBS": str(jobs),
                "KUMO_MAX_CONNECTIONS": str(connections),
                "KUMO_FETCH_ALLOW_CIDRS": "127.0.0.1/32"})
            self.workers.append(w)
        for w in self.workers:
            w.wait_ready(60)
        self.token = stack.login()
        self.batch = 0

    def services(self):
        return [svc for svc in self.s.services if svc.running()]

    def add(self, names, season, digests=None):
        episodes = [{"season": season, "episode": i + 1,
                     "source": {"provider": "direct",
                                "url": "%s/%s" % (self.origin_url, n)}}
                    for i, n in enumerate(names)]
        for ep, n in zip(episodes, names):
            if digests:
                ep["source"]["sha256"] = digests[n]
        body = {"serie_id": "bench-series", "serie_folder": "Bench Series",
                "serie_name": "Bench Series", "priority": "normal",
                "episodes": episodes}
        status, reply = http_json("POST", self.s.gateway_url + "/api/queue/add",
                                  body, token=self.token, timeout=60)
        if status not in (200, 201) or len(reply.get("items", [])) != len(names):
            raise RuntimeError("add answered %d: %s" % (status, reply))
        return [item["id"] for item in reply["items"]]

    def clean(self):
        http_json("DELETE", self.s.gateway_url + "/api/queue/completed",
                  token=self.token)
        shutil.rmtree(os.path.join(self.s.library_root, "Bench Series"),
                      ignore_errors=True)

    def run_batch(self, names, size, digests=None):
        """Returns wall seconds (POST until every final file is in the
        library, seen from outside), downloader CPU seconds, all-services
        CPU."""
        self.clean()
        self.batch += 1
        subprocess.run(["sync"], check=True)
        cpu_before = {svc.pid: proc_cpu_seconds(svc.pid) for svc in self.services()}
        folder = os.path.join(self.s.library_root, "Bench Series",
                              "Season %02d" % self.batch)
        start = time.monotonic()
        self.add(names, self.batch, digests)
        deadline = start + 600
        while True:
            try:
                done = [e for e in os.scandir(folder) if e.name.endswith(".mkv")
                        and e.stat(follow_symlinks=False).st_size == size]
            except OSError:
                done = []
            if len(done) == len(names):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("batch not complete after 600 s")
            time.sleep(0.002)
        wall = time.monotonic() - start
        cpu_after = {svc.pid: proc_cpu_seconds(svc.pid) for svc in self.services()}
        worker_pids = {w.pid for w in self.workers}
        worker_cpu = sum(cpu_after[p] - cpu_before.get(p, 0) for p in worker_pids)
        total_cpu = sum(cpu_after[p] - cpu_before.get(p, 0) for p in cpu_after)
        return wall, worker_cpu, total_cpu

    def run_batch_events(self, names):
        """Returns wall seconds (POST until the last download_complete
        event), downloader CPU seconds, all-services CPU."""
        self.clean()
        self.batch += 1
        subprocess.run(["sync"], check=True)
        cpu_before = {svc.pid: proc_cpu_seconds(svc.pid) for svc in self.services()}
        url = self.s.gateway_url + "/api/events?rooms=downloads"
        with SSEClient(url, token=self.token, timeout=600) as sse:
            sse.next_event(timeout=30)  # init
            start = time.monotonic()
            ids = set(self.add(names, self.batch))
            done = set()
            while done != ids:
                kind, raw = sse.next_event(timeout=600)
                data = json.loads(raw) if raw else {}
                item = data.get("data", {}).get("id", "").replace("download:", "")
                if kind == "download_complete" and item in ids:
                    done.add(item)
                elif kind == "download_failed" and item in ids:
                    raise RuntimeError("download failed: %s" % data)
            wall = time.monotonic() - start
        cpu_after = {svc.pid: proc_cpu_seconds(svc.pid) for svc in self.services()}
        worker_pids = {w.pid for w in self.workers}
        worker_cpu = sum(cpu_after[p] - cpu_before.get(p, 0) for p in worker_pids)
        total_cpu = sum(cpu_after[p] - cpu_before.get(p, 0) for p in cpu_after)
        return wall, worker_cpu, total_cpu

    def peak_worker_rss(self):
        return max(proc_peak_rss_mib(w.pid) for w in self.workers)

    def library_files(self, season):
        folder = os.path.join(self.s.library_root, "Bench Series",
                              "Season %02d" % season)
        # A .part may still be on its way out right after the final link.
        return sorted(os.path.join(folder, f) for f in os.listdir(folder)
                      if not f.endswith((".part", ".segments")) and not f.startswith("."))

    def first_byte_latency(self, name, samples):
        """Seconds from POST /api/queue/add to the origin receiving the GET."""
        out = []
        for i in range(samples):
            self.clean()
            time.sleep(0.3)  # workers idle, waiting for a wake-up
            before = time.time()
            self.add([name], 100 + i)
            deadline = time.time() + 30
            seen = None
            while seen is None and time.time() < deadline:
                for start, _, path in self.s.nginx_request_starts():
                    if path == "/" + name and start >= before - 0.001:
                        seen = start
                time.sleep(0.01)
            if seen is None:
                raise RuntimeError("origin never saw the request")
            out.append(max(0.0, seen - before))
        return out


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
        origin = s.path("origin")
        names = make_files(origin, args.files, size)
        expected = {n: sha256_file(os.path.join(origin, n)) for n in names}
        s.start_nginx(origin)
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
            # Rotate the order so no tool always runs on a warmer machine.
            order = list(TOOLS[run % len(TOOLS):] + TOOLS[:run % len(TOOLS)])
            for tool in order:
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
