"""The gateway's HTTP API: authentication and the queue routes.

What is tried, against real PostgreSQL, nats-server and gateway processes:

- Auth flow: status before setup; setup with a too-short password (400),
  malformed body (400), a good one (201), again (409); login with a wrong
  password (401) and the right one (token + kumo_session cookie with
  HttpOnly, SameSite=Strict, Path=/); status with token and with cookie;
  logout revokes at once; the database holds only SHA-256 of tokens; neither
  password nor token appears in the log.
- Every protected route (each operation in /api/openapi.json without
  `security: []`, plus an unknown /api path) answers 401 with no
  credentials, a forged token, a malformed bearer value and a wrong
  X-Api-Key; the public routes answer without credentials.
- Expired tokens (gateway with KUMO_SESSION_TTL=2s) are rejected; a session
  revoked on one gateway is rejected by another within the 5 s cache.
- Static API key (KUMO_API_KEY) as Bearer and as X-Api-Key.
- Brute force: 5 wrong passwords, then 429 with Retry-After even for the
  right password.
- Bad inputs to /api/queue/add (and the item routes) each get 400 and are
  never forwarded: a stand-in queue responder on kumo.queue.cmd.* records
  every command it receives and must see none of them; a valid add is
  forwarded normalized. Queue error codes map to HTTP statuses. When the real
  queue service answers queue commands, the same bad inputs are also checked
  against the queue_items table (unchanged).
- With no queue service (none started, or the real one stopped), queue
  routes answer 503 within a second; a queue that never answers gives 503
  after request_timeout.
"""

import hashlib
import json
import os
import secrets
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from kumo_harness import Stack, http, http_json  # noqa: E402
from gateway_support import FakeService, GatewayChecks, forged_token  # noqa: E402

PASSWORD = "gateway-Test-passw0rd"
ITEM_ID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"


def login(url, password=PASSWORD):
    status, headers, body = http("POST", url + "/api/auth/login", {"password": password})
    if status != 200:
        raise AssertionError("login answered %d: %s" % (status, body[:300]))
    return json.loads(body)["token"], headers


def valid_add(**changes):
    doc = {
        "serie_id": "attack-on-titan",
        "serie_folder": "Attack on Titan (2013)",
        "serie_name": "Attack on Titan",
        "priority": "high",
        "episodes": [{"season": 1, "episode": 2,
                      "source": {"provider": "direct",
                                 "url": "http://127.0.0.1:9/aot/s01e02.mp4"}}],
    }
    doc.update(changes)
    return doc


def with_episode(**changes):
    ep = {"season": 1, "episode": 2,
          "source": {"provider": "direct", "url": "http://127.0.0.1:9/e.mp4"}}
    source_changes = changes.pop("source", {})
    ep.update(changes)
    ep["source"].update(source_changes)
    return valid_add(episodes=[ep])


def many_episodes(n):
    return valid_add(episodes=[
        {"season": 1, "episode": i,
         "source": {"provider": "direct", "url": "http://127.0.0.1:9/e%d.mp4" % i}}
        for i in range(n)])


