"""Helpers of tests/test_web_ui.py: playwright-core (pinned by
package-lock.json, installed with `npm ci` into a cache folder outside the
repository when missing), a Browser that drives Debian's chromium through
driver.mjs, and the page weight of the web UI."""

import gzip
import json
import os
import re
import select
import subprocess
import sys
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "harness"))

from npm_cache import npm_installed  # noqa: E402

CHROMIUM = "/usr/bin/chromium"


def driver_folder():
    """Folder holding driver.mjs and node_modules/playwright-core
    (npm_installed: installed when missing)."""
    return npm_installed(HERE, "web-ui-test", ("driver.mjs",))


class Browser:
    """Headless chromium behind driver.mjs; every call is one JSON line."""

    def __init__(self, log_path):
        folder = driver_folder()
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(["node", os.path.join(folder, "driver.mjs")],
                                     cwd=folder, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.log)
        self.buf = b""

    def call(self, op, timeout=30, **args):
        args["op"] = op
        self.proc.stdin.write((json.dumps(args) + "\n").encode())
        self.proc.stdin.flush()
        while b"\n" not in self.buf:
            ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
            if not ready:
                raise TimeoutError("browser did not answer %s within %ss" % (op, timeout))
            chunk = os.read(self.proc.stdout.fileno(), 1 << 20)
            if not chunk:
                raise RuntimeError("browser driver exited: %s" % self.proc.poll())
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        reply = json.loads(line)
        if not reply["ok"]:
            raise AssertionError("%s %s failed: %s" % (op, args, reply["error"]))
        return reply["value"]

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc.stdout.close()
        self.log.close()


def page_weight(base_url, dynamic=True):
    """{path: gzip bytes as served} of / and every file it loads (links,
    scripts and module imports followed; `dynamic`: also the modules of the
    other pages, which are imported when first opened)."""
    seen = {}
    todo = ["/"]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        req = urllib.request.Request(base_url + path, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(req, timeout=10) as res:
            body = res.read()
            encoding = res.headers.get("Content-Encoding")
        seen[path] = len(body)
        text = gzip.decompress(body) if encoding == "gzip" else body
        text = text.decode("utf-8", errors="replace")
        imports = r"(?:from |import\()'\./([^']+)'" if dynamic else r"from '\./([^']+)'"
        for m in re.finditer(r'(?:src|href)="(/assets/[^"]+)"|' + imports, text):
            todo.append(m.group(1) or "/assets/" + m.group(2))
    return seen
