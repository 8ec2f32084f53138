"""The downloader reads its configuration once, and a bad one stops it with
exit code 2 and one clear line, never a crash.

Tried:
(a) KUMO_CONFIG names a FIFO that hands out a valid configuration on its
    first read and one whose library_root does not exist on every later
    read. The downloader must read it exactly once and run with what it
    checked: "worker ready" with the first library root, no "invalid
    configuration" line, still running, exit 0 on SIGTERM. (Reading it a
    second time used to reach the worker with options that failed their
    check: an error line, then a dereferenced empty optional.)
(b) library_root missing, a file instead of a directory, and a malformed
    fetch_allow_cidrs: exit code 2 within 5 s, exactly one error line naming
    the option, no sanitizer report, no "worker ready".
"""
# ctest-properties: TIMEOUT 120

import json
import os
import signal
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))

from kumo_harness import Stack, service_binary  # noqa: E402

NO_NATS = "nats://127.0.0.1:9"  # nothing listens: the worker needs no bus here


def json_lines(text):
    out = []
    for line in text.splitlines():
        try:
            doc = json.loads(line)
        except ValueError:
            continue
        if isinstance(doc, dict):
            out.append(doc)
    return out


class FifoConfig(threading.Thread):
    """Serves `first` to the first reader of a FIFO and `later` to every
    later one; counts the readers."""

    def __init__(self, path, first, later):
        super().__init__(daemon=True)
        self.path, self.first, self.later = path, first, later
        self.reads = 0
        self.done = threading.Event()
        os.mkfifo(path)

    def run(self):
        while not self.done.is_set():
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:  # ENXIO: no reader yet
                time.sleep(0.005)
                continue
            doc = self.first if self.reads == 0 else self.later
            self.reads += 1
            try:
                os.write(fd, json.dumps(doc).encode())
            finally:
                os.close(fd)
            time.sleep(0.05)  # let the reader see EOF before the next open


class DownloaderConfig(unittest.TestCase):

    def test_configuration_is_read_once(self):
        with Stack(name="dl-config") as s:
            fifo = FifoConfig(s.path("config.fifo"),
                              {"library_root": s.library_root},
                              {"library_root": s.path("gone")})
            fifo.start()
            env = s.service_env("downloader", {
                "KUMO_LIBRARY_ROOT": None, "KUMO_CONFIG": fifo.path,
                "KUMO_NATS_URL": NO_NATS})
            log_path = s.path("downloader.log")
            with open(log_path, "wb") as log:
                proc = subprocess.Popen([service_binary("downloader")], env=env,
                                        stdin=subprocess.DEVNULL, stdout=log,
                                        stderr=subprocess.STDOUT)
            try:
                deadline = time.monotonic() + 15
                ready = []
                while time.monotonic() < deadline and proc.poll() is None:
                    with open(log_path, "rb") as f:
                        docs = json_lines(f.read().decode("utf-8", "replace"))
                    ready = [d for d in docs if d.get("msg") == "worker ready"]
                    if ready:
                        break
                    time.sleep(0.05)
                time.sleep(0.5)  # a second read would happen by now
                with open(log_path, "rb") as f:
                    text = f.read().decode("utf-8", "replace")
                print(text[-3000:])
                self.assertIsNone(proc.poll(), "downloader exited:\n" + text[-3000:])
                self.assertEqual(len(ready), 1, text[-3000:])
                self.assertEqual(ready[0].get("library_root"),
                                 os.path.realpath(s.library_root))
                self.assertNotIn("invalid configuration", text)
                self.assertEqual(fifo.reads, 1)
                proc.send_signal(signal.SIGTERM)
                self.assertEqual(proc.wait(30), 0)
            finally:
                fifo.done.set()
                if proc.poll() is None:
                    proc.kill()
                    proc.wait(10)

    def test_a_bad_configuration_exits_2_with_one_line(self):
        with Stack(name="dl-config-bad") as s:
            a_file = s.path("not-a-dir")
            open(a_file, "w").close()
            cases = [
                ({"KUMO_LIBRARY_ROOT": s.path("missing")}, "library_root"),
                ({"KUMO_LIBRARY_ROOT": a_file}, "library_root"),
                ({"KUMO_FETCH_ALLOW_CIDRS": "127.0.0.1/33"}, "fetch_allow_cidrs"),
            ]
            for overrides, option in cases:
                env = dict(overrides)
                env["KUMO_NATS_URL"] = NO_NATS
                full = s.service_env("downloader", env)
                started = time.monotonic()
                proc = subprocess.run([service_binary("downloader")], env=full,
                                      stdin=subprocess.DEVNULL,
                                      capture_output=True, timeout=20)
                elapsed = time.monotonic() - started
                text = (proc.stdout + proc.stderr).decode("utf-8", "replace")
                print("tried %s: exit %d after %.2fs" % (overrides, proc.returncode,
                                                          elapsed))
                self.assertEqual(proc.returncode, 2, text)
                self.assertLess(elapsed, 5.0)
                errors = [d for d in json_lines(text) if d.get("level") == "error"]
                self.assertEqual(len(errors), 1, text)
                self.assertEqual(errors[0].get("option"), option, text)
                self.assertNotIn("worker ready", text)
                self.assertNotIn("Sanitizer", text)
                self.assertNotIn("runtime error", text)


if __name__ == "__main__":
    unittest.main()
