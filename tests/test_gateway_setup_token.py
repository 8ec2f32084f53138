"""First-run setup on a gateway reachable beyond loopback needs the one-time
setup token.

What is tried, against real gateways (with PostgreSQL and nats-server):

- a gateway bound to 0.0.0.0 (reached here through 127.0.0.1) with no
  KUMO_SETUP_TOKEN generates one and writes it to its log once; setup
  without a token, with a wrong one (header and body field) answers 403 and
  sets nothing; the right one answers 201; the token cannot be used again
  (409 from another fresh database would need a second gateway: here a
  second setup with it answers 403 or 409, never 201);
- a gateway bound to 0.0.0.0 with KUMO_SETUP_TOKEN set takes that token (the
  body field "setup_token" works like the header) and logs no token;
- a loopback-only gateway keeps working without a token.
"""

import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))

from kumo_harness import Stack, http_json  # noqa: E402

PASSWORD = "setup-Token-passw0rd"
TOKEN_LINE = re.compile(r"one-time setup token ([A-Za-z0-9_-]{43})")


class SetupToken(unittest.TestCase):
    def fresh_stack(self, name):
        stack = Stack(name=name)
        self.addCleanup(stack.close)
        stack.start_postgres()
        stack.start_nats()
        return stack

    def setup(self, gw, token=None, field=None):
        headers = {"X-Setup-Token": token} if token is not None else None
        body = {"password": PASSWORD}
        if field is not None:
            body["setup_token"] = field
        return http_json("POST", gw.url + "/api/auth/setup", body, headers=headers)

    def configured(self, gw):
        return http_json("GET", gw.url + "/api/auth/status")[1]["configured"]

    def test_generated_token_on_a_public_bind(self):
        stack = self.fresh_stack("setup-token-generated")
        gw = stack.start_service("gateway", {"KUMO_HTTP_BIND": "0.0.0.0"})
        gw.wait_ready()
        tokens = TOKEN_LINE.findall(gw.log_text())
        self.assertEqual(len(tokens), 1, "the generated token is logged exactly once")
        token = tokens[0]
        for what, kwargs in (("no token", {}), ("wrong header", {"token": "x" * 43}),
                             ("wrong field", {"field": token[:-1] + "A"}),
                             ("empty header", {"token": ""})):
            status, body = self.setup(gw, **kwargs)
            self.assertEqual(status, 403, what)
            self.assertEqual(body["error"]["code"], "forbidden", what)
            self.assertFalse(self.configured(gw), what)
        status, _ = self.setup(gw, token=token)
        self.assertEqual(status, 201)
        self.assertTrue(self.configured(gw))
        status, _ = self.setup(gw, token=token)
        self.assertEqual(status, 403, "the token is spent")

    def test_configured_token(self):
        stack = self.fresh_stack("setup-token-configured")
        secret = "operator-chosen-setup-token-123"
        gw = stack.start_service("gateway", {"KUMO_HTTP_BIND": "0.0.0.0",
                                             "KUMO_SETUP_TOKEN": secret})
        gw.wait_ready()
        self.assertNotIn(secret, gw.log_text())
        self.assertEqual(TOKEN_LINE.findall(gw.log_text()), [])
        self.assertEqual(self.setup(gw)[0], 403)
        self.assertEqual(self.setup(gw, field=secret)[0], 201)

    def test_loopback_needs_no_token(self):
        stack = self.fresh_stack("setup-token-loopback")
        gw = stack.start_service("gateway")
        gw.wait_ready()
        self.assertEqual(TOKEN_LINE.findall(gw.log_text()), [])
        self.assertEqual(self.setup(gw)[0], 201)


if __name__ == "__main__":
    unittest.main(verbosity=2)
