"""NATS requires a login, and each service may use only its own subjects.

What is tried, against a real nats-server run with Kumo's generated config
(deploy/nats/permissions.json through scripts/lib/nats_config.py), real
PostgreSQL, queue, gateway and downloader processes:

- a client without credentials, and one with a wrong password, is refused
  by the server (-ERR 'Authorization Violation');
- with the downloader's credentials a client can claim work, but publishing
  kumo.queue.cmd.add / kumo.queue.cmd.clear_completed and subscribing to
  kumo.queue.cmd.* is refused by the server (Permissions Violation), no
  queue command answers, and nothing is added or cleared;
- the stack itself runs under these rules: an episode added through the
  gateway is downloaded by a downloader logged in as itself;
- a service started with a wrong or no password says so in one log line,
  keeps /readyz at 503 and does not spin: no second line after several
  seconds.
"""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from kumo_harness import Stack, http, wait_until  # noqa: E402
from mini_nats import NatsClient, NatsError  # noqa: E402
import pipeline_support as ps  # noqa: E402

AUTH_FAILED = "nats authorization failed"


def queue_count(s):
    return int(s.psql("SELECT count(*) FROM queue_items")[0][0])


class NatsAuthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = Stack(name="nats-auth")
        s = cls.stack
        ps.start_stack(s)
        url, _, _ = ps.origin_file(s, "auth/e1.mkv", size=64 * 1024)
        ps.add(s, "auth-show", [(1, 1, url)])
        cls.worker = ps.start_worker(s, jobs=1)
        wait_until(lambda: ps.items(s) and all(
            i["status"] == "completed" for i in ps.items(s).values()),
            timeout=60, what="the episode downloaded under authorization")

    @classmethod
    def tearDownClass(cls):
        failed = cls.stack.close()
        if failed:
            raise AssertionError("sanitizer reports:\n" + "\n".join(failed))

    def test_login_required(self):
        s = self.stack
        with self.assertRaises(NatsError) as anonymous:
            NatsClient(s.nats_plain_url, name="anonymous")
        self.assertIn("Authorization Violation", str(anonymous.exception))
        with self.assertRaises(NatsError) as wrong:
            NatsClient(s.nats_plain_url, name="wrong", user="downloader",
                       password="not-the-password")
        self.assertIn("Authorization Violation", str(wrong.exception))

    def test_downloader_cannot_command_the_queue(self):
        s = self.stack
        before = queue_count(s)
        self.assertGreater(before, 0)
        with s.nats_client("downloader") as nc:
            # What a downloader may do: ask for work (nothing is pending).
            reply = nc.request("kumo.queue.claim",
                               b'{"worker":"auth-test","slots":1}', timeout=5)
            self.assertIn(b"jobs", reply)
            add = (b'{"serie_id":"intruder","serie_folder":"Intruder",'
                   b'"serie_name":"Intruder","priority":"high","episodes":'
                   b'[{"season":1,"episode":1,"source":{"provider":"direct",'
                   b'"url":"http://127.0.0.1:9/x.mkv"}}]}')
            for op, payload in (("add", add), ("clear_completed", b"{}")):
                with self.subTest(op=op):
                    with self.assertRaises(TimeoutError):
                        nc.request("kumo.queue.cmd." + op, payload, timeout=2)
                    line = nc.wait_error(
                        'Publish to "kumo.queue.cmd.%s"' % op, timeout=5)
                    self.assertIn("Permissions Violation", line)
            nc.subscribe("kumo.queue.cmd.*")
            line = nc.wait_error('Subscription to "kumo.queue.cmd.*"')
            self.assertIn("Permissions Violation", line)
        self.assertEqual(queue_count(s), before, "the queue changed")
        self.assertEqual(s.psql("SELECT count(*) FROM queue_items "
                                "WHERE serie_id = 'intruder'")[0][0], "0")

    def test_gateway_cannot_claim_work(self):
        with self.stack.nats_client("gateway") as nc:
            nc.publish("kumo.queue.claim", b'{"worker":"gw","slots":1}')
            line = nc.wait_error('Publish to "kumo.queue.claim"')
            self.assertIn("Permissions Violation", line)

    def test_bad_credentials_reported_once(self):
        s = self.stack
        cases = {"wrong password": {"KUMO_NATS_PASSWORD": "not-the-password"},
                 "no password": {"KUMO_NATS_PASSWORD": None}}
        for what, env in cases.items():
            with self.subTest(what):
                svc = s.start_service("progress", env=env)
                svc.wait_log(lambda line: AUTH_FAILED in line.get("msg", ""),
                             timeout=20)
                time.sleep(4)
                self.assertTrue(svc.running(), "the service stays up")
                status, _, body = http("GET", svc.admin_url + "/readyz")
                self.assertEqual(status, 503, body)
                self.assertEqual(svc.log_text().count(AUTH_FAILED), 1,
                                 svc.log_text()[-2000:])
                self.assertNotIn(s.nats_passwords["progress"], svc.log_text())
                svc.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
