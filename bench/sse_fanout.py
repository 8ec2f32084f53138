#!/usr/bin/env python3
"""Event-stream fan-out benchmark of the gateway (Python 3 standard library).

Opens N Server-Sent Events streams (GET /api/events) and measures, against
the same gateway:
  - latency of a cheap API call (default GET /api/auth/status: auth check +
    one store round trip) with 0 streams open and with N streams open;
  - time to open N streams (each until its `init` event arrived);
  - gateway RSS, threads and CPU while N streams sit idle;
  - fan-out: progress updates published on NATS, delay until each stream
    received each one (p50/p99 over all N x M deliveries);
  - how fast streams are released after the clients leave;
  - the baseline: the same API call while 8 streams are open on a gateway
    capped to httplib's default fixed pool of 8 threads.

By default it starts its own PostgreSQL, nats-server, progress service and
gateway (binaries from $KUMO_BUILD_DIR, default /work/main/build):

    python3 bench/sse_fanout.py --clients 500
    python3 bench/sse_fanout.py --clients 500 --json /tmp/sse.json

The client side is one Python thread multiplexing every stream, so fan-out
delays include its own reading time: they are upper bounds.
"""

import argparse
import http.client
import json
import os
import selectors
import socket
import statistics
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "harness"))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))

from kumo_harness import Stack, wait_until  # noqa: E402
from mini_nats import NatsClient  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")


# -- process figures ----------------------------------------------------------

def proc_status(pid):
    """(rss MiB, threads, virtual size MiB) of process `pid`."""
    rss = threads = vsz = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024.0
            elif line.startswith("VmSize:"):
                vsz = int(line.split()[1]) / 1024.0
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
    return rss, threads, vsz


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, int(round(p / 100.0 * (len(ordered) - 1)))))
    return ordered[k]


# -- API latency ----------------------------------------------------------------

def api_latency(base, path, token, count, timeout):
    """Sequential GETs, one connection each (so every call needs a free
    server thread). Returns (latencies in ms, timeouts, statuses)."""
    parsed = urllib.parse.urlsplit(base)
    times, timeouts, statuses = [], 0, {}
    headers = {"Authorization": "Bearer " + token} if token else {}
    for _ in range(count):
        t0 = time.perf_counter()
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
        try:
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            resp.read()
            statuses[resp.status] = statuses.get(resp.status, 0) + 1
            times.append((time.perf_counter() - t0) * 1000.0)
        except (socket.timeout, TimeoutError):
            timeouts += 1
        finally:
            conn.close()
    return times, timeouts, statuses


def summary(times):
    if not times:
        return {"n": 0, "p50_ms": None, "p99_ms": None, "max_ms": None}
    return {"n": len(times),
            "p50_ms": round(percentile(times, 50), 3),
            "p99_ms": round(percentile(times, 99), 3),
            "max_ms": round(max(times), 3) if times else None}


# -- the streams ------------------------------------------------------------------

