"""kumo, the command line (tools/cli), against a real stack.

PostgreSQL, nats-server, an nginx origin (a throttled /slow/ location) and
all five services from kumo_harness; `kumo` runs as a subprocess with its
own HOME (credentials in HOME/.config/kumo/credentials). Tried, in order:

- bad usage (unknown command, a non-UUID id, `--password` as an argument,
  `add` without --series) exits 2 and writes no credentials file;
- `login --password-stdin` with a wrong password exits 4 and writes
  nothing; with the right one exits 0, the file has mode 0600 and holds the
  token, which no command ever prints (not with --verbose either);
- a credentials file made readable by others (0644) is refused (exit 4,
  message naming `chmod 600`); after chmod 600 it works again;
- `health` exits 0 with every service up (text and --json);
- `add URL --series ... --season 1 --episode 1 --json` queues a throttled
  download; `queue --json` lists it;
- `queue --watch` in a detached tmux pane of 100x20: the captured screen
  shows the item's bar, the bar advances between captures, a second
  (pending) item's non-ASCII name with wide characters is shown, and every
  line fits in the pane's width (in columns); Ctrl-C (send-keys C-c) ends it with exit 0;
- `queue --watch` with stdout on a pipe prints plain progress lines and
  exits 0 on SIGINT;
- `pause ID`, `resume ID`, `cancel ID` change the item (read back with
  `queue --json`); cancelling it again is refused by the gateway (exit 1);
- an item whose source answers 404 fails; `retry ID` brings it back
  (exit 0, the queue records a retry);
- `series` answers 0, or 1 with a message about the library routes while
  the gateway does not serve them;
- a second gateway with a static api_key: the saved session token is not
  sent to it (`--url` of that gateway: exit 4, "not logged in"); with
  KUMO_URL and KUMO_API_KEY `queue --json` exits 0, a wrong key exits 4;
- `scan --wait` follows a real scan of a series made on disk to its end
  (exit 0, the counters printed; `--json` ends with a scan_complete line);
  a scan of an unknown series exits 1; with the progress service stopped
  (no scan events at all) it still ends, exit 0;
- `keys create NAME` prints the key once; `keys list` shows its name and
  prefix only; the key works as KUMO_API_KEY but cannot make keys (exit 1,
  403); `keys revoke ID` ends it (exit 4 afterwards); a bad id exits 2, an
  empty name 1;
- `config get` prints the fields; `config validate` and `config set` with
  a bad value exit 1 naming the field and change nothing; a good `config
  set` prints the backup and is read back; a malformed assignment exits 2;
- with the gateway stopped, `queue` and `health` exit 3.
"""
# ctest-properties: TIMEOUT 300

import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
import unicodedata
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from kumo_harness import _SANITIZER_ENV, build_dir  # noqa: E402
from pipeline_support import (Stack, events, items, log, origin_file,  # noqa: E402
                              start_stack, start_worker, wait_status,
                              wait_terminal, wait_until)

SERIES = "cli-show"
UNICODE_NAME = "Caf\u00e9 \u9032\u6483\u306e\u5de8\u4eba \u2603"
WIDTH, HEIGHT = 100, 20


def kumo_binary():
    path = os.path.join(build_dir(), "tools", "cli", "kumo")
    if not os.access(path, os.X_OK):
        raise AssertionError("kumo is not built: %s" % path)
    return path


