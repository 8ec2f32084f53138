"""Request limits of the gateway: no request, authenticated or not, makes the
gateway hold more than a few MiB for it.

What is tried, against a real gateway (with PostgreSQL and nats-server), each
time measuring the gateway's peak RSS (VmHWM, reset through
/proc/<pid>/clear_refs before the attack) against its RSS before it:

- a gzip bomb (1 MiB on the wire, 1 GiB inflated) as the body of
  POST /api/auth/setup and of POST /x (outside /api): 415, setup not done;
- a 20 MB chunked body to POST /api/auth/setup and to POST /x: 411, setup
  not done;
- 100 000 header lines: 431;
- a head dripped one byte every 100 ms: 408 once http_head_timeout (2 s
  here) has passed;
- a Content-Length over 1 MiB: 413 before any of the body is read.

The HTTP metrics stay bounded under hostile traffic: 300 requests with
random paths under /api/ and outside it, made-up methods and a 5 000-byte
method add no label beyond the documented route templates, "unmatched",
"web", "refused" and "other"; the refused heads above are counted under
"refused" with their status.

And that ordinary traffic still works: a refused POST whose body the gateway
never read (401) leaves the kept-alive connection usable for the next
request.

KUMO_TEST_BOMB_MIB sets the inflated size of the bomb (default 1024).
Figures are printed as "peak-rss <attack> +<KiB>" lines.
"""

import http.client
import json
import os
import random
import re
import select
import socket
import sys
import threading
import time
import unittest
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))

from kumo_harness import Stack, http_json, sanitized  # noqa: E402

HEAD_TIMEOUT_S = 2
# Sanitized builds keep freed memory in quarantine and shadow every
# allocation; a 1 MiB buffer costs several MiB there.
RSS_BUDGET_KIB = (48 if sanitized() else 8) * 1024


def gzip_bomb(inflated_mib):
    """Gzip bytes that inflate to `inflated_mib` MiB of zeros."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(1 << 20)
    parts = [packer.compress(zeros) for _ in range(inflated_mib)]
    parts.append(packer.flush())
    return b"".join(parts)


def proc_kib(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise KeyError(key)


class PeakRss:
    """Peak RSS of `pid` while the block runs, over its RSS before."""

    def __init__(self, pid):
        self.pid = pid
        self.growth_kib = None

    def __enter__(self):
        with open("/proc/%d/clear_refs" % self.pid, "w") as f:
            f.write("5")  # resets VmHWM to the current RSS
        self.before = proc_kib(self.pid, "VmRSS")
        return self

    def __exit__(self, *exc):
        self.growth_kib = proc_kib(self.pid, "VmHWM") - self.before
        return False


def read_response(sock, timeout=20):
    """(status, headers, body) of one response read from `sock`."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError("connection closed before a response: %r" % data[:200])
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, headers, body[:length]


