# ctest-properties: TIMEOUT 300 RUN_SERIAL TRUE
"""scripts/run itself: the stack it starts, its supervision and its shutdown.

What is tried: scripts/run with a temporary KUMO_VAR_DIR, free ports,
KUMO_DOWNLOADERS=2 and the binaries already built (KUMO_SKIP_BUILD=1,
KUMO_BUILD_DIR). Then:

- /api/health answers 200 (every service, both downloaders, logged in to
  NATS with their own users);
- the secrets are generated with mode 0600 (NATS passwords per user, the
  setup token), and nats-server refuses a client without credentials;
- the second downloader is killed with SIGKILL: the script logs the death
  with the signal, starts it again after the 1 s backoff, and the new
  process becomes ready;
- SIGTERM to the script stops everything (services, nats-server, PostgreSQL)
  and the script exits 0.
"""

import os
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from kumo_harness import build_dir, free_port, http, wait_until  # noqa: E402
from mini_nats import NatsClient, NatsError  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def port_free(port):
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def listening(port):
    """True when something accepts connections on 127.0.0.1:port."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def free_block(count):
    """A base port whose base+1 .. base+count are free."""
    for _ in range(200):
        base = free_port()
        if base + count < 65000 and all(port_free(base + i)
                                        for i in range(1, count + 1)):
            return base
    raise RuntimeError("no free block of ports")


def pids_mentioning(text):
    """Processes whose command line or environment contains `text`."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        for part in ("cmdline", "environ"):
            try:
                with open("/proc/%s/%s" % (entry, part), "rb") as f:
                    if text.encode() in f.read():
                        out.append(int(entry))
                        break
            except OSError:
                pass
    return out


def pid_of_admin_port(var, port):
    """The kumo service process started with KUMO_ADMIN_PORT=port."""
    wanted = ("KUMO_ADMIN_PORT=%d" % port).encode()
    for pid in pids_mentioning(var):
        try:
            with open("/proc/%d/environ" % pid, "rb") as f:
                env = f.read().split(b"\0")
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if wanted in env and b"kumo-" in cmd:
            return pid
    return None


class ScriptsRunTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="kumo-run-", dir="/tmp")
        os.chmod(self.tmp, 0o755)  # the PostgreSQL user enters it
        self.var = os.path.join(self.tmp, "var")
        self.http_port = free_port()
        self.base = free_block(6)
        self.nats_port = free_port()
        self.pg_port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("KUMO_")}
        env.update({
            "KUMO_VAR_DIR": self.var, "KUMO_SKIP_BUILD": "1",
            "KUMO_BUILD_DIR": build_dir(), "KUMO_DOWNLOADERS": "2",
            "KUMO_HTTP_PORT": str(self.http_port),
            "KUMO_PG_PORT": str(self.pg_port),
            "KUMO_NATS_PORT": str(self.nats_port),
            "KUMO_ADMIN_PORT_BASE": str(self.base),
        })
        self.stderr_lines = []
        self.proc = subprocess.Popen(
            [os.path.join(ROOT, "scripts", "run")], env=env, cwd=ROOT,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode(errors="replace").rstrip()
            print("  scripts/run: " + line, flush=True)
            self.stderr_lines.append(line)

    def tearDown(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        for pid in pids_mentioning(self.tmp):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        subprocess.run(["rm", "-rf", self.tmp], check=False)

    def said(self, text):
        return any(text in line for line in self.stderr_lines)

    def test_run_supervise_stop(self):
        health = self.gateway_health()
        self.assertEqual(health.get("status"), "ok", health)
        wait_until(lambda: self.said("Kumo is running."), timeout=60,
                   what="the start-up banner (supervision running)")
        self.assertTrue(self.said("setup token in %s/secrets/setup-token"
                                  % self.var))

        secrets = os.path.join(self.var, "secrets")
        for name in ("nats-gateway-password", "nats-downloader-password",
                     "nats-admin-password", "setup-token"):
            mode = stat.S_IMODE(os.stat(os.path.join(secrets, name)).st_mode)
            self.assertEqual(mode, 0o600, name)
        with self.assertRaises(NatsError) as refused:
            NatsClient("nats://127.0.0.1:%d" % self.nats_port)
        self.assertIn("Authorization Violation", str(refused.exception))

        second = self.base + 6  # admin port of downloader-2
        old = pid_of_admin_port(self.var, second)
        self.assertIsNotNone(old, "downloader-2 not found")
        os.kill(old, signal.SIGKILL)
        wait_until(lambda: self.said("downloader-2 died (signal KILL)"),
                   timeout=10, what="the death logged with its signal")
        wait_until(lambda: self.said("downloader-2 restarted"), timeout=15,
                   what="downloader-2 restarted")
        new = wait_until(lambda: pid_of_admin_port(self.var, second),
                         timeout=10, what="the new downloader-2")
        self.assertNotEqual(new, old)
        wait_until(lambda: http("GET", "http://127.0.0.1:%d/readyz" % second,
                                timeout=1)[0] == 200,
                   timeout=30, what="downloader-2 ready again")

        started = time.monotonic()
        os.kill(self.proc.pid, signal.SIGTERM)
        self.assertEqual(self.proc.wait(90), 0, "scripts/run exit code")
        print("  stopped in %.1fs" % (time.monotonic() - started))
        self.reader.join(10)
        self.assertTrue(self.said("stopped"), "no 'stopped' line")
        left = wait_until(lambda: not pids_mentioning(self.tmp) or None,
                          timeout=15, what="no process of the stack left")
        self.assertTrue(left)
        for port in (self.http_port, self.nats_port, self.pg_port, second):
            self.assertFalse(listening(port), "port %d still served" % port)

    def gateway_health(self):
        def ready():
            if self.proc.poll() is not None:
                raise AssertionError("scripts/run exited with %d"
                                     % self.proc.returncode)
            status, _, body = http(
                "GET", "http://127.0.0.1:%d/api/health" % self.http_port,
                timeout=2)
            return status == 200 and body
        import json
        return json.loads(wait_until(ready, timeout=180, interval=0.5,
                                     what="/api/health 200"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
