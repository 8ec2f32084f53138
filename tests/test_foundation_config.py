"""Invalid configuration stops every service at once with one clear line.

For each of the five binaries this tries, one at a time:
  * a required value left out (KUMO_DATABASE_URL for the services that own
    data in PostgreSQL: gateway, scanner, queue),
  * an out-of-range number (KUMO_ADMIN_PORT=70000),
  * garbage where a number belongs (KUMO_THREADS=abc),
  * an unknown key in the JSON file named by KUMO_CONFIG,
  * a bad duration (KUMO_SHUTDOWN_GRACE=soon) and a bad URL (KUMO_NATS_URL),
and expects: exit code != 0 within 5 s, and exactly one JSON log line of
level "error" that names the option. It also checks the precedence
environment > file > default on the start-up log line of a valid run.
"""

import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))

from kumo_harness import SERVICES, Stack, service_binary  # noqa: E402

DATABASE_SERVICES = ("gateway", "scanner", "queue")


def run_binary(stack, name, env, timeout=10):
    """Runs service `name` with `env` overrides; returns (code, seconds,
    output lines)."""
    full = stack.service_env(name, env)
    started = time.monotonic()
    proc = subprocess.run([service_binary(name)], env=full,
                          stdin=subprocess.DEVNULL, capture_output=True,
                          timeout=timeout)
    elapsed = time.monotonic() - started
    text = (proc.stdout + proc.stderr).decode("utf-8", "replace")
    return proc.returncode, elapsed, text.splitlines()


def error_lines(lines):
    out = []
    for line in lines:
        try:
            doc = json.loads(line)
        except ValueError:
            continue
        if isinstance(doc, dict) and doc.get("level") == "error":
            out.append(doc)
    return out


class ConfigErrors(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = Stack(name="config")
        # A URL nothing listens on: a valid run must not need real servers.
        cls.base_env = {"KUMO_NATS_URL": "nats://127.0.0.1:9",
                        "KUMO_DATABASE_URL": "postgresql://kumo@127.0.0.1:9/kumo"}

    @classmethod
    def tearDownClass(cls):
        cls.stack.close()

    def expect_rejected(self, name, env, option, tried):
        merged = dict(self.base_env)
        merged.update(env)
        code, elapsed, lines = run_binary(self.stack, name, merged)
        where = "%s with %s" % (name, tried)
        self.assertNotEqual(code, 0, "%s: exit code 0\n%s" % (where, "\n".join(lines)))
        self.assertLess(elapsed, 5.0, "%s: took %.1fs to fail" % (where, elapsed))
        errors = error_lines(lines)
        self.assertEqual(len(errors), 1, "%s: expected one error line, got:\n%s"
                         % (where, "\n".join(lines)))
        err = errors[0]
        named = (err.get("option") == option
                 or option in err.get("msg", "")
                 or ("KUMO_" + option.upper()) in err.get("msg", ""))
        self.assertTrue(named, "%s: error line does not name %s: %s"
                        % (where, option, err))
        for line in lines:
            self.assertTrue(line.startswith("{"),
                            "%s: output line is not JSON: %r" % (where, line))
        print("  %-10s %-40s -> exit %d in %.2fs: %s" % (
            name, tried, code, elapsed, err.get("msg")))

    def test_missing_database_url(self):
        for name in DATABASE_SERVICES:
            with self.subTest(service=name):
                self.expect_rejected(name, {"KUMO_DATABASE_URL": None},
                                     "database_url", "KUMO_DATABASE_URL unset")

    def test_admin_port_out_of_range(self):
        for name in SERVICES:
            with self.subTest(service=name):
                self.expect_rejected(name, {"KUMO_ADMIN_PORT": "70000"},
                                     "admin_port", "KUMO_ADMIN_PORT=70000")

    def test_threads_garbage(self):
        for name in SERVICES:
            with self.subTest(service=name):
                self.expect_rejected(name, {"KUMO_THREADS": "abc"},
                                     "threads", "KUMO_THREADS=abc")

    def test_bad_duration_and_url(self):
        for name in SERVICES:
            with self.subTest(service=name, option="shutdown_grace"):
                self.expect_rejected(name, {"KUMO_SHUTDOWN_GRACE": "soon"},
                                     "shutdown_grace", "KUMO_SHUTDOWN_GRACE=soon")
            with self.subTest(service=name, option="nats_url"):
                self.expect_rejected(name, {"KUMO_NATS_URL": "localhost"},
                                     "nats_url", "KUMO_NATS_URL=localhost")

    def test_unknown_key_in_config_file(self):
        path = self.stack.path("unknown-key.json")
        with open(path, "w") as f:
            json.dump({"log_level": "info", "no_such_option": 5}, f)
        for name in SERVICES:
            with self.subTest(service=name):
                self.expect_rejected(name, {"KUMO_CONFIG": path},
                                     "no_such_option",
                                     "config file key no_such_option")

    def test_config_file_not_json(self):
        path = self.stack.path("broken.json")
        with open(path, "w") as f:
            f.write("{ not json")
        for name in SERVICES:
            with self.subTest(service=name):
                self.expect_rejected(name, {"KUMO_CONFIG": path}, "config",
                                     "KUMO_CONFIG pointing at broken JSON")

    def test_precedence_env_over_file_over_default(self):
        path = self.stack.path("precedence.json")
        with open(path, "w") as f:
            json.dump({"request_timeout": "3s", "shutdown_grace": "7s"}, f)
        svc = self.stack.start_service("queue", dict(
            self.base_env, KUMO_CONFIG=path, KUMO_REQUEST_TIMEOUT="4s"))
        try:
            line = svc.wait_log(lambda l: l.get("msg") == "starting", timeout=15)
        finally:
            code = svc.stop()
        config = line["config"]
        self.assertEqual(config["request_timeout"], "4000", "env must win over file")
        self.assertEqual(config["shutdown_grace"], "7000", "file must win over default")
        self.assertEqual(config["threads"], "2", "default when neither is set")
        self.assertEqual(config["database_url"], "[redacted]", "secret printed")
        self.assertEqual(code, 0, "SIGTERM during start-up must exit 0")


if __name__ == "__main__":
    unittest.main(verbosity=2)
