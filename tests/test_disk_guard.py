"""The downloader's free-space guard on a small file system.

The downloader runs inside its own mount namespace (`unshare -m`, started
through a small shell wrapper) with a 64 MiB tmpfs mounted as its library
root; the test reaches that file system through /proc/<pid>/root. Needs
root (skipped otherwise).

Tried and asserted:
- floor KUMO_MIN_FREE_BYTES = 16 MiB; a 32 MiB episode (size declared)
  served at 4 MiB/s starts (64 - 32 >= 16);
- once a few MiB are in the .part, the test fills the tmpfs until 8 MiB are
  free: the job stops, the item is `paused` with pause_reason `disk_full`
  ("paused: disk almost full") and its offset kept, not failed; a webhook
  subscribed to disk.guard_tripped is called; for two seconds nothing
  claims the item again;
- the filler is deleted: the worker sees space on its own and the item
  completes from its offset (a Range request), with the origin's sha256.
"""
# ctest-properties: TIMEOUT 180

import json
import os
import shutil
import stat
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from kumo_harness import Service, service_binary  # noqa: E402
from pipeline_support import (WORKER_ENV, Stack, add, api, origin_file,  # noqa: E402
                              requests_for, start_stack, wait_status,
                              wait_terminal, wait_until)
from test_notify_webhooks import Receiver, signed  # noqa: E402

MIB = 1 << 20
SIZE = 32 * MIB


def wrapper(s):
    """A script that mounts the tmpfs in a new mount namespace and then
    becomes the downloader (same pid: unshare and sh exec)."""
    path = s.path("downloader-in-tmpfs.sh")
    with open(path, "w") as f:
        f.write('#!/bin/sh\n'
                'exec unshare -m --propagation private sh -c \'mount -t tmpfs '
                '-o size=64m kumo-test-lib "$KUMO_LIBRARY_ROOT" && exec "$0"\' '
                '"%s"\n' % service_binary("downloader"))
    os.chmod(path, stat.S_IRWXU)
    return path


def start_downloader(s):
    env = s.service_env("downloader", dict(WORKER_ENV, KUMO_JOBS="1",
                                           KUMO_MIN_FREE_BYTES=str(16 * MIB),
                                           KUMO_MIN_FREE_PERCENT="0"))
    svc = Service(s, "downloader", env, s.path("downloader-tmpfs.log"),
                  wrapper(s))
    svc._launch()
    s.services.append(svc)
    svc.wait_ready(30)
    return svc


@unittest.skipUnless(os.geteuid() == 0 and shutil.which("unshare"),
                     "needs root and unshare for a private tmpfs")
class DiskGuard(unittest.TestCase):

    def test_trips_pauses_and_resumes(self):
        rx = Receiver()
        try:
            with Stack(name="disk-guard") as s:
                start_stack(s, queue_env={"KUMO_NOTIFY_ALLOW_CIDRS": "127.0.0.1/32",
                                          "KUMO_NOTIFY_POLL": "100ms"},
                            nginx={"locations":
                                   "    location /slow/ { limit_rate 4m; }"})
                api(s, "POST", "/api/webhooks", {
                    "name": "disk", "kind": "webhook", "url": rx.url("/disk"),
                    "secret": "k", "events": ["disk.guard_tripped"]}, expect=201)
                w = start_downloader(s)
                lib = "/proc/%d/root%s" % (w.pid, s.library_root)
                self.assertLess(os.statvfs(lib).f_blocks * os.statvfs(lib).f_frsize,
                                65 * MIB, "the library is the small tmpfs")
                url, digest, size = origin_file(s, "slow/ep.bin", size=SIZE, seed=5)
                item = add(s, "disk-show", [(1, 1, {"provider": "direct",
                                                    "url": url, "size": size})])[0]
                part = os.path.join(lib, item["target_path"] + ".part")
                wait_until(lambda: os.path.exists(part) and
                           os.path.getsize(part) >= 4 * MIB,
                           timeout=20, what="download under way")
                filler = os.path.join(lib, "filler.bin")
                self.fill_until_free(lib, filler, 8 * MIB)

                wait_status(s, item["id"], "paused", timeout=20)
                _, doc = api(s, "GET", "/api/queue/%s" % item["id"], expect=200)
                shown = doc.get("item", doc)
                self.assertEqual(shown["pause_reason"], "disk_full", shown)
                self.assertEqual(shown["status_text"], "paused: disk almost full")
                self.assertGreater(shown["bytes_done"], 0)
                self.assertLess(shown["bytes_done"], size)
                wait_until(lambda: rx.to("/disk"), timeout=10,
                           what="disk.guard_tripped webhook")
                call = rx.to("/disk")[0]
                self.assertTrue(signed(call, "k"))
                body = json.loads(call["body"])
                self.assertEqual(body["event"], "disk.guard_tripped")
                self.assertEqual(body["data"]["item"], item["id"])
                time.sleep(2)
                _, doc = api(s, "GET", "/api/queue/%s" % item["id"], expect=200)
                self.assertEqual(doc.get("item", doc)["status"], "paused",
                                 "nothing claims below the floor")

                os.remove(filler)
                done = wait_terminal(s, [item["id"]], timeout=60)[item["id"]]
                self.assertEqual(done["status"], "completed")
                final = os.path.join(lib, item["target_path"])
                import hashlib
                with open(final, "rb") as f:
                    self.assertEqual(hashlib.sha256(f.read()).hexdigest(), digest)
                ranges = [r["range"] for r in requests_for(s, "ep.bin")]
                self.assertTrue(any(r.startswith("bytes=") for r in ranges),
                                "resumed with a Range request: %s" % ranges)
                w.stop()
        finally:
            rx.close()

    def fill_until_free(self, lib, path, free):
        vfs = os.statvfs(lib)
        have = vfs.f_bavail * vfs.f_frsize
        with open(path, "wb") as f:
            f.write(b"\0" * max(0, have - free))
            f.flush()
            os.fsync(f.fileno())


if __name__ == "__main__":
    unittest.main()
