"""Named API keys (/api/keys) and the runtime configuration (/api/config)
against real PostgreSQL, nats-server, nginx, queue, gateway and downloader
processes.

Tried and asserted:
- keys: hostile names (empty, blank, 10 KB, newline, NUL, DEL, a number, no
  name, a JSON array, not JSON) are 400 and create nothing; a created key is
  answered once (its list entry has only the prefix), the database holds only
  its SHA-256; it works as X-Api-Key and as a bearer token; its last use is
  recorded, and not again within the minute; a named key cannot manage keys
  (403); revoking it ends its open event stream at once, refuses its next
  request (401) and leaves another key working; unknown and malformed ids
  (404, 400).
- config: the defaults; validate names each bad field and saves nothing;
  hostile documents (not an object, unknown section and field, wrong types,
  out of range, a 10 KB value, 2^64) are 400 with field errors and change
  nothing (no backup either); a save answers per field "live", backs the old
  document up, and reaches the running queue at once: with queue.max_retries
  set to 0 a transiently failing download fails at once, while one added
  before the change waits for its retry; restore brings a backup back; a
  queue started later asks the gateway for the stored document.
"""

import hashlib
import json
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from pipeline_support import (api, add, items, log, start_stack,  # noqa: E402
                              start_worker, wait_status, wait_until)
from kumo_harness import SSEClient, http_json  # noqa: E402

QUEUE = {"KUMO_RETRY_DELAYS": "60s", "KUMO_MAX_RETRIES": "3"}


