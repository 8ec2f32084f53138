"""A download never reaches an address of this machine's own interfaces,
unless fetch_allow_cidrs names it.

The test re-executes itself under `unshare -n` (root only; otherwise it is
skipped with exit code 77): everything it starts lives in a fresh network
namespace whose only interface is lo, carrying 127.0.0.1, 10.200.0.7/32 and
93.184.216.34/32. The last one is a public address no other rule refuses;
here it is local. No traffic leaves the namespace.

Tried, with a real stack (PostgreSQL, NATS, queue, gateway, downloader) and
an HTTP origin (python http.server) bound to 0.0.0.0 inside the namespace:
(a) a direct source http://93.184.216.34:<port>/ep.mkv, worker allowlist
    127.0.0.1/32 only -> the item fails at once (no retry: attempts 1) with
    "address 93.184.216.34 is not allowed: assigned to a local interface";
    the origin saw no request; the library stays empty (no file, no .part,
    no series folder left behind);
(b) http://10.200.0.7:<port>/ep2.mkv (local and private) -> refused as well,
    either by the API at add time or by the worker;
(c) the worker restarted with 93.184.216.34/32 added to the allowlist and
    the item of (a) retried -> completed with the origin's bytes.
"""
# ctest-properties: TIMEOUT 240 SKIP_RETURN_CODE 77

import os
import shutil
import socket
import subprocess
import sys
import time
import unittest

LOCAL_PUBLIC = "93.184.216.34"
LOCAL_PRIVATE = "10.200.0.7"


def enter_namespace():
    """Re-runs this file in a new network namespace; returns only there."""
    if os.environ.get("KUMO_TEST_NETNS") == "1":
        for cmd in (["ip", "link", "set", "lo", "up"],
                    ["ip", "addr", "add", LOCAL_PRIVATE + "/32", "dev", "lo"],
                    ["ip", "addr", "add", LOCAL_PUBLIC + "/32", "dev", "lo"]):
            subprocess.run(cmd, check=True)
        return
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("ip"):
        print("SKIP: needs root, unshare and ip for a network namespace")
        sys.exit(77)
    env = dict(os.environ, KUMO_TEST_NETNS="1")
    sys.exit(subprocess.call(["unshare", "-n", "--", sys.executable, "-u",
                              os.path.abspath(__file__)] + sys.argv[1:], env=env))


if __name__ == "__main__":
    enter_namespace()

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from kumo_harness import free_port, wait_until  # noqa: E402
from pipeline_support import (Stack, add, api, check_completed, events,  # noqa: E402
                              log, make_media, sha256_file, start_stack,
                              start_worker, wait_terminal)


def library_entries(s):
    out = []
    for root, dirs, files in os.walk(s.library_root):
        out += [os.path.relpath(os.path.join(root, n), s.library_root)
                for n in dirs + files]
    return sorted(out)


class DownloaderLocalAddresses(unittest.TestCase):

    def test_local_addresses_are_refused_unless_allowed(self):
        with Stack(name="dl-ssrf-local") as s:
            start_stack(s)
            origin_dir = s.path("local-origin")
            make_media(os.path.join(origin_dir, "ep.mkv"), size=300_000, seed=3)
            make_media(os.path.join(origin_dir, "ep2.mkv"), size=1000, seed=4)
            digest = sha256_file(os.path.join(origin_dir, "ep.mkv"))
            port = free_port()
            origin_log = open(s.path("local-origin.log"), "wb")
            origin = subprocess.Popen(
                [sys.executable, "-m", "http.server", "--bind", "0.0.0.0",
                 "--directory", origin_dir, str(port)],
                stdin=subprocess.DEVNULL, stdout=origin_log,
                stderr=subprocess.STDOUT)
            try:
                wait_until(lambda: socket.create_connection(
                    ("127.0.0.1", port), timeout=1).close() or True,
                    timeout=10, interval=0.05, what="local origin")
                self.run_cases(s, port, digest)
            finally:
                origin.kill()
                origin.wait(10)
                origin_log.close()

    def origin_requests(self, s):
        with open(s.path("local-origin.log"), "rb") as f:
            return [line for line in f.read().decode().splitlines()
                    if '"GET ' in line]

    def run_cases(self, s, port, digest):
        worker = start_worker(s, jobs=1)  # allowlist: 127.0.0.1/32
        url = "http://%s:%d/ep.mkv" % (LOCAL_PUBLIC, port)
        it, = add(s, "ssrf-local", [(1, 1, url)])
        row = wait_terminal(s, [it["id"]], timeout=20)[it["id"]]
        log("(a) %s: %s, attempts %d, error %r", url, row["status"],
            row["attempts"], row["error"])
        self.assertEqual(row["status"], "failed")
        self.assertEqual(row["attempts"], 1)
        self.assertIn("address %s is not allowed: assigned to a local interface"
                      % LOCAL_PUBLIC, row["error"])
        self.assertEqual(self.origin_requests(s), [])
        self.assertEqual(library_entries(s), [])
        log("(a) origin requests: 0, library entries: none")

        url2 = "http://%s:%d/ep2.mkv" % (LOCAL_PRIVATE, port)
        status, doc = api(s, "POST", "/api/queue/add", {
            "serie_id": "ssrf-private", "serie_folder": "Private",
            "serie_name": "Private", "episodes": [{
                "season": 1, "episode": 1,
                "source": {"provider": "direct", "url": url2}}]})
        if status == 201 and doc["items"]:
            id2 = doc["items"][0]["id"]
            row2 = wait_terminal(s, [id2], timeout=20)[id2]
            log("(b) %s: %s, error %r", url2, row2["status"], row2["error"])
            self.assertEqual(row2["status"], "failed")
            self.assertIn("address %s is not allowed: 10.0.0.0/8" % LOCAL_PRIVATE,
                          row2["error"])
        else:
            log("(b) %s refused at add time: %d %s", url2, status, doc)
            self.assertIn(status, (201, 400, 422))
        self.assertEqual(self.origin_requests(s), [])
        self.assertEqual(library_entries(s), [])

        worker.stop()
        start_worker(s, jobs=1, env={
            "KUMO_FETCH_ALLOW_CIDRS": "127.0.0.1/32,%s/32" % LOCAL_PUBLIC})
        api(s, "POST", "/api/queue/retry", {"ids": [it["id"]]}, expect=200)
        wait_terminal(s, [it["id"]], timeout=30)
        self.assertEqual(check_completed(s, {it["id"]: digest}), [])
        self.assertEqual(len(self.origin_requests(s)), 1)
        log("(c) allowed explicitly: completed, origin requests: %d, events %s",
            len(self.origin_requests(s)),
            [e["event"] for e in events(s, it["id"])])


if __name__ == "__main__":
    unittest.main()
