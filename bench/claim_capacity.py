#!/usr/bin/env python3
"""The queue's claim path under a fleet of workers, on a private PostgreSQL.

Runs kumo_queue_claim_bench (services/queue/claim_bench.cpp) against a
private PostgreSQL (fsync on, as in production) in two ways:

- store: <threads> simulated workers, each with its own connection, claim
  <slots> items at a time and send KUMO_BENCH_HEARTBEATS heartbeats for
  each claim, until the queue is empty: the transaction path alone;
- nats: the same workers send kumo.queue.claim requests to one real queue
  service (its default store_connections) through nats-server, and send
  their heartbeats as kumo.queue.heartbeat requests: the whole path a
  downloader uses.

Prints the bench's lines and the load average before and after each run.
Binaries from $KUMO_BUILD_DIR (default build-release): the bench and, for
nats, services/queue/kumo-queue.

    KUMO_BUILD_DIR=build-release python3 bench/claim_capacity.py \\
        --items 10000 --threads 100 --slots 1 --heartbeats 1
"""

import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "harness"))

from kumo_harness import Stack, build_dir  # noqa: E402


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def run_bench(stack, mode, args):
    bench = os.path.join(build_dir(), "services", "queue",
                         "kumo_queue_claim_bench")
    env = dict(os.environ, KUMO_BENCH_DATABASE_URL=stack.pg_url,
               KUMO_BENCH_HEARTBEATS=str(args.heartbeats))
    if mode == "nats":
        env["KUMO_BENCH_NATS_URL"] = stack.nats_url
    print("load average before: %s" % load(), flush=True)
    proc = subprocess.run(
        [bench, mode, str(args.items), str(args.threads), str(args.slots)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        universal_newlines=True, timeout=args.timeout)
    print(proc.stdout.strip(), flush=True)
    print("load average after: %s (exit %d)" % (load(), proc.returncode),
          flush=True)
    return proc.returncode


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--items", type=int, default=10000)
    p.add_argument("--threads", type=int, default=100)
    p.add_argument("--slots", type=int, default=1)
    p.add_argument("--heartbeats", type=int, default=1,
                   help="heartbeats per claim")
    p.add_argument("--modes", default="store,nats")
    p.add_argument("--timeout", type=int, default=900)
    args = p.parse_args()
    failed = 0
    with Stack("claim-capacity") as stack:
        stack.start_postgres(settings={"fsync": "on"})
        for mode in args.modes.split(","):
            print("== %s" % mode, flush=True)
            if mode == "nats" and not stack.services:
                stack.start_nats()
                stack.start_service("queue").wait_ready(60)
            failed |= run_bench(stack, mode, args)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
