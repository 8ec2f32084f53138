"""Steps of tests/test_web_ui.py for the pages that edit what the API
allows beyond the queue: notifications (webhooks, Jellyfin/Emby, Plex),
scheduled tasks, the series detail of a feed series, provider settings and
failover, and the remaining queue and library actions. Every action taken
in the page is checked through the API (or the database) afterwards; every
form is also given a hostile value, whose refusal must show the API's
message and change nothing.

The mixin runs on the WebUi test case: self.s (the stack), self.base,
self.call(), self.wait(), self.shot() and q() come from there."""

import hashlib
import hmac
import json
import os

from pipeline_support import Receiver, add, api, log, wait_status, wait_until


def q(selector):
    return "document.querySelector(%s)" % json.dumps(selector)


def rss(base, episodes):
    items = "".join(
        '<item><title>Feed Show S01E%02d</title><guid>fs-%d</guid>'
        '<pubDate>Tue, 03 Jun 2025 09:00:00 GMT</pubDate>'
        '<enclosure url="%s/feeds/fs%d.mp4" length="1000" type="video/mp4"/></item>'
        % (e, e, base, e) for e in episodes)
    return ('<?xml version="1.0"?><rss version="2.0"><channel><title>Feed Show</title>'
            '%s</channel></rss>' % items)


