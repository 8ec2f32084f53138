"""Schema migrations stay correct when many replicas start at once.

Starts 4 queue + 4 gateway + 2 scanner processes at the same moment against
one fresh PostgreSQL. Every process must become ready; the ledger
kumo_schema_migrations must hold each (service, version) exactly once and
exactly the versions found in services/<service>/sql/NNN_*.sql; every table
those files create must exist. A restarted replica applies nothing.
"""

import os
import re
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "harness"))

from kumo_harness import Stack  # noqa: E402

SOURCE_DIR = os.environ.get("KUMO_SOURCE_DIR", os.path.dirname(HERE))
REPLICAS = {"queue": 4, "gateway": 4, "scanner": 2}
CREATE_TABLE = re.compile(
    r"CREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([A-Za-z_][A-Za-z0-9_.]*)",
    re.IGNORECASE)
MIGRATION_FILE = re.compile(r"^(\d+)_.*\.sql$")
DROP_TABLE = re.compile(r"DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?([\w.]+)", re.I)


def expected_migrations(service):
    """{version: [tables created and not dropped by a later migration]}
    from the service's sql folder."""
    folder = os.path.join(SOURCE_DIR, "services", service, "sql")
    out = {}
    if not os.path.isdir(folder):
        return out
    for name in sorted(os.listdir(folder)):
        m = MIGRATION_FILE.match(name)
        if not m:
            continue
        with open(os.path.join(folder, name)) as f:
            sql = re.sub(r"--[^\n]*", "", f.read())
        version = int(m.group(1))
        for t in DROP_TABLE.findall(sql):
            for earlier in out.values():
                if t.split(".")[-1].lower() in earlier:
                    earlier.remove(t.split(".")[-1].lower())
        out[version] = [t.split(".")[-1].lower() for t in CREATE_TABLE.findall(sql)]
    return out


class ConcurrentMigrations(unittest.TestCase):
    def test_concurrent_starts_apply_each_migration_once(self):
        with Stack(name="migrations") as s:
            s.start_postgres()
            s.start_nats()
            started = time.monotonic()
            procs = []
            for name, count in REPLICAS.items():
                for _ in range(count):
                    procs.append(s.start_service(name))
            for svc in procs:
                svc.wait_ready(timeout=90)
            print("  %d processes ready after %.1fs" % (
                len(procs), time.monotonic() - started))

            dupes = s.psql("SELECT service, version, count(*) FROM "
                           "kumo_schema_migrations GROUP BY service, version "
                           "HAVING count(*) > 1")
            self.assertEqual(dupes, [], "migrations applied more than once")

            tables = {r[0] for r in s.psql(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public'")}
            for service in REPLICAS:
                expected = expected_migrations(service)
                versions = {int(r[0]) for r in s.psql(
                    "SELECT version FROM kumo_schema_migrations WHERE service = '%s'"
                    % service)}
                self.assertEqual(versions, set(expected),
                                 "%s: ledger versions differ from sql/ files" % service)
                for version, created in sorted(expected.items()):
                    for table in created:
                        self.assertIn(table, tables, "%s migration %d: table %s missing"
                                      % (service, version, table))
                print("  %s: versions %s, tables %s" % (
                    service, sorted(versions),
                    sorted(t for ts in expected.values() for t in ts)))

            applied = [line.get("applied") for svc in procs for line in svc.logs()
                       if line.get("msg") == "database schema current"]
            self.assertEqual(len(applied), len(procs),
                             "every process reports its schema current once")
            for service in REPLICAS:
                total = sum(line.get("applied", 0)
                            for svc in procs if svc.name == service
                            for line in svc.logs()
                            if line.get("msg") == "database schema current")
                self.assertEqual(total, len(expected_migrations(service)),
                                 "%s: migrations applied in total across replicas"
                                 % service)

            again = procs[0]
            again.stop()
            s.restart_service(again, wait=True, timeout=60)
            last = [line for line in again.logs()
                    if line.get("msg") == "database schema current"][-1]
            self.assertEqual(last.get("applied"), 0, "a restart applies nothing")


if __name__ == "__main__":
    unittest.main(verbosity=2)
