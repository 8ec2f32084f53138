#!/usr/bin/env python3
"""The scanner's catalog schema (sql/001 then sql/002) on a real PostgreSQL.

Run by CTest through tests/harness/with_servers.py --pg, which exports
KUMO_TEST_DATABASE_URL. Applies the migrations in order with psql, then
checks that rows a store will write are accepted and that bad rows are
refused without changing anything. Standard library and psql only.
"""

import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SQL = os.path.join(HERE, "sql")
URL = os.environ.get("KUMO_TEST_DATABASE_URL", "")


def psql(sql, schema, check=True):
    """Runs `sql` in one transaction with search_path = schema; rows as lists."""
    cmd = ["psql", URL, "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1",
           "--single-transaction", "-c", "SET search_path TO %s" % schema, "-c", sql]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if check and p.returncode != 0:
        raise AssertionError("psql failed: %s\n%s" % (sql, p.stderr))
    return p.returncode, [l.split("\t") for l in p.stdout.splitlines() if l]


def migrate(schema, upto=None):
    psql("CREATE SCHEMA %s" % schema, "public")
    for name in sorted(os.listdir(SQL)):
        if upto is not None and int(name.split("_")[0]) > upto:
            break
        with open(os.path.join(SQL, name)) as f:
            psql(f.read(), schema)


def count(schema):
    return psql("SELECT (SELECT count(*) FROM scanner_series), "
                "(SELECT count(*) FROM scanner_episodes), "
                "(SELECT count(*) FROM scanner_files)", schema)[1][0]


class CatalogSchema(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not URL:
            raise unittest.SkipTest("KUMO_TEST_DATABASE_URL not set")
        migrate("catalog")

    def ok(self, sql):
        return psql(sql, "catalog")[1]

    def refused(self, what, sql):
        before = count("catalog")
        rc, _ = psql(sql, "catalog", check=False)
        self.assertNotEqual(rc, 0, "accepted: " + what)
        self.assertEqual(count("catalog"), before, "changed rows: " + what)

    def series(self, key, folder):
        return int(self.ok("INSERT INTO scanner_series (key, name, year, folder) "
                           "VALUES ('%s', 'Show', 2019, '%s') RETURNING id"
                           % (key, folder))[0][0])

    def test_disk_and_provider_episodes(self):
        sid = self.series("show-name", "Show Name (2019)")
        # Provider says S01E01..E03 exist; E01 and E02 are in one file on disk.
        ids = [int(r[0]) for r in self.ok(
            "INSERT INTO scanner_episodes (series_id, season, episode, absolute, "
            "title, air_date, state, provider) VALUES "
            "(%d, 1, 1, 1, 'Pilot', '2019-03-14', 'on_disk', true), "
            "(%d, 1, 2, 2, '', NULL, 'on_disk', true), "
            "(%d, 1, 3, 3, '', NULL, 'missing', true) RETURNING id" % (sid, sid, sid))]
        fid = int(self.ok(
            "INSERT INTO scanner_files (series_id, path, size, mtime, resolution, "
            "quality, release_group) VALUES (%d, 'Show Name (2019)/Season 1/"
            "Show.S01E01E02.1080p.WEB-DL-GRP.mkv', 123, now(), '1080p', 'WEB-DL', "
            "'GRP') RETURNING id" % sid)[0][0])
        self.ok("INSERT INTO scanner_episode_files VALUES (%d, %d), (%d, %d)"
                % (ids[0], fid, ids[1], fid))
        # A file holding an episode the provider does not list (yet), and an
        # anime episode known only by its absolute number.
        self.ok("INSERT INTO scanner_episodes (series_id, season, episode, state) "
                "VALUES (%d, 0, 1, 'on_disk')" % sid)
        self.ok("INSERT INTO scanner_episodes (series_id, absolute, state) "
                "VALUES (%d, 57, 'queued')" % sid)
        missing = self.ok("SELECT episode FROM scanner_episodes WHERE series_id = %d "
                          "AND state = 'missing'" % sid)
        self.assertEqual(missing, [["3"]])
        # Deleting a file row unlinks it from its episodes, nothing more.
        self.ok("DELETE FROM scanner_files WHERE id = %d" % fid)
        self.assertEqual(self.ok("SELECT count(*) FROM scanner_episode_files "
                                 "WHERE file_id = %d" % fid), [["0"]])

    def test_bad_rows_are_refused(self):
        sid = self.series("refusals", "Refusals")
        ins = ("INSERT INTO scanner_series (key, name, folder) VALUES ('%s', 'N', '%s')")
        for what, key, folder in [("key with spaces", "Show Name", "A"),
                                  ("empty key", "", "B"),
                                  ("leading dash", "-show", "C"),
                                  ("upper case", "Show", "D"),
                                  ("live key twice", "refusals", "E"),
                                  ("live folder twice", "other", "Refusals"),
                                  ("folder with slash", "f1", "a/b"),
                                  ("folder ..", "f2", ".."),
                                  ("empty folder", "f3", "")]:
            self.refused(what, ins % (key, folder))
        self.refused("year 1700", "INSERT INTO scanner_series (key, name, year, folder)"
                     " VALUES ('y', 'N', 1700, 'Y')")
        ep = "INSERT INTO scanner_episodes (series_id, season, episode, absolute, state) "
        self.ok(ep + "VALUES (%d, 1, 1, NULL, 'missing')" % sid)
        for what, values in [("unknown state", "1, 2, NULL, 'done'"),
                             ("season without episode", "1, NULL, NULL, 'missing'"),
                             ("no number at all", "NULL, NULL, NULL, 'missing'"),
                             ("negative season", "-1, 1, NULL, 'missing'"),
                             ("same episode twice", "1, 1, NULL, 'missing'")]:
            self.refused(what, ep + "VALUES (%d, %s)" % (sid, values))
        f = "INSERT INTO scanner_files (series_id, path, size, mtime) VALUES "
        self.ok(f + "(%d, 'Refusals/a.mkv', 0, now())" % sid)
        for what, path, size in [("absolute path", "/etc/a.mkv", 0),
                                 ("parent path", "../a.mkv", 0),
                                 ("parent inside", "Refusals/../../a.mkv", 0),
                                 ("same path twice", "Refusals/a.mkv", 0),
                                 ("negative size", "Refusals/b.mkv", -1)]:
            self.refused(what, f + "(%d, '%s', %d, now())" % (sid, path, size))

    def test_soft_delete_frees_key_and_folder(self):
        old = self.series("gone", "Gone (2001)")
        self.ok("UPDATE scanner_series SET deleted_at = now() WHERE id = %d" % old)
        new = self.series("gone", "Gone (2001)")
        self.assertNotEqual(old, new)
        self.refused("second live 'gone'", "INSERT INTO scanner_series (key, name, "
                     "folder) VALUES ('gone', 'N', 'Gone 2')")


class MigrationOrder(unittest.TestCase):
    def test_002_refuses_to_drop_rows_of_001(self):
        if not URL:
            self.skipTest("KUMO_TEST_DATABASE_URL not set")
        migrate("old", upto=1)
        psql("INSERT INTO scanner_series (key, name, folder) VALUES ('a', 'A', 'A')",
             "old")
        with open(os.path.join(SQL, "002_catalog.sql")) as f:
            rc, _ = psql(f.read(), "old", check=False)
        self.assertNotEqual(rc, 0)
        self.assertEqual(psql("SELECT key FROM scanner_series", "old")[1], [["a"]])


if __name__ == "__main__":
    unittest.main(verbosity=2)