def exchange(port, head, body_parts=()):
    """Sends `head`, then `body_parts` from another thread (stopping at the
    first error: the gateway may close after answering), and reads the
    response meanwhile."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=20)
    try:
        sock.sendall(head)

        def send_body():
            try:
                for part in body_parts:
                    sock.sendall(part)
            except OSError:
                pass

        sender = threading.Thread(target=send_body, daemon=True)
        sender.start()
        response = read_response(sock)
        sender.join(30)
        return response
    finally:
        sock.close()


def chunked(total, chunk=1 << 20):
    sent = 0
    while sent < total:
        yield b"%x\r\n" % chunk + b"x" * chunk + b"\r\n"
        sent += chunk
    yield b"0\r\n\r\n"


class RequestLimits(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = Stack(name="gateway-limits")
        try:
            cls.stack.start_postgres()
            cls.stack.start_nats()
            cls.gw = cls.stack.start_service(
                "gateway", {"KUMO_HTTP_HEAD_TIMEOUT": "%ds" % HEAD_TIMEOUT_S})
            cls.gw.wait_ready()
            cls.port = cls.gw.http_port
            cls.bomb = gzip_bomb(int(os.environ.get("KUMO_TEST_BOMB_MIB", "1024")))
        except BaseException:
            cls.stack.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.stack.close()

    def attack(self, name, head, body_parts=()):
        with PeakRss(self.gw.pid) as rss:
            status, headers, body = exchange(self.port, head, body_parts)
        print("peak-rss %-28s +%d KiB (status %d)" % (name, rss.growth_kib, status))
        self.assertLess(rss.growth_kib, RSS_BUDGET_KIB, name)
        self.assertTrue(self.gw.running(), "gateway died under " + name)
        return status, headers, json.loads(body or b"{}")

    def assert_not_configured(self):
        status, body = http_json("GET", self.gw.url + "/api/auth/status")
        self.assertEqual(status, 200)
        self.assertFalse(body["configured"], "an attack completed the setup")

    def bomb_head(self, path):
        return (b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\nContent-Encoding: gzip\r\n"
                b"Content-Length: %d\r\n\r\n" % (path.encode(), len(self.bomb)))

    def chunked_head(self, path):
        return (b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n" % path.encode())

    def test_gzip_bomb_to_setup(self):
        status, headers, body = self.attack(
            "gzip bomb /api/auth/setup", self.bomb_head("/api/auth/setup"), [self.bomb])
        self.assertEqual(status, 415)
        self.assertEqual(body["error"]["code"], "unsupported_media_type")
        self.assertEqual(headers.get("x-frame-options"), "DENY")
        self.assert_not_configured()

    def test_gzip_bomb_outside_api(self):
        status, _, _ = self.attack("gzip bomb /x", self.bomb_head("/x"), [self.bomb])
        self.assertEqual(status, 415)

    def test_chunked_body_to_setup(self):
        status, _, body = self.attack("chunked 20 MB /api/auth/setup",
                                      self.chunked_head("/api/auth/setup"),
                                      chunked(20 << 20))
        self.assertEqual(status, 411)
        self.assertEqual(body["error"]["code"], "length_required")
        self.assert_not_configured()

    def test_chunked_body_outside_api(self):
        status, _, _ = self.attack("chunked 20 MB /x", self.chunked_head("/x"),
                                   chunked(20 << 20))
        self.assertEqual(status, 411)

    def test_many_header_lines(self):
        lines = b"".join(b"X-Filler-%d: a\r\n" % i for i in range(100_000))
        status, _, body = self.attack(
            "100000 header lines",
            b"GET /api/auth/status HTTP/1.1\r\nHost: 127.0.0.1\r\n", [lines + b"\r\n"])
        self.assertEqual(status, 431)
        self.assertEqual(body["error"]["code"], "headers_too_large")

    def test_large_content_length(self):
        started = time.monotonic()
        status, _, _ = self.attack(
            "Content-Length 2 MiB",
            b"POST /api/auth/setup HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (2 << 20))
        self.assertEqual(status, 413)
        self.assertLess(time.monotonic() - started, 5, "waited for the body")
        self.assert_not_configured()

    def test_slow_header_drip(self):
        with PeakRss(self.gw.pid) as rss:
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=20)
            started = time.monotonic()
            sock.sendall(b"GET /api/auth/status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Drip: ")
            answered = False
            while time.monotonic() - started < HEAD_TIMEOUT_S + 10:
                readable, _, _ = select.select([sock], [], [], 0.1)
                if readable:
                    answered = True
                    break
                try:
                    sock.sendall(b"a")
                except OSError:
                    break
            elapsed = time.monotonic() - started
            status = read_response(sock)[0] if answered else None
            sock.close()
        print("peak-rss %-28s +%d KiB (status %s)" % ("header drip", rss.growth_kib, status))
        self.assertEqual(status, 408, "a dripped head was still read after %.1f s" % elapsed)
        self.assertLess(elapsed, HEAD_TIMEOUT_S + 3)

    def test_refused_body_keeps_connection_usable(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            body = json.dumps({"url": "http://example.invalid/" + "a" * 50_000})
            conn.request("POST", "/api/queue/add", body=body,
                         headers={"Content-Type": "application/json"})
            first = conn.getresponse()
            first.read()
            self.assertEqual(first.status, 401)
            conn.request("GET", "/api/auth/status")
            second = conn.getresponse()
            self.assertEqual(second.status, 200)
            self.assertIn("configured", json.loads(second.read()))
        finally:
            conn.close()

    def test_zz_metric_labels_stay_bounded(self):
        # Runs last: the refusals above must be counted by now.
        rng = random.Random(7)
        for n in range(300):
            method = rng.choice(["GET", "POST", "BREW", "get", "X" * 5000])
            path = rng.choice(["/api/", "/", "/api/queue/"]) + "%08x" % rng.getrandbits(32)
            try:
                exchange(self.port, b"%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         b"Content-Length: 0\r\n\r\n" % (method.encode(), path.encode()))
            except OSError:
                pass  # a refused head may close before its answer is read
        http_json("GET", self.gw.url + "/api/auth/status")
        text = self.gw.metrics()
        series = [line for line in text.splitlines()
                  if line.startswith("kumo_http_requests_total{")]
        routes = {re.search(r'route="([^"]*)"', line).group(1) for line in series}
        methods = {re.search(r'method="([^"]*)"', line).group(1) for line in series}
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                               "..", "docs", "openapi.json")) as f:
            documented = set(json.load(f)["paths"])
        print("http metrics: %d series, routes %s, methods %s"
              % (len(series), sorted(routes), sorted(methods)))
        self.assertLessEqual(routes, documented | {"unmatched", "web", "refused"})
        self.assertIn("/api/auth/status", routes)
        self.assertLessEqual(methods, {"GET", "HEAD", "POST", "PUT", "PATCH",
                                       "DELETE", "OPTIONS", "other"})
        self.assertLess(len(series), 40)
        refused = {re.search(r'status="([^"]*)"', line).group(1)
                   for line in series if 'route="refused"' in line}
        self.assertTrue({"408", "413", "431"} <= refused, refused)
        self.assertRegex(text, r'kumo_http_request_duration_seconds_count\{'
                               r'route="/api/auth/status"\} [1-9]')


if __name__ == "__main__":
    unittest.main(verbosity=2)
