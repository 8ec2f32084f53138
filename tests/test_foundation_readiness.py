"""/readyz follows the service's dependencies; /livez does not.

* PostgreSQL stopped with "immediate" (a crash): every database-using
  service's /readyz turns 503 within 5 s while /livez stays 200 and the
  downloader (no database) stays ready; after PostgreSQL restarts, /readyz is
  200 again within 15 s.
* A service started while NATS is down answers /livez 200 and /readyz 503
  (body "nats: down"); once NATS starts it becomes ready. NATS stopped under
  a running service: 503, then 200 after NATS returns.
"""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))

from kumo_harness import Stack, http, wait_until  # noqa: E402

DATABASE_SERVICES = ("gateway", "scanner", "queue")


def readyz_body(svc):
    return http("GET", svc.admin_url + "/readyz", timeout=2)[2].decode()


class Readiness(unittest.TestCase):
    def wait_status(self, svcs, status, timeout, what):
        started = time.monotonic()
        for svc in svcs:
            left = max(0.1, timeout - (time.monotonic() - started))
            try:
                wait_until(lambda: svc.readyz() == status, timeout=left,
                           interval=0.05, what="%s /readyz %d" % (svc.name, status))
            except TimeoutError:
                self.fail("%s: /readyz not %d within %.0fs %s (now %d: %r)" % (
                    svc.name, status, timeout, what, svc.readyz(), readyz_body(svc)))
        return time.monotonic() - started

    def test_postgres_crash_and_restart(self):
        with Stack(name="ready-pg") as s:
            s.start_postgres()
            s.start_nats()
            svcs = s.start_all()
            db_svcs = [svcs[n] for n in DATABASE_SERVICES]
            downloader = svcs["downloader"]

            s.stop_postgres(mode="immediate")
            took = self.wait_status(db_svcs, 503, 5, "after PostgreSQL stopped")
            print("  database services not ready %.2fs after PostgreSQL stopped" % took)
            for svc in db_svcs:
                self.assertIn("database: down", readyz_body(svc))
            for svc in svcs.values():
                self.assertEqual(svc.livez(), 200, "%s /livez" % svc.name)
                self.assertTrue(svc.running(), "%s exited" % svc.name)
            self.assertEqual(downloader.readyz(), 200,
                             "the downloader does not depend on PostgreSQL")

            time.sleep(1)
            s.start_postgres()
            took = self.wait_status(db_svcs, 200, 15, "after PostgreSQL restarted")
            print("  ready again %.2fs after PostgreSQL restarted" % took)
            for svc in svcs.values():
                self.assertEqual(svc.readyz(), 200, svc.name)

    def test_nats_down_at_start_and_while_running(self):
        with Stack(name="ready-nats") as s:
            s.start_postgres()
            s.start_nats()   # reserves the port and store
            s.stop_nats()
            queue = s.start_service("queue")
            progress = s.start_service("progress")
            for svc in (queue, progress):
                wait_until(lambda: svc.livez() == 200, timeout=20,
                           what="%s /livez" % svc.name)
            time.sleep(1.5)
            for svc in (queue, progress):
                self.assertEqual(svc.readyz(), 503, "%s ready without NATS" % svc.name)
                self.assertIn("nats: down", readyz_body(svc))
                self.assertEqual(svc.livez(), 200)

            s.start_nats()
            took = self.wait_status((queue, progress), 200, 15, "after NATS started")
            print("  ready %.2fs after NATS started" % took)

            s.stop_nats()
            took = self.wait_status((queue, progress), 503, 5, "after NATS stopped")
            print("  not ready %.2fs after NATS stopped" % took)
            for svc in (queue, progress):
                self.assertEqual(svc.livez(), 200)
            s.start_nats()
            self.wait_status((queue, progress), 200, 15, "after NATS restarted")


if __name__ == "__main__":
    unittest.main(verbosity=2)
