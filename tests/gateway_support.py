"""Helpers of the gateway's integration tests (tests/test_gateway_*.py): a
stand-in service answering a service's commands over NATS, the JSON error
of an answer, a forged token, and the checks every gateway test makes.
Standard library only."""

import json
import os
import secrets
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))

from mini_nats import NatsClient  # noqa: E402


def error_of(body):
    """The "error" object of a JSON answer, or None."""
    try:
        return json.loads(body)["error"]
    except (ValueError, KeyError, TypeError):
        return None


def forged_token():
    """Shaped like a real token (43 base64url characters) but never issued."""
    return secrets.token_urlsafe(32)


class FakeService:
    """Stands in for `service` on kumo.<service>.cmd.* (queue group
    `service`): records every command as (op, payload) and answers from
    `replies` (op -> JSON value or raw bytes; an op missing from it gets no
    answer at all)."""

    def __init__(self, nats_url, service, replies):
        self.nats = NatsClient(nats_url, name="fake-" + service)
        self.lock = threading.Lock()
        self.replies = replies
        self.received = []
        self.sid = self.nats.subscribe("kumo.%s.cmd.*" % service, group=service)
        self.nats.flush()
        self.running = True
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while self.running:
            try:
                subject, reply, payload = self.nats.next_message(self.sid, 0.2)
            except (TimeoutError, KeyError):
                continue
            op = subject.rsplit(".", 1)[1]
            with self.lock:
                self.received.append((op, json.loads(payload)))
            if reply and op in self.replies:
                out = self.replies[op]
                data = out if isinstance(out, bytes) else json.dumps(out).encode()
                self.nats.publish(reply, data)

    def take(self):
        """The commands received since the last call."""
        with self.lock:
            out, self.received = self.received, []
        return out

    def close(self):
        self.running = False
        self.nats.close()


class GatewayChecks:
    """Mixed into a unittest.TestCase whose class holds `stack` and `gw`."""

    @classmethod
    def tearDownClass(cls):
        try:
            code = cls.gw.stop()
        finally:
            cls.stack.close()
        if code != 0:
            raise AssertionError("gateway exited with %s on SIGTERM" % code)

    def assert_error(self, status, body, want, code=None, what=""):
        """Asserts an answer `want` carrying a JSON error with a message
        (and `code` when given); returns the error object."""
        self.assertEqual(status, want, "%s: %s" % (what, body[:300]))
        err = error_of(body)
        self.assertIsNotNone(err, "%s: not a JSON error: %r" % (what, body[:300]))
        self.assertTrue(err.get("message"), what)
        if code:
            self.assertEqual(err.get("code"), code, what)
        return err