def columns(text):
    """Terminal columns of `text`: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1
               for c in text)


class Cli(unittest.TestCase):

    def setUp(self):
        self.kumo = kumo_binary()
        self.outputs = []  # every stdout/stderr, to look for secrets

    def env(self, **extra):
        env = {k: v for k, v in os.environ.items() if not k.startswith("KUMO_")}
        env.update(_SANITIZER_ENV)
        env["HOME"] = self.home
        env.pop("XDG_CONFIG_HOME", None)
        env.update(extra)
        return env

    def run_kumo(self, *args, stdin=None, env=None, timeout=60):
        res = subprocess.run([self.kumo] + list(args), input=stdin,
                             capture_output=True, text=True, timeout=timeout,
                             env=env or self.env())
        self.outputs += [res.stdout, res.stderr]
        log("kumo %s -> %d %s", " ".join(args), res.returncode,
            res.stderr.strip()[:200])
        return res

    def expect(self, code, *args, **kwargs):
        res = self.run_kumo(*args, **kwargs)
        self.assertEqual(res.returncode, code, "kumo %s: %s%s" % (
            " ".join(args), res.stdout[-2000:], res.stderr[-2000:]))
        return res

    def queue_json(self):
        doc = json.loads(self.expect(0, "queue", "--json").stdout)
        found = {}
        for key, value in doc.items():
            if isinstance(value, list):
                for item in value:
                    found[item["id"]] = item
        return found

    def test_cli(self):
        with Stack(name="cli") as s:
            self.s = s
            self.home = s.path("home")
            os.makedirs(self.home)
            self.creds = os.path.join(self.home, ".config", "kumo", "credentials")
            start_stack(s, progress=True, nginx={
                "locations": "    location /slow/ { limit_rate 400k; }"})
            start_worker(s, jobs=1)
            s.start_service("scanner", env={
                "KUMO_LIBRARY_ROOT": s.library_root,
                "KUMO_SCAN_WATCH": "false"}).wait_ready(30)
            self.url = s.gateway_url
            self.usage()
            self.login()
            self.health()
            item = self.add_and_list()
            self.watch_in_tmux(item)
            self.watch_plain()
            self.controls(item)
            self.retry()
            self.series()
            self.api_key()
            self.scan_wait()
            self.named_keys()
            self.config()
            self.gateway_down()
            for text in self.outputs:
                self.assertNotIn(self.token, text, "the token was printed")
                self.assertNotIn(s.password, text, "the password was printed")

    def usage(self):
        for args in (["frobnicate"], ["cancel", "42"],
                     ["login", "--password", "x"], ["queue", "--limit", "0"],
                     ["add", "http://127.0.0.1:1/S01E01.mp4"], []):
            res = self.expect(2, *args)
            self.assertTrue(res.stderr.startswith("kumo: "), res.stderr)
        res = self.expect(0, "--help")
        for line in ("0  done", "2  bad usage", "3  the gateway cannot be reached",
                     "4  authentication"):
            self.assertIn(line, res.stdout)
        self.assertFalse(os.path.exists(self.creds))

    def login(self):
        res = self.expect(4, "login", "--url", self.url, "--password-stdin",
                          stdin="not-the-password\n")
        self.assertIn("wrong password", res.stderr)
        self.assertFalse(os.path.exists(self.creds), "wrong password saved")
        # Not logged in yet: a protected command says so (exit 4).
        self.assertIn("kumo login", self.expect(4, "queue").stderr)
        self.expect(0, "login", "--url", self.url, "--password-stdin",
                    stdin=self.s.password + "\n")
        mode = stat.S_IMODE(os.stat(self.creds).st_mode)
        self.assertEqual(mode, 0o600, oct(mode))
        self.assertEqual(stat.S_IMODE(os.stat(os.path.dirname(self.creds)).st_mode),
                         0o700)
        with open(self.creds) as f:
            saved = json.load(f)
        self.token = saved["token"]
        self.assertEqual(saved["url"], self.url)
        self.assertGreater(len(self.token), 20)
        os.chmod(self.creds, 0o644)
        res = self.expect(4, "queue")
        self.assertIn("chmod 600", res.stderr)
        os.chmod(self.creds, 0o600)
        res = self.expect(0, "--verbose", "queue")
        self.assertIn("GET " + self.url + "/api/queue/status", res.stderr)

    def health(self):
        res = self.expect(0, "health")
        self.assertIn("gateway: ok", res.stdout)
        doc = json.loads(self.expect(0, "health", "--json").stdout)
        self.assertEqual(doc["status"], "ok")

    def add_and_list(self):
        url, _, _ = origin_file(self.s, "slow/cli-s01e01.mp4", size=6 * 1024 * 1024)
        res = self.expect(0, "add", url, "--series", SERIES, "--season", "1",
                          "--episode", "1", "--priority", "high", "--json")
        doc = json.loads(res.stdout)
        self.assertEqual(len(doc["items"]), 1, doc)
        item = doc["items"][0]["id"]
        self.assertIn(item, self.queue_json())
        self.assertIn(item, self.expect(0, "queue").stdout)
        # Bad input refused by the gateway: exit 1, nothing queued.
        before = len(items(self.s))
        res = self.expect(1, "add", "ftp://127.0.0.1/x.mp4", "--series", SERIES,
                          "--season", "1", "--episode", "9")
        self.assertIn("HTTP 400", res.stderr)
        self.assertEqual(len(items(self.s)), before)
        wait_status(self.s, item, "downloading", timeout=20)
        # A second, pending item whose name is not ASCII (wide characters).
        url, _, _ = origin_file(self.s, "slow/cli-extra.mp4", size=1024 * 1024)
        self.expect(0, "add", url, "--series", "cli-extra", "--name", UNICODE_NAME,
                    "--folder", "Cli Extra", "--season", "2", "--episode", "7",
                    "--priority", "low")
        return item

    def tmux(self, *args):
        return subprocess.run(["tmux", "-L", self.tmux_socket, "-f", "/dev/null"]
                              + list(args), capture_output=True, text=True,
                              timeout=10, check=True).stdout

    def watch_in_tmux(self, item):
        if shutil.which("tmux") is None:
            self.fail("tmux is not installed (scripts/lib/deps.sh installs it)")
        self.tmux_socket = "kumo-cli-%d" % os.getpid()
        env_args = []
        for key, value in self.env(TERM="xterm-256color").items():
            env_args += ["-e", "%s=%s" % (key, value)]
        try:
            # The exit code is written by a shell around kumo: tmux's
            # #{pane_dead_status} was seen empty for a process that exited.
            status_file = self.s.path("watch-status")
            self.tmux("new-session", "-d", "-s", "watch", "-x", str(WIDTH),
                      "-y", str(HEIGHT), *env_args, "sh", "-c",
                      'trap "" INT; "$0" queue --watch; echo $? > "$1"', self.kumo, status_file)
            self.tmux("set-option", "-t", "watch", "remain-on-exit", "on")
            screens, percents = [], []
            for _ in range(6):
                time.sleep(0.8)
                screen = self.tmux("capture-pane", "-p", "-t", "watch")
                screens.append(screen)
                line = next((ln for ln in screen.splitlines()
                             if "Cli Show S01E01" in ln), "")
                if "%" in line:
                    percents.append(float(line.split("%")[0].split()[-1]))
                for ln in screen.splitlines():
                    self.assertLessEqual(columns(ln), WIDTH, "line wider than the pane")
            log("watch screen:\n%s", screens[-1].rstrip())
            with open(self.s.path("watch-screen.txt"), "w") as f:
                f.write(screens[-1])
            self.assertGreaterEqual(len(percents), 3, screens)
            self.assertGreater(percents[-1], percents[0], percents)
            self.assertIn("[#", screens[-1])
            self.assertIn("ETA", screens[-1])
            self.assertIn(UNICODE_NAME + " S02E07", screens[-1])
            self.tmux("send-keys", "-t", "watch", "C-c")
            wait_until(lambda: self.tmux("display-message", "-p", "-t", "watch",
                                         "#{pane_dead}").strip() == "1",
                       timeout=10, what="kumo to exit on Ctrl-C")
            with open(status_file) as f:
                status = f.read().strip()
            self.assertEqual(status, "0", "exit code of kumo queue --watch after Ctrl-C")
        finally:
            subprocess.run(["tmux", "-L", self.tmux_socket, "kill-server"],
                           capture_output=True, timeout=10)

    def watch_plain(self):
        proc = subprocess.Popen([self.kumo, "queue", "--watch"], env=self.env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        time.sleep(2)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
        self.outputs += [out, err]
        self.assertEqual(proc.returncode, 0, err)
        lines = [ln for ln in out.splitlines() if "downloading" in ln]
        self.assertGreaterEqual(len(lines), 2, out)
        self.assertNotIn("\x1b", out)

    def controls(self, item):
        self.expect(0, "pause", item)
        wait_status(self.s, item, "paused", timeout=10)
        self.assertEqual(self.queue_json()[item]["status"], "paused")
        self.expect(0, "resume", item)
        wait_status(self.s, item, ("pending", "downloading"), timeout=10)
        self.expect(0, "cancel", item, "--json")
        wait_status(self.s, item, "cancelled", timeout=10)
        res = self.expect(1, "cancel", item)
        self.assertIn("HTTP 409", res.stderr)
        res = self.expect(1, "pause", "00000000-0000-4000-8000-000000000000")
        self.assertIn("HTTP 404", res.stderr)

    def retry(self):
        res = self.expect(0, "add", self.s.origin_url + "/missing/cli-s01e02.mp4",
                          "--series", SERIES, "--json")
        item = json.loads(res.stdout)["items"][0]["id"]
        wait_terminal(self.s, [item], timeout=30)
        self.assertEqual(items(self.s, [item])[item]["status"], "failed")
        self.expect(0, "retry", item)
        wait_until(lambda: any("retr" in e["event"] for e in events(self.s, item)),
                   timeout=10, what="a retry event")

    def series(self):
        res = self.run_kumo("series")
        self.assertIn(res.returncode, (0, 1), res.stderr)
        if res.returncode == 1:
            self.assertRegex(res.stderr, "library (routes|is unavailable)")

    def api_key(self):
        first = self.s.gateway
        key = "cli-static-key-" + "k" * 24
        second = self.s.start_service("gateway", env={"KUMO_API_KEY": key})
        second.wait_ready(30)
        wait_until(lambda: self.run_kumo("health", "--url", second.url)
                   .returncode == 0, timeout=10, what="second gateway")
        # The saved session belongs to the first gateway: it is not sent to
        # another one.
        res = self.expect(4, "--url", second.url, "queue")
        self.assertIn("not logged in to " + second.url, res.stderr)
        self.expect(0, "queue", "--json",
                    env=self.env(KUMO_URL=second.url, KUMO_API_KEY=key))
        res = self.expect(4, "queue", env=self.env(KUMO_URL=second.url,
                                                   KUMO_API_KEY="wrong-" + key))
        self.assertIn("not authenticated", res.stderr)
        second.stop()
        self.s.gateway = first
        for text in self.outputs:
            self.assertNotIn(key, text, "the API key was printed")

    def scan_wait(self):
        show = os.path.join(self.s.library_root, "Cli Scan Show (2020)")
        for episode in range(1, 31):
            path = os.path.join(show, "Season 1", "Cli.Scan.Show.S01E%02d.mkv" % episode)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(b"\0" * 64)
        res = self.expect(0, "scan", "--wait", timeout=120)
        done = re.search(r"scan \d+: complete, folders \d+, files (\d+)", res.stdout)
        self.assertTrue(done, res.stdout)
        self.assertGreaterEqual(int(done.group(1)), 30)
        res = self.expect(0, "scan", "--wait", "--json", timeout=120)
        last = json.loads(res.stdout.strip().splitlines()[-1])
        self.assertEqual(last["event"], "scan_complete", last)
        res = self.expect(1, "scan", "no-such-series", "--wait")
        self.assertIn("no series with key", res.stderr)
        # Without the progress service no scan event ever comes: --wait
        # still ends, from the scan's own state.
        progress = next(x for x in self.s.services if x.name == "progress")
        progress.stop()
        res = self.expect(0, "scan", "--wait", timeout=60)
        self.assertIn("complete", res.stdout)
        self.s.restart_service(progress, wait=True)

    def named_keys(self):
        res = self.expect(0, "keys", "create", "cli key")
        key = next(line for line in res.stdout.splitlines() if line.startswith("kumo_"))
        listed = self.expect(0, "keys", "list").stdout
        self.assertIn("cli key", listed)
        self.assertIn(key[:11], listed)
        self.assertNotIn(key, listed)
        keys = json.loads(self.expect(0, "keys", "list", "--json").stdout)["keys"]
        key_id = str(keys[-1]["id"])
        self.expect(0, "queue", "--json", env=self.env(KUMO_API_KEY=key))
        res = self.expect(1, "keys", "create", "more", env=self.env(KUMO_API_KEY=key))
        self.assertIn("master account", res.stderr)
        self.expect(0, "keys", "revoke", key_id)
        self.expect(4, "queue", env=self.env(KUMO_API_KEY=key))
        self.expect(2, "keys", "revoke", "abc")
        self.expect(2, "keys")
        self.expect(1, "keys", "create", "")

    def config(self):
        self.assertIn("queue.max_retries = 3", self.expect(0, "config", "get").stdout)
        res = self.expect(1, "config", "validate", "queue.max_retries=500")
        self.assertIn("queue.max_retries: must be in 0..100", res.stderr)
        res = self.expect(1, "config", "set", "queue.max_retries=500",
                          "queue.retry_delays=soon")
        self.assertIn("queue.retry_delays:", res.stderr)
        self.assertIn("queue.max_retries = 3", self.expect(0, "config", "get").stdout)
        self.expect(0, "config", "validate", "queue.max_retries=4")
        res = self.expect(0, "config", "set", "queue.max_retries=4")
        self.assertIn("backup config-", res.stdout)
        self.assertIn("queue.max_retries: applied now", res.stdout)
        self.assertIn("queue.max_retries = 4", self.expect(0, "config", "get").stdout)
        self.expect(2, "config", "set", "max_retries=4")
        self.expect(2, "config", "frobnicate")

    def gateway_down(self):
        self.s.gateway.stop()
        res = self.expect(3, "queue")
        self.assertIn("cannot reach the gateway", res.stderr)
        self.expect(3, "health")


if __name__ == "__main__":
    unittest.main()