# (what is tried, request body) -- each must get 400 and change nothing.
BAD_ADDS = [
    ("malformed JSON", '{"serie_id": "attack-on-titan", '),
    ("body is a JSON array, not an object", [1, 2, 3]),
    ("body is a JSON string", '"attack-on-titan"'),
    ("empty body", ""),
    ("serie_id missing", {k: v for k, v in valid_add().items() if k != "serie_id"}),
    ("serie_name missing", {k: v for k, v in valid_add().items() if k != "serie_name"}),
    ("episodes missing", {k: v for k, v in valid_add().items() if k != "episodes"}),
    ("serie_id is a number", valid_add(serie_id=42)),
    ("serie_name is null", valid_add(serie_name=None)),
    ("serie_id with uppercase and spaces", valid_add(serie_id="Attack On Titan")),
    ("serie_id with underscore", valid_add(serie_id="attack_on_titan")),
    ("serie_id with double hyphen", valid_add(serie_id="attack--titan")),
    ("serie_id with path traversal", valid_add(serie_id="../../etc")),
    ("serie_name with newline", valid_add(serie_name="Attack\non Titan")),
    ("serie_name with NUL", valid_add(serie_name="Attack\u0000Titan")),
    ("serie_folder with escape character", valid_add(serie_folder="AoT\u001b[31m")),
    ("serie_folder is '..'", valid_add(serie_folder="..")),
    ("serie_folder with path separators", valid_add(serie_folder="../../etc")),
    ("serie_folder empty", valid_add(serie_folder="")),
    ("serie_name over 255 bytes", valid_add(serie_name="x" * 256)),
    ("episodes is a string", valid_add(episodes="S01E02")),
    ("episodes empty", valid_add(episodes=[])),
    ("1001 episodes", many_episodes(1001)),
    ("season 1001", with_episode(season=1001)),
    ("season -1", with_episode(season=-1)),
    ("episode 10001", with_episode(episode=10001)),
    ("episode 1.5", with_episode(episode=1.5)),
    ("episode as string", with_episode(episode="2")),
    ("season is true", with_episode(season=True)),
    ("same episode twice", valid_add(episodes=valid_add()["episodes"] * 2)),
    # A bare reference is the queue's to judge (does the series have a
    # provider?); hostile ones are refused at the gateway already.
    ("bare reference out of range", valid_add(episodes=["S99E9999999"])),
    ("bare reference that is a path", valid_add(episodes=["../../x"])),
    ("10 000 bare references", valid_add(
        episodes=["S%02dE%02d" % (i // 100, i % 100) for i in range(10000)])),
    ("episode without source", valid_add(episodes=[{"season": 1, "episode": 2}])),
    ("source URL with file:// scheme", with_episode(source={"url": "file:///etc/passwd"})),
    ("source URL with ftp:// scheme", with_episode(source={"url": "ftp://example.com/e.mp4"})),
    ("source URL javascript:", with_episode(source={"url": "javascript:alert(1)"})),
    ("source URL without host", with_episode(source={"url": "http:///e.mp4"})),
    ("source URL with credentials", with_episode(source={"url": "http://user:pw@example.com/e.mp4"})),
    ("source URL with spaces", with_episode(source={"url": "http://exa mple.com/e.mp4"})),
    ("source URL over 2048 bytes", with_episode(source={"url": "http://example.com/" + "a" * 3000})),
    ("source URL port out of range", with_episode(source={"url": "http://example.com:70000/e"})),
    ("sha256 not hex", with_episode(source={"sha256": "zz"})),
    ("size negative", with_episode(source={"size": -1})),
    ("priority unknown", valid_add(priority="urgent")),
    ("priority out of range", valid_add(priority=7)),
]

BAD_IDS = ["not-a-uuid", "123", ITEM_ID[:-1], ITEM_ID + "0", "g" * 8 + ITEM_ID[8:]]


def FakeQueue(nats_url, replies):
    """Stands in for the queue on kumo.queue.cmd.* (see FakeService)."""
    return FakeService(nats_url, "queue", replies)


def api_operations(url):
    """(method, concrete path, public?) for every operation in the served
    OpenAPI document."""
    status, doc = http_json("GET", url + "/api/openapi.json")
    assert status == 200, status
    out = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            public = op.get("security") == []
            out.append((method.upper(), path.replace("{id}", ITEM_ID), public))
    return out


class GatewayApi(GatewayChecks, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = Stack(name="gateway-api")
        s = cls.stack
        s.start_postgres()
        s.start_nats()
        cls.gw = s.start_service("gateway", {"KUMO_REQUEST_TIMEOUT": "1s"})
        cls.gw.wait_ready()
        cls.url = cls.gw.url

    def start_gateway(self, **env):
        gw = self.stack.start_service("gateway", env)
        gw.wait_ready()
        return gw

    # -- 1. setup / login / logout / status ----------------------------------

    def test_1_auth_flow(self):
        url = self.url
        self.assertEqual(http_json("GET", url + "/api/auth/status"),
                         (200, {"configured": False, "authenticated": False}))
        status, _, body = http("POST", url + "/api/auth/login", {"password": PASSWORD})
        self.assert_error(status, body, 409, "conflict", "login before setup")

        status, _, body = http("POST", url + "/api/auth/setup", {"password": "short"})
        self.assert_error(status, body, 400, "invalid_argument", "7-character password")
        status, _, body = http("POST", url + "/api/auth/setup", {"password": "x" * 1025})
        self.assert_error(status, body, 400, "invalid_argument", "1025-character password")
        status, _, body = http("POST", url + "/api/auth/setup", "{not json")
        self.assert_error(status, body, 400, "invalid_argument", "malformed setup body")
        status, _, body = http("POST", url + "/api/auth/setup", {"password": 12345678})
        self.assert_error(status, body, 400, "invalid_argument", "numeric password")
        self.assertEqual(http_json("POST", url + "/api/auth/setup", {"password": PASSWORD}),
                         (201, {"configured": True}))
        status, _, body = http("POST", url + "/api/auth/setup", {"password": "another-password"})
        self.assert_error(status, body, 409, "conflict", "second setup")

        status, headers, body = http("POST", url + "/api/auth/login", {"password": PASSWORD + "x"})
        self.assert_error(status, body, 401, "unauthorized", "wrong password")

        token, headers = login(url)
        self.assertEqual(len(token), 43)
        cookie = headers["Set-Cookie"]
        self.assertTrue(cookie.startswith("kumo_session=%s;" % token), cookie)
        for attribute in ("HttpOnly", "SameSite=Strict", "Path=/"):
            self.assertIn(attribute, cookie)

        self.assertEqual(http_json("GET", url + "/api/auth/status", token=token),
                         (200, {"configured": True, "authenticated": True}))
        self.assertEqual(http_json("GET", url + "/api/auth/status",
                                   headers={"Cookie": "kumo_session=" + token}),
                         (200, {"configured": True, "authenticated": True}))
        self.assertNotEqual(http("GET", url + "/api/queue/status",
                                 headers={"Cookie": "a=b; kumo_session=" + token})[0], 401)

        digest = hashlib.sha256(token.encode()).hexdigest()
        rows = self.stack.psql("SELECT encode(token_hash, 'hex') FROM gateway_sessions")
        self.assertIn((digest,), [tuple(r) for r in rows])
        dump = self.stack.psql("SELECT encode(token_hash, 'hex'), user_id FROM gateway_sessions; "
                               "SELECT password_hash FROM gateway_users")
        self.assertNotIn(token, repr(dump))
        self.assertNotIn(PASSWORD, repr(dump))

        status, headers, body = http("POST", url + "/api/auth/logout", b"", token=token)
        self.assertEqual((status, json.loads(body)), (200, {"logged_out": True}))
        self.assertIn("Max-Age=0", headers["Set-Cookie"])
        status, _, body = http("GET", url + "/api/queue/status", token=token)
        self.assert_error(status, body, 401, "unauthorized", "token after logout")
        self.assertEqual(http_json("GET", url + "/api/auth/status", token=token),
                         (200, {"configured": True, "authenticated": False}))
        self.assertNotIn((digest,), [tuple(r) for r in self.stack.psql(
            "SELECT encode(token_hash, 'hex') FROM gateway_sessions")])

        log = self.gw.log_text()
        self.assertNotIn(PASSWORD, log)
        self.assertNotIn(token, log)

    # -- 2. every protected route needs credentials --------------------------

    def test_2_every_protected_route_needs_credentials(self):
        ops = api_operations(self.url)
        protected = [(m, p) for m, p, public in ops if not public]
        public = [(m, p) for m, p, pub in ops if pub]
        # The document must really list the queue routes, or this test
        # would pass on an empty list.
        for needed in [("GET", "/api/queue/status"), ("POST", "/api/queue/add"),
                       ("DELETE", "/api/queue/" + ITEM_ID), ("POST", "/api/queue/retry"),
                       ("POST", "/api/queue/%s/priority" % ITEM_ID),
                       ("DELETE", "/api/queue/completed"), ("POST", "/api/auth/logout"),
                       ("GET", "/api/events")]:
            self.assertIn(needed, protected)
        self.assertEqual(sorted(p for _, p in public),
                         sorted(["/api/health", "/api/openapi.json", "/api/auth/setup",
                                 "/api/auth/login", "/api/auth/status"]))
        protected += [("GET", "/api/not-a-route-yet"), ("POST", "/api/config"),
                      ("GET", "/API/queue/status"), ("GET", "/api//queue/status")]
        attempts = [
            ("no credentials", {}),
            ("forged session token", {"Authorization": "Bearer " + forged_token()}),
            ("malformed bearer value", {"Authorization": "Bearer not-a-token"}),
            ("forged cookie", {"Cookie": "kumo_session=" + forged_token()}),
            ("wrong API key", {"X-Api-Key": "0123456789abcdef-wrong"}),
            ("basic auth", {"Authorization": "Basic dXNlcjpwYXNzd29yZA=="}),
        ]
        for method, path in protected:
            for what, headers in attempts:
                body = {"priority": "low"} if method in ("POST", "PUT") else None
                status, hdrs, payload = http(method, self.url + path, body,
                                             headers=headers, timeout=5)
                self.assert_error(status, payload, 401, "unauthorized",
                                  "%s %s with %s" % (method, path, what))
                self.assertEqual(hdrs["WWW-Authenticate"], "Bearer")
        print("  %d protected operations x %d credential variants: all 401"
              % (len(protected), len(attempts)))
        # Public routes answer without credentials (setup: 409, already set).
        expected = {"/api/health": (200, 503), "/api/openapi.json": (200,),
                    "/api/auth/setup": (409,), "/api/auth/login": (200,),
                    "/api/auth/status": (200,)}
        for method, path in public:
            body = {"password": PASSWORD} if method == "POST" else None
            status, _, payload = http(method, self.url + path, body, timeout=5)
            self.assertIn(status, expected[path], "%s %s: %s" % (method, path, payload[:200]))

    # -- 3. expiry, revocation across gateways, API key ----------------------

    def test_3_expired_token_is_rejected(self):
        short = self.start_gateway(KUMO_SESSION_TTL="2s")
        token, headers = login(short.url)
        self.assertIn("Max-Age=2", headers["Set-Cookie"])
        self.assertNotEqual(http("GET", short.url + "/api/queue/status", token=token)[0], 401)
        time.sleep(2.5)
        for url in (short.url, self.url):
            status, _, body = http("GET", url + "/api/queue/status", token=token)
            self.assert_error(status, body, 401, "unauthorized", "expired token on " + url)
            status, _, body = http("GET", url + "/api/queue/status",
                                   headers={"Cookie": "kumo_session=" + token})
            self.assert_error(status, body, 401, "unauthorized", "expired cookie on " + url)
        self.assertEqual(short.stop(), 0)

    def test_3_revocation_reaches_other_gateways(self):
        other = self.start_gateway()
        token, _ = login(self.url)
        self.assertNotEqual(http("GET", other.url + "/api/queue/status", token=token)[0], 401)
        self.assertEqual(http("POST", self.url + "/api/auth/logout", b"", token=token)[0], 200)
        revoked = time.monotonic()
        while http("GET", other.url + "/api/queue/status", token=token)[0] != 401:
            self.assertLess(time.monotonic() - revoked, 6.5,
                            "other gateway still accepts a revoked session")
            time.sleep(0.2)
        print("  other gateway rejected the revoked session after %.1fs"
              % (time.monotonic() - revoked))
        self.assertEqual(other.stop(), 0)

    def test_3_static_api_key(self):
        key = "k-" + secrets.token_hex(16)
        gw = self.start_gateway(KUMO_API_KEY=key)
        for headers in ({"Authorization": "Bearer " + key}, {"X-Api-Key": key}):
            self.assertNotEqual(http("GET", gw.url + "/api/queue/status", headers=headers)[0], 401)
            self.assertEqual(http_json("GET", gw.url + "/api/auth/status", headers=headers)[1]
                             ["authenticated"], True)
        for headers in ({"Authorization": "Bearer " + key + "x"}, {"X-Api-Key": key[:-1]},
                        {"X-Api-Key": key.upper()}):
            self.assertEqual(http("GET", gw.url + "/api/queue/status", headers=headers)[0], 401)
        self.assertEqual(http("POST", gw.url + "/api/auth/logout", b"",
                              headers={"X-Api-Key": key})[0], 200)
        self.assertNotEqual(http("GET", gw.url + "/api/queue/status",
                                 headers={"X-Api-Key": key})[0], 401)
        # Without the setting no key works.
        self.assertEqual(http("GET", self.url + "/api/queue/status",
                              headers={"X-Api-Key": key})[0], 401)
        self.assertNotIn(key, gw.log_text())
        self.assertEqual(gw.stop(), 0)

    # -- 4. brute force ------------------------------------------------------

    def test_4_brute_force_lockout(self):
        # Its own gateway: the lock is per client address, and every request
        # here comes from 127.0.0.1.
        gw = self.start_gateway()
        for attempt in range(5):
            status, _, body = http("POST", gw.url + "/api/auth/login",
                                   {"password": "guess-%d-wrong" % attempt})
            self.assert_error(status, body, 401, "unauthorized", "guess %d" % attempt)
        for password in ("guess-6-wrong", PASSWORD):
            status, headers, body = http("POST", gw.url + "/api/auth/login",
                                         {"password": password})
            self.assert_error(status, body, 429, "too_many_requests", "locked out")
            retry_after = int(headers["Retry-After"])
            self.assertTrue(250 <= retry_after <= 300, retry_after)
        # Other gateways keep their own count; the account is not locked.
        login(self.url)
        self.assertEqual(gw.stop(), 0)

    # -- 5. queue routes against a stand-in queue ----------------------------

    def test_5_bad_input_is_refused_and_never_forwarded(self):
        token, _ = login(self.url)
        item = {"id": ITEM_ID, "status": "pending"}
        fake = FakeQueue(self.stack.nats_url, {
            "add": {"items": [item], "skipped": []},
            "status": {"is_running": True, "is_paused": False, "counts": {}},
            "get": {"error": {"code": "not_found", "message": "no such item"}},
            "remove": {"removed": True},
            "pause_item": {"error": {"code": "conflict", "message": "not pausable"}},
            "resume_item": {"error": {"code": "invalid_argument", "message": "queue says no"}},
            "cancel_item": {"error": {"code": "internal", "message": "boom"}},
            "set_priority": item,
            "retry": {"retried": 0},
            "clear_completed": b"this is not JSON",
            "start": {"is_running": True, "is_paused": False},
        })
        try:
            for what, body in BAD_ADDS:
                status, _, payload = http("POST", self.url + "/api/queue/add", body,
                                          token=token)
                err = self.assert_error(status, payload, 400, "invalid_argument", what)
                print("  400 for %-40s -> %s" % (what, err["message"][:90]))
            oversized = json.dumps(valid_add(serie_name="x" * (1 << 20)))
            status, _, payload = http("POST", self.url + "/api/queue/add", oversized,
                                      token=token)
            self.assert_error(status, payload, 413, "payload_too_large", "body over 1 MiB")
            for bad in BAD_IDS:
                for method, path, body in [
                        ("GET", "/api/queue/" + bad, None),
                        ("DELETE", "/api/queue/" + bad, None),
                        ("POST", "/api/queue/%s/pause" % bad, b""),
                        ("POST", "/api/queue/%s/resume" % bad, b""),
                        ("POST", "/api/queue/%s/cancel" % bad, b""),
                        ("POST", "/api/queue/%s/priority" % bad, {"priority": "low"})]:
                    status, _, payload = http(method, self.url + path, body, token=token)
                    self.assert_error(status, payload, 400, "invalid_argument",
                                      "%s %s" % (method, path))
            for what, body in [("priority missing", {}), ("priority unknown", {"priority": "soon"}),
                               ("priority malformed JSON", "{"), ("priority 3", {"priority": 3})]:
                status, _, payload = http("POST", self.url + "/api/queue/%s/priority" % ITEM_ID,
                                          body, token=token)
                self.assert_error(status, payload, 400, "invalid_argument", what)
            for what, body in [("ids not an array", {"ids": ITEM_ID}),
                               ("ids with a bad id", {"ids": [ITEM_ID, "nope"]}),
                               ("ids with a number", {"ids": [1]}),
                               ("retry body malformed", "[")]:
                status, _, payload = http("POST", self.url + "/api/queue/retry", body,
                                          token=token)
                self.assert_error(status, payload, 400, "invalid_argument", what)
            time.sleep(0.3)
            self.assertEqual(fake.take(), [], "invalid requests reached the queue")

            # Valid requests are forwarded, normalized.
            doc = valid_add(priority=0, unknown_field={"x": 1})
            doc["episodes"][0]["source"]["sha256"] = "AB" * 32
            doc["episodes"][0]["extra"] = True
            status, _, payload = http("POST", self.url + "/api/queue/add", doc, token=token)
            self.assertEqual(status, 201, payload)
            self.assertEqual(json.loads(payload)["items"], [item])
            (op, sent), = fake.take()
            self.assertEqual(op, "add")
            self.assertEqual(sent, {
                "serie_id": "attack-on-titan", "serie_folder": "Attack on Titan (2013)",
                "serie_name": "Attack on Titan", "priority": "low",
                "episodes": [{"season": 1, "episode": 2, "source": {
                    "provider": "direct", "url": "http://127.0.0.1:9/aot/s01e02.mp4",
                    "sha256": "ab" * 32}}]})

            upper = ITEM_ID.upper()
            cases = [
                ("GET", "/api/queue/status", None, 200, "status", {}),
                ("GET", "/api/queue/" + upper, None, 404, "get", {"id": ITEM_ID}),
                ("DELETE", "/api/queue/" + ITEM_ID, None, 200, "remove", {"id": ITEM_ID}),
                ("POST", "/api/queue/%s/pause" % ITEM_ID, b"", 409, "pause_item", {"id": ITEM_ID}),
                ("POST", "/api/queue/%s/resume" % ITEM_ID, b"", 400, "resume_item", {"id": ITEM_ID}),
                ("POST", "/api/queue/%s/cancel" % ITEM_ID, b"", 500, "cancel_item", {"id": ITEM_ID}),
                ("POST", "/api/queue/%s/priority" % ITEM_ID, {"priority": 2}, 200,
                 "set_priority", {"id": ITEM_ID, "priority": "high"}),
                ("POST", "/api/queue/retry", b"", 200, "retry", {}),
                ("POST", "/api/queue/retry", {"ids": [upper]}, 200, "retry", {"ids": [ITEM_ID]}),
                ("DELETE", "/api/queue/completed", None, 502, "clear_completed", {}),
                ("POST", "/api/queue/start", b"", 200, "start", {}),
            ]
            for method, path, body, want_status, want_op, want_payload in cases:
                status, _, payload = http(method, self.url + path, body, token=token)
                self.assertEqual(status, want_status, "%s %s: %s" % (method, path, payload))
                self.assertEqual(fake.take(), [(want_op, want_payload)], "%s %s" % (method, path))
            # "stop" has no answer in the stand-in: 503 after request_timeout (1 s).
            started = time.monotonic()
            status, headers, payload = http("POST", self.url + "/api/queue/stop", b"",
                                            token=token)
            took = time.monotonic() - started
            err = self.assert_error(status, payload, 503, "unavailable", "silent queue")
            self.assertIn("in time", err["message"])
            self.assertEqual(headers["Retry-After"], "5")
            self.assertTrue(0.8 <= took < 3.0, took)
        finally:
            fake.close()

    # -- 6. the real queue service -------------------------------------------

    def test_6_real_queue_unchanged_by_bad_input_and_503_when_stopped(self):
        token, _ = login(self.url)
        queue = self.stack.start_service("queue")
        queue.wait_ready()
        # Ready does not imply subscribed yet: give it a few seconds.
        deadline = time.monotonic() + 5
        while True:
            status, _, body = http("GET", self.url + "/api/queue/status", token=token)
            if status == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        try:
            if status == 200:
                self.check_real_queue_unchanged(token)
            else:
                print("  SKIPPED real-queue table check: GET /api/queue/status "
                      "answered %d (%s)" % (status, body[:120]))
        finally:
            queue.stop()
        self.check_503_without_queue(token, "queue service stopped")
        if status != 200:
            self.skipTest("the queue service does not answer queue commands yet "
                          "(503 path checked)")

    def check_real_queue_unchanged(self, token):
        def count():
            return int(self.stack.psql("SELECT count(*) FROM queue_items")[0][0])

        before = count()
        status_before = http_json("GET", self.url + "/api/queue/status", token=token)[1]
        for what, body in BAD_ADDS:
            status, _, payload = http("POST", self.url + "/api/queue/add", body, token=token)
            self.assert_error(status, payload, 400, "invalid_argument", what)
        self.assertEqual(count(), before, "bad input changed queue_items")
        self.assertEqual(http_json("GET", self.url + "/api/queue/status", token=token)[1]
                         .get("counts"), status_before.get("counts"))
        print("  real queue: %d bad adds, queue_items unchanged (%d rows)"
              % (len(BAD_ADDS), before))
        status, _, payload = http("POST", self.url + "/api/queue/add", valid_add(), token=token)
        print("  real queue: valid add answered %d: %s" % (status, payload[:300]))
        self.assertEqual(status, 201, payload)
        self.assertEqual(count(), before + 1)

    def check_503_without_queue(self, token, what):
        routes = [("GET", "/api/queue/status", None), ("POST", "/api/queue/add", valid_add()),
                  ("GET", "/api/queue/" + ITEM_ID, None), ("DELETE", "/api/queue/" + ITEM_ID, None),
                  ("POST", "/api/queue/start", b""), ("POST", "/api/queue/pause", b""),
                  ("POST", "/api/queue/%s/cancel" % ITEM_ID, b""),
                  ("POST", "/api/queue/%s/priority" % ITEM_ID, {"priority": "low"}),
                  ("POST", "/api/queue/retry", b""), ("DELETE", "/api/queue/completed", None)]
        for method, path, body in routes:
            started = time.monotonic()
            status, headers, payload = http(method, self.url + path, body, token=token)
            took = time.monotonic() - started
            err = self.assert_error(status, payload, 503, "unavailable",
                                    "%s %s (%s)" % (method, path, what))
            self.assertIn("not running", err["message"])
            self.assertEqual(headers["Retry-After"], "5")
            self.assertLess(took, 1.0, "%s %s took %.2fs" % (method, path, took))

    def test_7_no_queue_service_means_503_at_once(self):
        token, _ = login(self.url)
        self.check_503_without_queue(token, "no queue service")


if __name__ == "__main__":
    unittest.main(verbosity=2)