class Swarm:
    """N event streams read by one selector thread."""

    def __init__(self, base, token):
        self.base = urllib.parse.urlsplit(base)
        self.token = token
        self.sel = selectors.DefaultSelector()
        self.lock = threading.Lock()
        self.conns = {}            # fd -> state dict
        self.inits = 0
        self.deliveries = []       # delay ms of every bench event at every stream
        self.closed_by_server = 0
        self.stop_flag = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def open(self, n, rooms=None):
        path = "/api/events" + ("?rooms=" + rooms if rooms else "")
        request = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                   % path)
        if self.token:
            request += "Authorization: Bearer %s\r\n" % self.token
        request = (request + "\r\n").encode()
        for _ in range(n):
            sock = socket.create_connection((self.base.hostname, self.base.port), timeout=10)
            sock.sendall(request)
            sock.setblocking(False)
            with self.lock:
                self.conns[sock.fileno()] = {"sock": sock, "buf": "", "init": False}
                self.sel.register(sock, selectors.EVENT_READ)

    def count(self):
        with self.lock:
            return len(self.conns)

    def close_all(self):
        with self.lock:
            for st in self.conns.values():
                try:
                    self.sel.unregister(st["sock"])
                except (KeyError, ValueError):
                    pass
                st["sock"].close()
            self.conns.clear()

    def stop(self):
        self.stop_flag = True
        self.close_all()
        self.thread.join(5)

    def _run(self):
        while not self.stop_flag:
            with self.lock:
                empty = not self.conns
            if empty:
                time.sleep(0.01)
                continue
            try:
                ready = self.sel.select(timeout=0.1)
            except (OSError, ValueError):
                continue
            now_ns = time.time_ns()
            for key, _ in ready:
                self._read(key.fileobj, now_ns)

    def _read(self, sock, now_ns):
        try:
            data = sock.recv(1 << 16)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        fd = sock.fileno()
        with self.lock:
            st = self.conns.get(fd)
            if st is None:
                return
            if not data:
                self.closed_by_server += 1
                self.sel.unregister(sock)
                del self.conns[fd]
                sock.close()
                return
            st["buf"] += data.decode("utf-8", "replace")
            blocks = st["buf"].split("\n\n")
            st["buf"] = blocks.pop()
        for block in blocks:
            self._event(st, block, now_ns)

    def _event(self, st, block, now_ns):
        kind, data = None, None
        for line in block.split("\n"):
            if line.startswith("event: "):
                kind = line[7:].strip()
            elif line.startswith("data: "):
                data = line[6:]
        if kind == "init" and not st["init"]:
            st["init"] = True
            with self.lock:
                self.inits += 1
        elif kind == "download_progress" and data and "bench_sent_ns" in data:
            sent = json.loads(data)["data"]["metadata"]["bench_sent_ns"]
            with self.lock:
                self.deliveries.append((now_ns - sent) / 1e6)


# -- scenario ---------------------------------------------------------------------

def login(stack):
    status_code = None
    try:
        return stack.login()
    except RuntimeError as err:
        status_code = str(err)
    print("  no login (%s); continuing without a token" % status_code)
    return None


