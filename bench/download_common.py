#!/usr/bin/env python3
"""What the download benchmarks share: deterministic origin files served by
a private nginx, the external-tool runner (wall, CPU, peak memory), digest
checks, and a whole Kumo stack that downloads a batch and is timed from
outside (bench/download_batch.py, bench/download_single.py).
"""

import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "harness"))

from kumo_harness import SSEClient, http_json, sha256_file  # noqa: E402

GIB = float(1 << 30)


def start_origin(stack, count, size, limit_rate=None):
    """Makes `count` files of `size` bytes in the stack's origin folder and
    serves them with nginx; returns (folder, names, {name: sha256})."""
    origin = stack.path("origin")
    names = make_files(origin, count, size)
    expected = {n: sha256_file(os.path.join(origin, n)) for n in names}
    if limit_rate:
        stack.start_nginx(origin, limit_rate=limit_rate)
    else:
        stack.start_nginx(origin)
    return origin, names, expected


def rotated(tools, run):
    """The tools in the order of run `run`, so no tool always runs on a
    warmer machine."""
    k = run % len(tools)
    return list(tools[k:] + tools[:k])


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
