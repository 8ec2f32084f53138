"""What the gateway does to keep browsers and their sessions safe.

What is tried, against two real gateways sharing PostgreSQL and nats-server
(the second one trusts 127.0.0.1 as a reverse proxy):

- CSRF: a cookie-authenticated POST from another origin (another port, a
  sibling subdomain, Origin "null", Sec-Fetch-Site same-site or none given),
  and a text/plain one from the gateway's own origin, are refused with 403
  and change nothing (the session still works); a same-origin JSON POST
  (Origin, or Sec-Fetch-Site: same-origin alone) passes; a bearer client
  without Origin passes.
- Event streams end within ~1 s of their session's logout, on the gateway
  that logged out and on the other one (revocation broadcast).
- Hostile query values (invalid UTF-8, overlong encodings, a lone
  surrogate, NUL, 5 000 bytes, 1 000 rooms) on /api/events and the other GET
  routes get a 4xx, never a 500, and the gateway stays up.
- Every response (API, 401, 404, 400) carries Content-Security-Policy,
  X-Frame-Options, Referrer-Policy and X-Content-Type-Options.
- The session cookie is Secure when a trusted proxy says
  X-Forwarded-Proto: https, and not when an untrusted peer says it.
"""

import http.client as http_client
import json
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))

from kumo_harness import SSEClient, Stack, http, http_json  # noqa: E402

PASSWORD = "web-Security-passw0rd"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def login(url, headers=None):
    status, hdrs, body = http("POST", url + "/api/auth/login",
                              {"password": PASSWORD}, headers=headers)
    if status != 200:
        raise AssertionError("login answered %d: %s" % (status, body[:300]))
    return json.loads(body)["token"], hdrs.get("Set-Cookie", "")


