#!/usr/bin/env python3
"""The scanner's catalog schema (sql/001 to the last) on a real PostgreSQL.

Run by CTest through tests/harness/with_servers.py --pg, which exports
KUMO_TEST_DATABASE_URL. Applies the migrations in order with psql, then
checks that rows a store will write are accepted and that bad rows are
refused without changing anything. Standard library and psql only.
"""

import os
import subprocess
import sys
import tempfile
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


def held(ok, sid):
    """(file id, episode id) of series `sid` that a file holds."""
    return ok("SELECT f.id, e.id FROM scanner_files f JOIN scanner_episodes e"
              " ON e.series_id = f.series_id AND ((f.season = e.season AND"
              " e.episode = ANY (f.episodes)) OR e.absolute = ANY (f.absolutes))"
              " WHERE f.series_id = %d ORDER BY 1, 2" % sid)


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
            "quality, release_group, season, episodes) VALUES (%d, 'Show Name "
            "(2019)/Season 1/Show.S01E01E02.1080p.WEB-DL-GRP.mkv', 123, now(), "
            "'1080p', 'WEB-DL', 'GRP', 1, '{1,2}') RETURNING id" % sid)[0][0])
        self.assertEqual(held(self.ok, sid), [[str(fid), str(ids[0])],
                                              [str(fid), str(ids[1])]])
        # A file holding an episode the provider does not list (yet), and an
        # anime episode known only by its absolute number.
        self.ok("INSERT INTO scanner_episodes (series_id, season, episode, state) "
                "VALUES (%d, 0, 1, 'on_disk')" % sid)
        self.ok("INSERT INTO scanner_episodes (series_id, absolute, state) "
                "VALUES (%d, 57, 'queued')" % sid)
        missing = self.ok("SELECT episode FROM scanner_episodes WHERE series_id = %d "
                          "AND state = 'missing'" % sid)
        self.assertEqual(missing, [["3"]])
        # Deleting a file row: its episodes stay, held by nothing.
        self.ok("DELETE FROM scanner_files WHERE id = %d" % fid)
        self.assertEqual(held(self.ok, sid), [])
        self.assertEqual(len(self.ok("SELECT id FROM scanner_episodes WHERE "
                                     "series_id = %d" % sid)), 5)

    def test_rows_belong_to_a_series(self):
        sid = self.series("owner", "Owner")
        other = self.series("other-owner", "Other Owner")
        f = ("INSERT INTO scanner_files (series_id, path, size, mtime) VALUES "
             "(%d, 'Owner/%s.mkv', 0, now())")
        e = "INSERT INTO scanner_episodes (series_id, season, episode) VALUES (%d, 1, %d)"
        # Tried: a file and an episode of a series id no row has, in a
        # statement with rows of a real series; an episode by COPY likewise.
        self.refused("file of no series", f % (sid, "a") + ", (%d, 'x.mkv', 0, now())"
                     % (sid + 1000))
        self.refused("episode of no series", e % (sid + 1000, 1))
        with tempfile.NamedTemporaryFile("w", suffix=".tsv") as rows:
            rows.write("%d\t1\t1\n%d\t1\t2\n" % (sid, sid + 1000))
            rows.flush()
            self.refused("episode of no series by COPY",
                         "\\copy scanner_episodes (series_id, season, episode)"
                         " FROM '%s'" % rows.name)
        fid = int(self.ok(f % (sid, "b") + " RETURNING id")[0][0])
        eid = int(self.ok(e % (sid, 2) + " RETURNING id")[0][0])
        # Tried: moving a file or an episode to another series.
        self.refused("file moved", "UPDATE scanner_files SET series_id = %d WHERE "
                     "id = %d" % (other, fid))
        self.refused("episode moved", "UPDATE scanner_episodes SET series_id = %d "
                     "WHERE id = %d" % (other, eid))
        self.ok("UPDATE scanner_files SET size = 5 WHERE id = %d" % fid)
        # Deleting the series row (never done by the service: series are
        # soft-deleted) deletes its files and episodes, as the foreign keys did.
        self.ok("DELETE FROM scanner_series WHERE id = %d" % sid)
        self.assertEqual(self.ok("SELECT (SELECT count(*) FROM scanner_files WHERE "
                                 "series_id = %d), (SELECT count(*) FROM "
                                 "scanner_episodes WHERE series_id = %d)"
                                 % (sid, sid)), [["0", "0"]])

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

    def links_before_008(self, schema):
        """A catalog of migration 007 with links as the old scan made them;
        returns the links as (file path, season, episode, absolute)."""
        migrate(schema, upto=7)
        q = lambda sql: psql(sql, schema)[1]
        sid = int(q("INSERT INTO scanner_series (key, name, folder) VALUES "
                    "('s', 'S', 'S') RETURNING id")[0][0])
        eps = {}
        for season, episode, absolute in [(1, 1, None), (1, 2, None), (1, 3, None),
                                          (None, None, 57), (None, None, 58),
                                          (2, 1, 14)]:
            eps[(season, episode, absolute)] = q(
                "INSERT INTO scanner_episodes (series_id, season, episode, absolute,"
                " state, provider) VALUES (%d, %s, %s, %s, 'on_disk', true) RETURNING id"
                % (sid, *["NULL" if v is None else v for v in (season, episode, absolute)]))[0][0]
        files = {}
        for path in ["S/a.S01E01E02.mkv", "S/b.S01E02.mkv", "S/c - 57-58.mkv",
                     "S/d - 14.mkv", "S/e.mkv"]:
            files[path] = q("INSERT INTO scanner_files (series_id, path, size, mtime)"
                            " VALUES (%d, '%s', 1, now()) RETURNING id" % (sid, path))[0][0]
        links = [("S/a.S01E01E02.mkv", (1, 1, None)), ("S/a.S01E01E02.mkv", (1, 2, None)),
                 ("S/b.S01E02.mkv", (1, 2, None)), ("S/c - 57-58.mkv", (None, None, 57)),
                 ("S/c - 57-58.mkv", (None, None, 58)),
                 # An absolute-numbered file linked to an episode that also
                 # has a season and an episode number.
                 ("S/d - 14.mkv", (2, 1, 14))]
        for path, ep in links:
            q("INSERT INTO scanner_episode_files VALUES (%s, %s)" % (eps[ep], files[path]))
        return sid, q, sorted((p, ) + e for p, e in links)

    def test_008_keeps_every_link(self):
        if not URL:
            self.skipTest("KUMO_TEST_DATABASE_URL not set")
        sid, q, links = self.links_before_008("up8")
        with open(os.path.join(SQL, "008_file_episodes.sql")) as f:
            psql(f.read(), "up8")
        rows = q("SELECT f.path, e.season, e.episode, e.absolute FROM scanner_files f"
                 " JOIN scanner_episodes e ON e.series_id = f.series_id AND"
                 " ((f.season = e.season AND e.episode = ANY (f.episodes)) OR"
                 " e.absolute = ANY (f.absolutes)) ORDER BY 1, 2, 3, 4")
        got = sorted((r[0],) + tuple(int(v) if v else None for v in r[1:]) for r in rows)
        self.assertEqual(got, links)
        self.assertEqual(q("SELECT path, season, episodes, absolutes FROM scanner_files"
                           " ORDER BY path"),
                         [["S/a.S01E01E02.mkv", "1", "{1,2}", "{}"],
                          ["S/b.S01E02.mkv", "1", "{2}", "{}"],
                          ["S/c - 57-58.mkv", "", "{}", "{57,58}"],
                          ["S/d - 14.mkv", "2", "{1}", "{}"],
                          ["S/e.mkv", "", "{}", "{}"]])
        self.assertEqual(q("SELECT to_regclass('scanner_episode_files') IS NULL"), [["t"]])

    def test_008_stops_rather_than_lose_a_link(self):
        if not URL:
            self.skipTest("KUMO_TEST_DATABASE_URL not set")
        sid, q, links = self.links_before_008("lose8")
        # One file linked to episodes of two seasons (no scan made such a
        # link; a hand-made one): the migration refuses and changes nothing.
        q("INSERT INTO scanner_episode_files SELECT e.id, f.id FROM scanner_episodes e,"
          " scanner_files f WHERE e.season = 2 AND f.path = 'S/a.S01E01E02.mkv'")
        with open(os.path.join(SQL, "008_file_episodes.sql")) as f:
            rc, _ = psql(f.read(), "lose8", check=False)
        self.assertNotEqual(rc, 0)
        self.assertEqual(q("SELECT count(*) FROM scanner_episode_files"),
                         [[str(len(links) + 1)]])


if __name__ == "__main__":
    unittest.main(verbosity=2)