class PagesSteps:

    # -- helpers --

    def visible_text(self, selector):
        return self.call("eval", expr="%s?.innerText ?? ''" % q(selector))

    def form_error(self, selector, timeout=10):
        return self.wait("%s?.textContent || null" % q(selector), timeout=timeout)

    def queued(self, key):
        """(season, episode) of the queue's items of series `key`, sorted."""
        rows = self.s.psql("SELECT season, episode FROM queue_items WHERE serie_id = '%s'"
                           " ORDER BY season, episode" % key)
        return [(int(a), int(b)) for a, b in rows]

    def task(self, name):
        return [t for t in api(self.s, "GET", "/api/tasks", expect=200)[1]["tasks"]
                if t["name"] == name][0]

    # -- the queue's remaining actions --

    def queue_more_controls(self):
        """Per-item retry and remove, retry of every failed item, clear
        completed, stop and start of the queue, each checked through the
        API."""
        s = self.s
        self.call("goto", url=self.base + "/#/queue")
        self.live()
        # Behind the one job slot's current download (a few seconds).
        broken = add(s, "broken-source", [(1, 1, s.origin_url + "/never/there.bin")],
                     priority="high")[0]
        wait_status(s, broken["id"], "failed", timeout=60)

        def attempts():
            return int(s.psql("SELECT attempts FROM queue_items WHERE id = '%s'"
                              % broken["id"])[0][0])

        first = attempts()
        self.wait("%s !== null" % q(self.row("failed", broken["id"]) + " button[data-action=retry]"))
        self.call("click", selector=self.row("failed", broken["id"]) + " button[data-action=retry]")
        wait_until(lambda: attempts() > first, timeout=15, what="another attempt after Retry")
        wait_status(s, broken["id"], "failed", timeout=30)
        second = attempts()
        log("Retry from the page: %s tried again (attempts %d -> %d), failed again",
            broken["id"], first, second)
        self.wait("%s?.disabled === false" % q("button[data-action=retry-all]"))
        self.call("click", selector="button[data-action=retry-all]")
        wait_until(lambda: attempts() > second, timeout=15,
                   what="another attempt after Retry failed")
        wait_status(s, broken["id"], "failed", timeout=30)
        self.wait("%s !== null" % q(self.row("failed", broken["id"]) + " button[data-action=remove]"))
        self.call("click", selector=self.row("failed", broken["id"]) + " button[data-action=remove]")
        wait_until(lambda: api(s, "GET", "/api/queue/" + broken["id"])[0] == 404,
                   timeout=10, what="the removed item gone")
        log("Retry failed and Remove from the page: %s tried again, then removed", broken["id"])
        completed = api(s, "GET", "/api/queue/status", expect=200)[1]["counts"]["completed"]
        self.assertGreater(completed, 0)
        self.wait("%s?.disabled === false" % q("button[data-action=clear-completed]"))
        self.call("click", selector="button[data-action=clear-completed]")
        wait_until(lambda: api(s, "GET", "/api/queue/status", expect=200)[1]["counts"]
                   ["completed"] == 0, timeout=10, what="completed cleared")
        log("Clear completed from the page: %d completed items removed", completed)
        self.call("click", selector="button[data-action=queue-stop]")
        wait_until(lambda: api(s, "GET", "/api/queue/status", expect=200)[1]["is_running"]
                   is False, timeout=10, what="queue stopped")
        self.wait("%s !== null" % q("button[data-action=queue-start]"))
        self.call("click", selector="button[data-action=queue-start]")
        wait_until(lambda: api(s, "GET", "/api/queue/status", expect=200)[1]["is_running"],
                   timeout=10, what="queue started")
        self.wait("%s !== null" % q("button[data-action=queue-stop]"))
        log("Stop queue and Start queue from the page, each seen by the API")

    def queue_system_pauses(self):
        """Why the system holds downloads: the queue's `paused_reason` (the
        storage limit) in the summary and a paused item's `status_text`
        (disk almost full) in its row. Neither can be brought about here, so
        the status answer is given by the browser: the real one plus both."""
        st = api(self.s, "GET", "/api/queue/status?limit=50", expect=200)[1]
        st["paused_reason"] = "storage_limit"
        item = {"id": "00000000-0000-4000-8000-000000000001", "serie_id": "held",
                "serie_name": "Held Show", "season": 1, "episode": 1, "status": "paused",
                "priority": "normal", "pause_reason": "disk_full",
                "status_text": "paused: disk almost full", "target_path": "Held Show/e1.mkv",
                "source": {"provider": "direct", "url": "http://127.0.0.1/e1.mkv"}}
        st["paused_downloads"] = [item] + st["paused_downloads"]
        self.call("mock", url="**/api/queue/status*", method="GET", body=st)
        try:
            self.call("goto", url=self.base + "/?mock#/queue")
            summary = self.wait("(() => { const t = %s?.textContent;"
                                " return t && t.includes('held') && t; })()" % q(".queue .summary"))
            sub = self.wait("%s?.textContent || null" % q(self.row("paused", item["id"]) + " .sub"))
            log("queue page with system pauses: %r; row: %r", summary, sub)
            self.assertIn("new downloads held: storage limit", summary)
            self.assertEqual(sub, "paused: disk almost full · Held Show/e1.mkv")
            self.shot("queue-held.png")
        finally:
            self.call("unmock")

    # -- notifications --

    def notifications_page(self):
        s = self.s
        rx = self.rx
        self.call("goto", url=self.base + "/#/notifications")
        self.wait("%s !== null" % q("#webhook-form"))
        self.call("eval", expr="document.getElementById('webhook-adder').open = true")
        # Hostile addresses: refused by the queue, shown in the form, nothing made.
        for url, why in (("http://169.254.169.254/latest/meta-data", "169.254.169.254"),
                         ("file:///etc/passwd", "http")):
            self.call("eval", expr="document.getElementById('wh-error').textContent = ''")
            self.call("fill", selector="#wh-name", value="evil")
            self.call("fill", selector="#wh-url", value=url)
            self.call("fill", selector="#wh-secret", value="whatever")
            self.call("click", selector="#webhook-form button[type=submit]")
            text = self.form_error("#wh-error")
            log("webhook url %s refused in the page: %r", url, text)
            self.assertIn("url", text)
            self.assertIn(why, text)
            self.assertTrue(self.call("eval", expr="%s.getAttribute('aria-invalid') === 'true'"
                                      % q("#wh-url")))
            self.assertEqual(api(s, "GET", "/api/webhooks", expect=200)[1]["webhooks"], [])
        self.shot("notifications-refused.png")
        # A webhook with a secret generated in the page.
        self.call("fill", selector="#wh-name", value="receiver")
        self.call("fill", selector="#wh-url", value=rx.url("/hook"))
        self.call("click", selector="#wh-generate")
        secret = self.call("eval", expr="document.getElementById('wh-secret').value")
        self.assertRegex(secret, r"^[0-9a-f]{64}$")
        for ev in ("episode.imported", "test"):
            self.call("click", selector="#webhook-form input[value='%s']" % ev)
        self.call("click", selector="#webhook-form button[type=submit]")
        self.wait("%s !== null" % q("#webhooks li[data-name=receiver]"))
        hooks = api(s, "GET", "/api/webhooks", expect=200)[1]["webhooks"]
        self.assertEqual([(h["name"], h["kind"], h["url"], h["events"], h["secret"]) for h in hooks],
                         [("receiver", "webhook", rx.url("/hook"), ["episode.imported", "test"],
                           "<redacted>")])
        hook = hooks[0]
        self.assertNotIn(secret, self.visible_text("main"))
        # Send test: delivered, signed with the generated secret.
        self.call("click", selector="button[aria-label='Send test receiver']")
        self.wait("%s !== null" % q("#deliveries-table tr[data-status=delivered]"), timeout=20)
        call = wait_until(lambda: rx.to("/hook"), timeout=5, what="the test delivery")[0]
        want = "sha256=" + hmac.new(secret.encode(), call["body"], hashlib.sha256).hexdigest()
        self.assertEqual(call["headers"].get("X-Kumo-Signature"), want)
        self.assertEqual(json.loads(call["body"])["event"], "test")
        log("test from the page delivered to the receiver, signed with the generated secret")
        self.shot("notifications.png")
        # Edit: name and events; an empty secret keeps the saved one.
        self.call("click", selector="button[aria-label='Edit receiver']")
        self.wait("%s?.value === 'receiver'" % q("#wh-name"))
        self.call("fill", selector="#wh-name", value="receiver-2")
        self.call("click", selector="#webhook-form input[value='download.failed']")
        self.call("click", selector="#webhook-form button[type=submit]")
        self.wait("%s !== null" % q("#webhooks li[data-name=receiver-2]"))
        got = api(s, "GET", "/api/webhooks", expect=200)[1]["webhooks"][0]
        self.assertEqual((got["id"], got["name"], got["events"]),
                         (hook["id"], "receiver-2", ["episode.imported", "download.failed", "test"]))
        self.call("click", selector="button[aria-label='Send test receiver-2']")
        wait_until(lambda: len(rx.to("/hook")) == 2, timeout=20, what="a second test delivery")
        call = rx.to("/hook")[1]
        want = "sha256=" + hmac.new(secret.encode(), call["body"], hashlib.sha256).hexdigest()
        self.assertEqual(call["headers"].get("X-Kumo-Signature"), want, "the secret kept by the edit")
        # Off, from the row's switch.
        self.call("click", selector="input[aria-label='Enabled receiver-2']")
        wait_until(lambda: not api(s, "GET", "/api/webhooks", expect=200)[1]["webhooks"][0]["enabled"],
                   timeout=10, what="receiver-2 disabled")
        log("edited (name, events, secret kept) and switched off from the page")
        self.connectors()
        # Delete.
        self.call("click", selector="button[aria-label='Delete receiver-2']")
        wait_until(lambda: [h["name"] for h in api(s, "GET", "/api/webhooks", expect=200)[1]
                            ["webhooks"]] == ["jf", "plex"], timeout=10, what="receiver-2 deleted")
        self.wait("%s === null" % q("#webhooks li[data-name=receiver-2]"))
        log("deleted from the page")

    def connectors(self):
        s = self.s
        rx = self.rx
        jf_key = "jf-api-key-from-the-page"
        plex_token = "plex-token-from-the-page"
        self.call("eval", expr="document.getElementById('webhook-adder').open = true")
        self.call("select", selector="#wh-kind", value="jellyfin")
        self.call("fill", selector="#wh-name", value="jf")
        self.call("fill", selector="#wh-url", value=rx.url("/jf"))
        self.call("fill", selector="#wh-secret", value=jf_key)
        self.call("click", selector="#webhook-form button[type=submit]")
        self.wait("%s !== null" % q("#webhooks li[data-name=jf]"))
        # Plex without its section: refused, nothing made.
        self.call("eval", expr="document.getElementById('webhook-adder').open = true")
        self.call("select", selector="#wh-kind", value="plex")
        self.call("fill", selector="#wh-name", value="plex")
        self.call("fill", selector="#wh-url", value=rx.url("/plex"))
        self.call("fill", selector="#wh-secret", value=plex_token)
        self.call("click", selector="#webhook-form button[type=submit]")
        text = self.form_error("#wh-error")
        log("plex without a section: %r", text)
        self.assertIn("section (the Plex library section id) is required", text)
        self.assertEqual(len(api(s, "GET", "/api/webhooks", expect=200)[1]["webhooks"]), 2)
        self.call("fill", selector="#wh-section", value="2")
        self.call("click", selector="#webhook-form button[type=submit]")
        self.wait("%s !== null" % q("#webhooks li[data-name=plex]"))
        listing = api(s, "GET", "/api/webhooks", expect=200)[1]["webhooks"]
        kinds = {h["name"]: (h["kind"], h["events"], h["secret"], h.get("section")) for h in listing}
        self.assertEqual(kinds["jf"], ("jellyfin", ["episode.imported", "test"], "<redacted>", None))
        self.assertEqual(kinds["plex"], ("plex", ["episode.imported", "test"], "<redacted>", "2"))
        self.call("goto", url=self.base + "/#/notifications")
        self.wait("%s !== null" % q("#webhooks li[data-name=plex]"))
        page = self.visible_text("main")
        self.assertNotIn(jf_key, page)
        self.assertNotIn(plex_token, page)
        self.call("click", selector="button[aria-label='Send test jf']")
        self.call("click", selector="button[aria-label='Send test plex']")
        jf = wait_until(lambda: rx.to("/jf"), timeout=20, what="the Jellyfin refresh")[0]
        plex = wait_until(lambda: rx.to("/plex"), timeout=20, what="the Plex refresh")[0]
        self.assertEqual((jf["method"], jf["path"], jf["headers"].get("X-Emby-Token")),
                         ("POST", "/jf/Library/Refresh", jf_key))
        self.assertEqual((plex["method"], plex["path"]),
                         ("GET", "/plex/library/sections/2/refresh?X-Plex-Token=" + plex_token))
        self.wait("%s !== null" % q("#deliveries-table tr[data-status=delivered]"), timeout=20)
        log("Jellyfin and Plex connectors made and tested from the page; keys never shown")
        self.shot("notifications-connectors.png")

    # -- scheduled tasks --

    def tasks_page(self):
        s = self.s
        self.call("goto", url=self.base + "/#/tasks")
        self.wait("%s !== null" % q("#tasks li[data-name=rescan]"))
        before = {t["name"]: t for t in api(s, "GET", "/api/tasks", expect=200)[1]["tasks"]}
        self.call("click", selector="#tasks li[data-name=rescan] button")
        # The page reads the list every 2 s while the task is requested or
        # running, so it shows the new run without a reload.
        runs = before["rescan"]["runs"] + 1
        wait_until(lambda: self.task("rescan")["runs"] >= runs and self.task("rescan")["state"] == "idle",
                   timeout=30, what="a rescan run")
        row = self.wait("(() => { const r = %s; return r && r.dataset.state === 'idle' &&"
                        " r.textContent.includes('%d runs') && r.innerText; })()"
                        % (q("#tasks li[data-name=rescan]"), runs), timeout=30)
        after = self.task("rescan")
        log("rescan run from the page: runs %d -> %d, last run %s; row: %r",
            before["rescan"]["runs"], after["runs"], after["last_run"]["outcome"],
            row.replace("\n", " | ")[:300])
        self.assertEqual(after["last_run"]["outcome"], "complete")
        # The run's result, key: value.
        keys = self.call("eval", expr="[...document.querySelectorAll("
                         "'#tasks li[data-name=rescan] dl.kv dt')].map((d) => d.textContent)")
        self.assertIn("state", keys)
        self.assertTrue(self.call("eval", expr="%s.disabled === false"
                                  % q("#tasks li[data-name=monitor_check] button")))
        self.shot("tasks.png")

    # -- a feed series --

    def feed_series_page(self):
        s = self.s
        # Queued episodes stay pending (their sources do not exist): each
        # is counted exactly once below.
        api(s, "POST", "/api/queue/stop", expect=200)
        os.makedirs(os.path.join(s.nginx_root, "feeds"), exist_ok=True)
        feed = os.path.join(s.nginx_root, "feeds", "show.xml")
        with open(feed, "w") as f:
            f.write(rss(s.origin_url, (1, 2, 3)))
        self.call("goto", url=self.base + "/#/library")
        self.wait("%s?.textContent.includes('series')" % q(".library .summary"))
        self.call("eval", expr="document.querySelector('details.adder').open = true")
        self.call("fill", selector="#add-series input[name=name]", value="Feed Show")
        self.call("fill", selector="#add-series input[name=link]", value=s.origin_url + "/feeds/show.xml")
        self.call("click", selector="#add-series button[type=submit]")
        detail = wait_until(lambda: (lambda d: d if d.get("missing") == 3 else None)(
            api(s, "GET", "/api/series/feed-show", expect=200)[1]), timeout=30,
            what="three missing episodes listed from the feed")
        self.assertEqual((detail["site"], detail["link"], detail["monitored"]),
                         ("rss", s.origin_url + "/feeds/show.xml", False))
        # The series page: pick one missing episode and download it.
        self.call("goto", url=self.base + "/#/series/feed-show")
        self.wait("%s !== null" % q("li[data-episode=S01E02] input.pick"))
        self.assertEqual(api(s, "GET", "/api/series/feed-show", expect=200)[1]["retention"], None)
        self.assertEqual(self.call("eval", expr="%s?.disabled" % q("#retention-keep")), True,
                         "keep-last is off while the series keeps everything")
        self.wait("%s.hidden === false" % q("#series-history"))
        self.call("click", selector="li[data-episode=S01E02] input.pick")
        self.call("click", selector="#download-selected")
        wait_until(lambda: self.queued("feed-show") == [(1, 2)], timeout=10, what="S01E02 queued")
        self.form_error("#series-result")
        log("Download selected from the page: %s", self.queued("feed-show"))
        # The library's "Queue missing": the rest.
        self.call("goto", url=self.base + "/#/library")
        self.call("click", selector="button[aria-label='Queue missing episodes of Feed Show']")
        wait_until(lambda: self.queued("feed-show") == [(1, 1), (1, 2), (1, 3)], timeout=10,
                   what="every missing episode queued once")
        log("Queue missing from the library: %s", self.queued("feed-show"))
        # A new item in the feed: Refresh feed lists it, Download all missing queues it.
        with open(feed, "w") as f:
            f.write(rss(s.origin_url, (1, 2, 3, 4)))
        self.call("goto", url=self.base + "/#/series/feed-show")
        self.wait("%s !== null" % q("#series-refresh"))
        self.call("click", selector="#series-refresh")
        self.wait("%s?.dataset.done === 'refresh'" % q("#series-result"), timeout=20)
        text = self.visible_text("#series-result")
        log("Refresh feed from the page: %r", text)
        self.assertIn("4 listed, 1 added", text)
        self.wait("%s !== null" % q("#download-missing"))
        self.call("click", selector="#download-missing")
        wait_until(lambda: self.queued("feed-show") == [(1, 1), (1, 2), (1, 3), (1, 4)],
                   timeout=10, what="the new episode queued")
        self.series_settings()
        self.shot("series-feed.png")
        self.retention_rendering()
        self.delete_series()

    def series_settings(self):
        s = self.s
        self.call("eval", expr="document.getElementById('series-settings-box').open = true")
        # Hostile: an interval below the floor is refused and changes nothing.
        self.call("fill", selector="#series-interval", value="5")
        self.call("click", selector="#series-settings button[type=submit]")
        text = self.form_error("#series-settings .form-error")
        log("check interval 5 s: %r", text)
        self.assertEqual(text, "Check interval: must be an integer from 60 to 2592000")
        self.assertTrue(self.call("eval", expr="%s.getAttribute('aria-invalid') === 'true'"
                                  % q("#series-interval")))
        self.assertIsNone(api(s, "GET", "/api/series/feed-show", expect=200)[1]["check_interval_s"])
        self.call("fill", selector="#series-interval", value="900")
        self.call("click", selector="#series-monitored")
        self.call("click", selector="#series-settings button[type=submit]")
        wait_until(lambda: (lambda d: (d["check_interval_s"], d["monitored"]) == (900, True))(
            api(s, "GET", "/api/series/feed-show", expect=200)[1]), timeout=10,
            what="interval 900 and monitored")
        log("check interval 900 s and monitored saved from the page")

    def retention_rendering(self):
        """Retention through the real routes: a hostile count is refused and
        changes nothing, keep-last 5 is saved, then switched off; the
        history section shows the series' (empty) history."""
        s = self.s
        self.call("goto", url=self.base + "/#/series/feed-show")
        self.wait("%s !== null" % q("#retention-on"))
        self.call("eval", expr="document.getElementById('series-settings-box').open = true")
        self.call("click", selector="#retention-on")
        # Hostile: 0 and 10001 episodes are refused; the series keeps everything.
        for bad in ("0", "10001"):
            self.call("fill", selector="#retention-keep", value=bad)
            self.call("click", selector="#series-settings button[type=submit]")
            text = self.form_error("#series-settings .form-error")
            log("keep last %s: %r", bad, text)
            self.assertIn("Episodes to keep", text)
            self.assertIsNone(api(s, "GET", "/api/series/feed-show", expect=200)[1]["retention"])
        self.call("fill", selector="#retention-keep", value="5")
        self.call("click", selector="#series-settings button[type=submit]")
        wait_until(lambda: api(s, "GET", "/api/series/feed-show", expect=200)[1]["retention"]
                   == {"keep_last": 5}, timeout=10, what="retention keep_last 5 saved")
        self.call("goto", url=self.base + "/#/series/feed-show")
        self.wait("%s?.value === '5'" % q("#retention-keep"))
        self.wait("%s.hidden === false" % q("#series-history"))
        self.call("eval", expr="document.getElementById('series-settings-box').open = true")
        self.shot("series-retention.png")
        self.call("click", selector="#retention-on")
        self.call("click", selector="#series-settings button[type=submit]")
        wait_until(lambda: api(s, "GET", "/api/series/feed-show", expect=200)[1]["retention"]
                   is None, timeout=10, what="retention switched off")
        log("retention from the page: 0 and 10001 refused, keep_last 5 saved, then off")

    def delete_series(self):
        s = self.s
        key = api(s, "GET", "/api/series?q=Page%20Added", expect=200)[1]["items"][0]["key"]
        self.call("goto", url=self.base + "/#/series/" + key)
        self.wait("%s !== null" % q("#series-delete"))
        self.call("eval", expr="document.querySelector('details.danger').open = true")
        self.call("click", selector="#series-delete")
        wait_until(lambda: api(s, "GET", "/api/series/" + key)[0] == 404,
                   timeout=10, what="the series deleted")
        self.wait("location.hash === '#/library'")
        log("series %s deleted from its page", key)

    # -- providers --

    def provider_config(self, name):
        return api(self.s, "GET", "/api/providers/config/" + name, expect=200)[1]

    def providers_page(self):
        s = self.s
        self.call("goto", url=self.base + "/#/providers")
        best = self.wait("(() => { const t = %s?.textContent; return t && t.length > 0 && t; })()"
                         % q("#providers-best"))
        log("providers page: %r", best)
        self.wait("%s !== null" % q("form[data-provider=hls]"))
        self.call("eval", expr="document.querySelector('section[data-provider=hls] details').open = true")
        # Hostile: a timeout of 0 is refused, named, and nothing changes.
        was = self.provider_config("hls")
        self.call("fill", selector="#prov-hls-timeout_s", value="0")
        self.call("click", selector="form[data-provider=hls] button[type=submit]")
        text = self.form_error("form[data-provider=hls] .form-error")
        log("hls timeout 0: %r", text)
        self.assertIn("timeout_s", text)
        self.assertEqual(self.provider_config("hls"), was)
        self.call("fill", selector="#prov-hls-timeout_s", value="60")
        self.call("fill", selector="#prov-hls-max_connections", value="8")
        self.call("fill", selector="#prov-hls-bandwidth_limit_bps", value="1000000")
        self.call("click", selector="form[data-provider=hls] button[type=submit]")
        wait_until(lambda: (lambda c: (c["timeout_s"], c["max_connections"], c["bandwidth_limit_bps"])
                            == (60, 8, 1000000))(self.provider_config("hls")),
                   timeout=10, what="hls settings saved")
        # Off and on.
        self.wait("%s !== null" % q("input[aria-label='Enabled ytdlp']"))
        self.call("click", selector="input[aria-label='Enabled ytdlp']")
        wait_until(lambda: self.provider_config("ytdlp")["enabled"] is False, timeout=10,
                   what="ytdlp disabled")
        self.wait("%s?.checked === false" % q("input[aria-label='Enabled ytdlp']"))
        self.call("click", selector="input[aria-label='Enabled ytdlp']")
        wait_until(lambda: self.provider_config("ytdlp")["enabled"] is True, timeout=10,
                   what="ytdlp enabled")
        # Reset health of direct (it has counted the downloads so far).
        direct = api(s, "GET", "/api/providers/health/direct", expect=200)[1]
        self.assertGreater(direct["requests"], 0)
        self.call("click", selector="button[aria-label='Reset health of direct']")
        wait_until(lambda: api(s, "GET", "/api/providers/health/direct", expect=200)[1]
                   ["requests"] == 0, timeout=10, what="direct's health reset")
        log("hls saved (timeout 60, 8 connections, 1 MB/s), ytdlp off and on, direct's "
            "health reset (%d requests before)", direct["requests"])
        self.failover_chain()
        self.shot("providers.png")
        self.shot("providers-full.png", full=True)

    def failover_chain(self):
        s = self.s

        def chain():
            return api(s, "GET", "/api/providers/failover", expect=200)[1]["chain"]

        before = chain()
        self.assertIn("hls", before)
        self.call("click", selector="button[aria-label='Remove from chain hls']")
        wait_until(lambda: "hls" not in chain(), timeout=10, what="hls out of the chain")
        self.wait("%s !== null" % q("button[aria-label='Add to chain hls']"))
        self.call("click", selector="button[aria-label='Add to chain hls']")
        wait_until(lambda: chain() == before, timeout=10, what="hls back in the chain")
        # Move the first provider one place down: the chain's order follows.
        self.wait("%s !== null" % q("button[aria-label='Down %s']" % before[0]))
        self.call("click", selector="button[aria-label='Down %s']" % before[0])
        moved = wait_until(lambda: (lambda c: c if c[:2] == [before[1], before[0]] else None)(chain()),
                           timeout=10, what="the first two swapped")
        self.wait("%s?.textContent.includes('%s')" % (q("#chain-order"), " → ".join(moved)))
        log("failover chain from the page: hls removed and added back; %s -> %s", before, moved)

    # -- settings: a boolean field --

    def settings_boolean(self):
        """A field of type boolean (none exists yet: the schema has integers
        and delays) shows as a
        checkbox and is sent as true/false: checked with a config answer
        given by the browser and the validate request it sends recorded."""
        s = self.s
        doc = api(s, "GET", "/api/config", expect=200)[1]
        doc["config"]["ui"] = {"test_switch": False}
        doc["fields"].append({"name": "ui.test_switch", "type": "boolean", "applied": "live",
                              "description": "A switch (browser-given field)."})
        self.call("mock", url="**/api/config", method="GET", body=doc)
        self.call("mock", url="**/api/config/validate", method="POST", body={"valid": True, "errors": []})
        try:
            self.call("goto", url=self.base + "/?mock#/settings")
            self.wait("%s?.type === 'checkbox'" % q("#cfg-ui-test_switch"))
            self.call("mocked")
            self.call("click", selector="#cfg-ui-test_switch")
            self.call("click", selector="#validate")
            sent = wait_until(lambda: [m for m in self.call("mocked") if m["method"] == "POST"],
                              timeout=10, what="the validate request")
            body = json.loads(sent[0]["body"])
            self.assertIs(body["ui"]["test_switch"], True)
            self.assertEqual(body["queue"]["max_retries"], 3)
            log("boolean field as a checkbox, sent as %s", body["ui"])
        finally:
            self.call("unmock")