def measure(args):
    results = {"clients": args.clients, "api_path": args.path,
               "api_requests": args.requests}
    with Stack(name="sse-bench") as s:
        s.start_postgres()
        s.start_nats()
        progress = s.start_service("progress")
        gw = s.start_service("gateway", env=dict(e.split("=", 1) for e in args.env))
        progress.wait_ready()
        gw.wait_ready()
        token = login(s)
        nats = NatsClient(s.nats_url)
        wait_until(lambda: nats.request("kumo.progress.snapshot", b"{}", timeout=1),
                   timeout=20, what="progress service")
        # Warm up: first connections, session cache, store.
        api_latency(s.gateway_url, args.path, token, 20, 5)

        rss, threads, vsz = proc_status(gw.pid)
        cpu0 = cpu_seconds(gw.pid)
        time.sleep(args.idle_seconds)
        idle_cpu = (cpu_seconds(gw.pid) - cpu0) / args.idle_seconds * 100
        times, timeouts, statuses = api_latency(s.gateway_url, args.path, token,
                                                args.requests, 5)
        results["idle"] = {"rss_mib": round(rss, 1), "threads": threads,
                           "vsz_mib": round(vsz),
                           "idle_cpu_percent": round(idle_cpu, 2),
                           "api": summary(times), "api_timeouts": timeouts,
                           "api_statuses": statuses}
        print("0 streams:   rss %.1f MiB, %d threads, idle cpu %.2f%%, %s %s" % (
            rss, threads, idle_cpu, args.path, summary(times)))

        swarm = Swarm(s.gateway_url, token)
        t0 = time.monotonic()
        swarm.open(args.clients)
        wait_until(lambda: swarm.inits >= args.clients, timeout=120,
                   interval=0.05, what="%d init events" % args.clients)
        ramp = time.monotonic() - t0
        time.sleep(1)
        rss, threads, vsz = proc_status(gw.pid)
        cpu0 = cpu_seconds(gw.pid)
        time.sleep(args.idle_seconds)
        idle_cpu = (cpu_seconds(gw.pid) - cpu0) / args.idle_seconds * 100
        times, timeouts, statuses = api_latency(s.gateway_url, args.path, token,
                                                args.requests, 5)
        results["streams"] = {"open_all_s": round(ramp, 3), "rss_mib": round(rss, 1),
                              "vsz_mib": round(vsz),
                              "threads": threads, "idle_cpu_percent": round(idle_cpu, 2),
                              "api": summary(times), "api_timeouts": timeouts,
                              "api_statuses": statuses}
        print("%d streams: opened in %.2fs, rss %.1f MiB, %d threads, idle cpu %.2f%%, %s %s" % (
            args.clients, ramp, rss, threads, idle_cpu, args.path, summary(times)))

        # Fan-out: one progress event at a time, each to every stream.
        for i in range(args.events):
            update = {"id": "bench:%d" % i, "kind": "download", "status": "started",
                      "title": "bench", "key": "bench-series",
                      "metadata": {"bench_sent_ns": time.time_ns()}}
            nats.publish("kumo.progress.download", json.dumps(update))
            time.sleep(args.event_gap)
        expected = args.clients * args.events
        try:
            wait_until(lambda: len(swarm.deliveries) >= expected, timeout=30,
                       what="%d deliveries" % expected)
        except TimeoutError:
            pass
        delays = list(swarm.deliveries)
        results["fanout"] = {"events": args.events, "deliveries": len(delays),
                             "expected": expected,
                             "p50_ms": round(percentile(delays, 50), 2),
                             "p99_ms": round(percentile(delays, 99), 2),
                             "max_ms": round(max(delays), 2) if delays else None}
        print("fan-out:     %d/%d deliveries, delay p50 %.2f ms, p99 %.2f ms, max %.2f ms" % (
            len(delays), expected, results["fanout"]["p50_ms"],
            results["fanout"]["p99_ms"], results["fanout"]["max_ms"] or 0))

        # Clients leave: how soon does the gateway let the streams go?
        t0 = time.monotonic()
        swarm.close_all()
        wait_until(lambda: "kumo_sse_clients 0" in gw.metrics(), timeout=60,
                   interval=0.05, what="streams released")
        released = time.monotonic() - t0
        results["release_s"] = round(released, 3)
        print("release:     every stream released %.2fs after its client left" % released)
        swarm.stop()

        if not args.no_baseline:
            gw.stop()
            gw.env["KUMO_HTTP_MAX_THREADS"] = "8"
            gw.env["KUMO_HTTP_IDLE_THREADS"] = "8"
            s.restart_service(gw, wait=True)
            token = login(s)
            small = Swarm(s.gateway_url, token)
            small.open(8)
            wait_until(lambda: small.inits >= 8, timeout=20, what="8 init events")
            times, timeouts, statuses = api_latency(s.gateway_url, args.path, token,
                                                    5, args.baseline_timeout)
            results["fixed_pool_8"] = {"streams": 8, "api": summary(times),
                                       "api_timeouts": timeouts,
                                       "timeout_s": args.baseline_timeout}
            print("fixed pool of 8 threads, 8 streams: %d/5 API calls timed out after %.0fs" % (
                timeouts, args.baseline_timeout))
            small.stop()
        nats.close()
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clients", type=int, default=500)
    ap.add_argument("--requests", type=int, default=300,
                    help="API calls per latency measurement")
    ap.add_argument("--path", default="/api/auth/status", help="the cheap API call")
    ap.add_argument("--events", type=int, default=20, help="fan-out events")
    ap.add_argument("--event-gap", type=float, default=0.3,
                    help="seconds between fan-out events (> the 250 ms throttle)")
    ap.add_argument("--idle-seconds", type=float, default=5.0)
    ap.add_argument("--baseline-timeout", type=float, default=3.0)
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--env", action="append", default=[], metavar="KUMO_X=VALUE",
                    help="extra gateway setting (repeatable)")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    results = measure(args)
    print(json.dumps(results, indent=2))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