class WebSecurity(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = Stack(name="gateway-web")
        try:
            s = cls.stack
            s.start_postgres()
            s.start_nats()
            cls.gw2 = s.start_service("gateway", {"KUMO_TRUSTED_PROXIES": "127.0.0.1/32"})
            cls.gw = s.start_service("gateway")
            cls.gw.wait_ready()
            cls.gw2.wait_ready()
            s.login(PASSWORD)
        except BaseException:
            cls.stack.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.stack.close()

    def own_origin(self, gw):
        return "http://127.0.0.1:%d" % gw.http_port

    def cookie_headers(self, token, **extra):
        headers = {"Cookie": "kumo_session=" + token}
        headers.update(extra)
        return headers

    def assert_session_works(self, token):
        status, body = http_json("GET", self.gw.url + "/api/auth/status",
                                 headers=self.cookie_headers(token))
        self.assertEqual((status, body["authenticated"]), (200, True))

    # -- CSRF ----------------------------------------------------------------

    def test_cross_origin_cookie_posts_are_refused(self):
        token, _ = login(self.gw.url)
        other_port = "http://127.0.0.1:%d" % (self.gw.http_port + 1)
        attempts = {
            "another port": {"Origin": other_port},
            "sibling subdomain": {"Origin": "http://evil.127.0.0.1.nip.io"},
            "opaque origin": {"Origin": "null"},
            "same-site fetch": {"Sec-Fetch-Site": "same-site"},
            "no origin at all": {},
        }
        for what, extra in attempts.items():
            for path, body in (("/api/auth/logout", None),
                               ("/api/queue/add", {"url": "http://example.org/a.mkv"})):
                status, payload = http_json(
                    "POST", self.gw.url + path, body,
                    headers=self.cookie_headers(token, **extra))
                self.assertEqual(status, 403, "%s: %s" % (what, path))
                self.assertEqual(payload["error"]["code"], "forbidden")
        # text/plain from the gateway's own origin: a form or fetch() without
        # a preflight.
        status, _ = http_json(
            "POST", self.gw.url + "/api/queue/add", '{"url": "http://example.org/a.mkv"}',
            headers=self.cookie_headers(token, Origin=self.own_origin(self.gw),
                                        **{"Content-Type": "text/plain"}))
        self.assertEqual(status, 403, "text/plain body")
        self.assert_session_works(token)  # no logout went through

    def test_same_origin_cookie_posts_pass(self):
        token, _ = login(self.gw.url)
        status, _ = http_json(
            "POST", self.gw.url + "/api/queue/add", {"url": "http://example.org/a.mkv"},
            headers=self.cookie_headers(token, Origin=self.own_origin(self.gw)))
        self.assertNotIn(status, (401, 403))
        status, _ = http_json("POST", self.gw.url + "/api/auth/logout",
                              headers=self.cookie_headers(token, **{"Sec-Fetch-Site": "same-origin"}))
        self.assertEqual(status, 200)
        status, body = http_json("GET", self.gw.url + "/api/auth/status",
                                 headers=self.cookie_headers(token))
        self.assertFalse(body["authenticated"])

    def test_bearer_clients_need_no_origin(self):
        token, _ = login(self.gw.url)
        status, _ = http_json("POST", self.gw.url + "/api/queue/add",
                              {"url": "http://example.org/a.mkv"}, token=token)
        self.assertNotIn(status, (401, 403))
        status, _ = http_json("POST", self.gw.url + "/api/auth/logout", token=token)
        self.assertEqual(status, 200)

    # -- event streams and logout ---------------------------------------------

    def stream_end_after_logout(self, stream_gw, logout_gw):
        token, _ = login(self.gw.url)
        ended = threading.Event()
        stream = SSEClient(stream_gw.url + "/api/events?rooms=downloads", token, timeout=30)
        self.assertEqual(stream.status, 200)

        def read():
            try:
                while True:
                    stream.next_event(timeout=30)
            except (EOFError, http_client.HTTPException, OSError, ValueError):
                ended.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        time.sleep(1.5)
        self.assertFalse(ended.is_set(), "stream ended before the logout")
        status, _ = http_json("POST", logout_gw.url + "/api/auth/logout", token=token)
        self.assertEqual(status, 200)
        started = time.monotonic()
        finished = ended.wait(10)
        elapsed = time.monotonic() - started
        stream.close()
        self.assertTrue(finished, "event stream still open 10 s after logout")
        return elapsed

    def test_logout_ends_event_streams_on_the_same_gateway(self):
        self.assertLess(self.stream_end_after_logout(self.gw, self.gw), 1.5)

    def test_logout_ends_event_streams_on_another_gateway(self):
        self.assertLess(self.stream_end_after_logout(self.gw2, self.gw), 1.5)

    # -- hostile query values ---------------------------------------------------

    def test_hostile_query_values(self):
        token, _ = login(self.gw.url)
        values = ["%FF", "%C0%AF", "%ED%A0%80", "%00", "downloads%00x",
                  "%E2%82", "a" * 5000, "downloads,%FFqueue", ",".join(["downloads"] * 1000)]
        for value in values:
            status, body = http_json("GET", self.gw.url + "/api/events?rooms=" + value,
                                     token=token, timeout=10)
            self.assertTrue(400 <= status < 500, "rooms=%s: %d" % (value[:40], status))
            if status == 400:
                self.assertIn("error", body)
        for path in ("/api/health", "/api/auth/status", "/api/queue/status",
                     "/api/openapi.json"):
            for value in values:
                status, _, _ = http("GET", "%s%s?x=%s&%s=1" % (self.gw.url, path, value, value),
                                    token=token, timeout=15)
                # /api/queue/status may answer 503: no queue service runs.
                self.assertNotEqual(status, 500, "%s x=%s" % (path, value[:40]))
        self.assertTrue(self.gw.running())

    # -- headers and cookies ------------------------------------------------------

    def test_security_headers_on_every_response(self):
        token, _ = login(self.gw.url)
        for method, path, tok in (("GET", "/api/health", None),
                                  ("GET", "/api/auth/status", token),
                                  ("GET", "/api/queue/status", None),   # 401
                                  ("GET", "/api/nothing-here", token),  # 404
                                  ("GET", "/nothing", None),            # 404 outside /api
                                  ("GET", "/api/events?rooms=%FF", token)):  # 400
            _, headers, _ = http(method, self.gw.url + path, token=tok, timeout=15)
            for name, value in SECURITY_HEADERS.items():
                self.assertEqual(headers.get(name), value, "%s on %s %s" % (name, method, path))

    def test_secure_cookie_only_through_a_trusted_proxy(self):
        https = {"X-Forwarded-Proto": "https"}
        _, cookie = login(self.gw2.url, headers=https)
        self.assertIn("; Secure", cookie, "trusted proxy said https")
        _, cookie = login(self.gw2.url)
        self.assertNotIn("Secure", cookie, "plain HTTP")
        _, cookie = login(self.gw.url, headers=https)
        self.assertNotIn("Secure", cookie, "untrusted X-Forwarded-Proto")


if __name__ == "__main__":
    unittest.main(verbosity=2)