class KeysAndConfig(unittest.TestCase):

    def test_keys_and_config(self):
        from kumo_harness import Stack
        with Stack(name="keys-config") as s:
            self.s = s
            self.queue = start_stack(s, queue_env=QUEUE, progress=True, nginx={
                "locations": "    location /flaky/ { return 503; }"})
            start_worker(s, jobs=1)
            self.keys()
            self.config()
            self.restart_reads_stored_config()

    # -- helpers --

    def with_key(self, method, path, key, body=None, header="X-Api-Key"):
        headers = {"X-Api-Key": key} if header == "X-Api-Key" else {
            "Authorization": "Bearer " + key}
        return http_json(method, self.s.gateway_url + path, body, headers=headers)

    def key_rows(self):
        return self.s.psql("SELECT id, name, encode(key_hash, 'hex'), "
                           "coalesce(last_used_at::text, '') FROM gateway_api_keys "
                           "ORDER BY id")

    # -- keys --

    def keys(self):
        s = self.s
        for name in ("", "   ", "k" * 10240, "a\nb", "a\x00b", "a\x7fb", 7, None):
            body = {"name": name} if name is not None else {}
            status, doc = api(s, "POST", "/api/keys", body)
            self.assertEqual(status, 400, (repr(name)[:40], doc))
        for raw in ("[]", "not json", '{"name": ["x"]}'):
            status, _ = api(s, "POST", "/api/keys", raw)
            self.assertEqual(status, 400, raw)
        self.assertEqual(self.key_rows(), [], "a refused name created a key")
        log("hostile key names refused, nothing stored")

        _, first = api(s, "POST", "/api/keys", {"name": "backup script"}, expect=201)
        _, second = api(s, "POST", "/api/keys", {"name": "Jellyfin"}, expect=201)
        key = first["key"]
        self.assertTrue(key.startswith("kumo_") and len(key) == 48, key[:8])
        self.assertEqual(first["prefix"], key[:11])
        _, listed = api(s, "GET", "/api/keys", expect=200)
        self.assertEqual([k["name"] for k in listed["keys"]], ["backup script", "Jellyfin"])
        self.assertNotIn(key, json.dumps(listed))
        self.assertIsNone(listed["keys"][0]["last_used_at"])
        rows = self.key_rows()
        self.assertEqual(rows[0][2], hashlib.sha256(key.encode()).hexdigest())
        log("key %d created; stored as its SHA-256 only", first["id"])

        for header in ("X-Api-Key", "Bearer"):
            status, _ = self.with_key("GET", "/api/queue/status", key, header=header)
            self.assertEqual(status, 200, header)
        wait_until(lambda: self.key_rows()[0][3] != "", timeout=5, what="last use")
        used = self.key_rows()[0][3]
        for _ in range(5):
            self.assertEqual(self.with_key("GET", "/api/config", key)[0], 200)
        time.sleep(1.5)
        self.assertEqual(self.key_rows()[0][3], used, "last use written twice in a minute")
        log("last use recorded once (%s), not again on 5 more requests", used)

        status, doc = self.with_key("POST", "/api/keys", key, {"name": "more"})
        self.assertEqual(status, 403, doc)
        self.assertEqual(self.with_key("DELETE", "/api/keys/%d" % second["id"], key)[0], 403)

        stream = SSEClient(s.gateway_url + "/api/events?rooms=queue",
                           headers={"X-Api-Key": key})
        self.assertEqual(stream.status, 200)
        self.assertEqual(stream.next_event(timeout=5)[0], "init")
        started = time.monotonic()
        _, doc = api(s, "DELETE", "/api/keys/%d" % first["id"], expect=200)
        status, _ = self.with_key("GET", "/api/queue/status", key)
        self.assertEqual(status, 401, "a request right after the revocation")
        with self.assertRaises(EOFError):
            while time.monotonic() - started < 10:
                stream.next_event(timeout=10)
        ended = time.monotonic() - started
        stream.close()
        log("revoked: next request 401, open stream ended after %.2f s", ended)
        self.assertLess(ended, 3)
        self.assertEqual(self.with_key("GET", "/api/queue/status", second["key"])[0], 200)
        api(s, "DELETE", "/api/keys/%d" % first["id"], expect=404)
        for bad in ("abc", "0", "-1", "1e3", "99999999999999999999"):
            api(s, "DELETE", "/api/keys/" + bad, expect=400)
        self.assertEqual([r[1] for r in self.key_rows()], ["Jellyfin"])

    # -- config --

    def backups(self):
        return api(self.s, "GET", "/api/config/backups", expect=200)[1]["backups"]

    def config(self):
        s = self.s
        _, doc = api(s, "GET", "/api/config", expect=200)
        self.assertEqual(doc["config"]["queue"]["max_retries"], 3)
        self.assertIn("queue.max_retries", [f["name"] for f in doc["fields"]])
        before = doc["config"]

        _, v = api(s, "POST", "/api/config/validate", {"queue": {
            "max_retries": 500, "retry_delays": "5s,soon", "colour": "red"}}, expect=200)
        self.assertFalse(v["valid"])
        self.assertEqual(sorted(e["field"] for e in v["errors"]),
                         ["queue.colour", "queue.max_retries", "queue.retry_delays"])
        log("validate: %s", v["errors"])
        hostile = ([], "text", {"queue": 5}, {"nope": {}}, {"queue": {"max_retries": "3"}},
                   {"queue": {"max_retries": -1}}, {"queue": {"max_retries": 2 ** 64}},
                   {"queue": {"max_retries": 1.5}}, {"queue": {"retry_delays": "9" * 10240}},
                   {"queue": {"job_rate_limit": None}}, {"queue": {"max_retries": 0, "x": 1}})
        for body in hostile:
            status, doc = api(s, "PUT", "/api/config", body)
            self.assertEqual(status, 400, (str(body)[:60], doc))
            if isinstance(body, dict):
                self.assertTrue(doc["error"]["fields"], doc)
        api(s, "PUT", "/api/config", "{not json", expect=400)
        self.assertEqual(api(s, "GET", "/api/config", expect=200)[1]["config"], before)
        self.assertEqual(self.backups(), [], "a refused document was backed up")
        log("%d hostile documents refused, nothing saved", len(hostile) + 1)

        # An item that fails transiently now waits 60 s for its first retry.
        flaky = s.origin_url + "/flaky/"
        early = add(s, "flaky-series", [(1, 1, flaky + "e1.mp4")])[0]
        wait_until(lambda: items(s, [early["id"]])[early["id"]]["retries"] == 1, timeout=30,
                   what="the first item's retry")
        _, saved = api(s, "PUT", "/api/config", {"queue": {"max_retries": 0}}, expect=200)
        self.assertEqual(saved["applied"], {"queue.max_retries": "live"})
        self.assertEqual(saved["config"]["queue"]["max_retries"], 0)
        self.queue.wait_log(lambda l: l.get("msg") == "setting applied"
                            and l.get("field") == "queue.max_retries", timeout=5)
        late = add(s, "flaky-series", [(1, 2, flaky + "e2.mp4")])[0]
        wait_status(s, late["id"], "failed", timeout=20)
        row = items(s, [late["id"]])[late["id"]]
        log("after the live change: %s failed with %d retries; the earlier item "
            "is %s", late["id"], row["retries"], items(s, [early["id"]])[early["id"]]["status"])
        self.assertEqual(row["retries"], 0)
        self.assertEqual(items(s, [early["id"]])[early["id"]]["status"], "pending")

        names = [b["name"] for b in self.backups()]
        self.assertEqual(len(names), 1)
        api(s, "PUT", "/api/config", {"queue": {"retry_delays": "1s"}}, expect=200)
        _, doc = api(s, "GET", "/api/config", expect=200)
        self.assertEqual(doc["config"]["queue"], {"max_retries": 0, "retry_delays": "1s",
                                                  "job_rate_limit": 0})
        self.assertEqual(len(self.backups()), 2)
        _, restored = api(s, "POST", "/api/config/backups/%s/restore" % names[0], {},
                          expect=200)
        self.assertEqual(restored["config"], before)
        self.assertEqual(api(s, "GET", "/api/config", expect=200)[1]["config"], before)
        self.assertEqual(len(self.backups()), 3)
        log("restore of %s brought the defaults back", names[0])
        api(s, "POST", "/api/config/backups/config-19700101-000000-9/restore", {},
            expect=404)
        for bad in ("x", "config-..%2F", "config-1;DROP"):
            api(s, "POST", "/api/config/backups/%s/restore" % bad, {}, expect=(400, 404))

    def restart_reads_stored_config(self):
        s = self.s
        api(s, "PUT", "/api/config", {"queue": {"max_retries": 0}}, expect=200)
        self.queue.stop()
        self.queue = s.restart_service(self.queue, wait=True)
        self.queue.wait_log(lambda l: l.get("msg") == "setting applied"
                            and l.get("from") == "gateway", timeout=10)
        item = add(s, "flaky-series", [(1, 3, s.origin_url + "/flaky/e3.mp4")])[0]
        wait_status(s, item["id"], "failed", timeout=20)
        log("a restarted queue applied the stored max_retries 0")


if __name__ == "__main__":
    unittest.main()
