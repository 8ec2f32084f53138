#!/usr/bin/env python3
"""Writes the Grafana dashboards of deploy/grafana/dashboards/ (JSON).

The dashboards are data here so that every query sits in one reviewable
place; the JSON files are this script's output and are committed. After an
edit, run `python3 deploy/grafana/make_dashboards.py` and commit both
(tests/test_deploy_grafana.py fails while they differ).

Every dashboard takes its Prometheus data source from the import input
DS_PROMETHEUS (`__inputs`); a data source variable of the same name makes
the same file work when provisioned from disk (see docs/deploy.md).
Queries assume the labels of deploy/prometheus/prometheus.yml: job "kumo"
and `service` naming the Kumo service of each target.
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DS = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
RATE = "[$__rate_interval]"
SEL = '{service=~"$service", instance=~"$instance"}'


def panel(title, targets, unit="short", kind="timeseries", width=8,
          description="", stack=False):
    """One panel; `targets` is a list of (expr, legend)."""
    return {"title": title, "kind": kind, "unit": unit, "width": width,
            "description": description, "stack": stack,
            "targets": [{"expr": e, "legend": l} for e, l in targets]}


def row(title):
    return {"row": title}


def quantiles(metric, where="", by=""):
    """p50 and p95 of a histogram over the panel's rate interval."""
    group = "le" + (", " + by if by else "")
    prefix = ("{{%s}} " % by) if by else ""
    return [("histogram_quantile(%s, sum by (%s) (rate(%s_bucket%s%s)))" % (
        q, group, metric, where, RATE), prefix + "p" + q[2:].ljust(2, "0"))
        for q in ("0.5", "0.95")]


OVERVIEW = [
    row("Services"),
    panel("Instances up by service",
          [('sum by (service) (up{job="kumo"})', "{{service}}")], kind="stat",
          width=12, description="Targets answering /metrics, per Kumo service."),
    panel("Instances down",
          [('count(up{job="kumo"} == 0) or vector(0)', "down")], kind="stat",
          width=6, description="Targets whose last scrape failed."),
    panel("Kumo alerts firing",
          [('count(ALERTS{alertstate="firing", alertname=~"Kumo.*"}) or vector(0)',
            "firing")], kind="stat", width=6),
    panel("Running versions",
          [('count by (service, version) (kumo_build_info{service=~"$service"})',
            "{{service}} {{version}}")], width=12),
    panel("Uptime",
          [('time() - kumo_process_start_time_seconds{service=~"$service"}',
            "{{service}} {{instance}}")], unit="s", width=12),
    row("Requests"),
    panel("NATS requests by outcome",
          [('sum by (service, outcome) (rate(kumo_bus_requests_total'
            '{service=~"$service"}' + RATE + '))', "{{service}} {{outcome}}")],
          unit="reqps", description="Requests each service made over NATS "
          "(API calls forwarded by the gateway, claims, heartbeats, reports)."),
    panel("NATS messages",
          [('sum by (service, direction) (rate(kumo_bus_messages_total'
            '{service=~"$service"}' + RATE + '))', "{{service}} {{direction}}")],
          unit="ops"),
    panel("Claim latency (queue)",
          quantiles("kumo_queue_claim_duration_seconds"), unit="s",
          description="Time from a worker's claim request to the queue's "
          "answer, across queue replicas."),
    panel("HTTP requests by route",
          [('sum by (route, status) (rate(kumo_http_requests_total' + RATE +
            '))', "{{route}} {{status}}")], unit="reqps",
          description="Requests the gateway answered, by route template "
          "(docs/openapi.json) and status; 'unmatched' is every undocumented "
          "/api path, 'web' the UI, 'refused' heads refused before routing."),
    panel("HTTP latency by route",
          quantiles("kumo_http_request_duration_seconds", by="route"),
          unit="s", description="Time from a request's head to its answer, "
          "by route template (the event stream is not timed)."),
    panel("HTTP client and server errors",
          [('sum by (route, status) (rate(kumo_http_requests_total'
            '{status=~"[45].."}' + RATE + '))', "{{route}} {{status}}")],
          unit="reqps", description="Answers with status 4xx or 5xx."),
    row("Errors"),
    panel("Failed NATS requests",
          [('sum by (service, outcome) (rate(kumo_bus_requests_total'
            '{service=~"$service", outcome!="ok"}' + RATE + '))',
            "{{service}} {{outcome}}")], unit="reqps"),
    panel("API calls with no queue (503)",
          [('sum(rate(kumo_gateway_queue_unavailable_total' + RATE + '))',
            "503 queue unavailable")], unit="reqps"),
    panel("Failed downloads",
          [('sum(rate(kumo_downloader_jobs_total{outcome="failed"}' + RATE + '))',
            "failed")], unit="ops"),
    panel("Logins by result",
          [('sum by (result) (rate(kumo_gateway_logins_total' + RATE + '))',
            "{{result}}")], unit="ops"),
    panel("Authentication problems",
          [('sum by (kind) (rate(kumo_gateway_auth_failures_total' + RATE + '))',
            "{{kind}}")], unit="ops"),
    panel("NATS disconnects (1 h)",
          [('sum by (service) (increase(kumo_bus_disconnects_total[1h]))',
            "{{service}}")]),
]

PIPELINE = [
    row("Queue"),
    panel("Queue items by status",
          [("kumo:queue_items:max", "{{status}}")], width=12,
          description="From PostgreSQL, refreshed by each queue replica's "
          "reaper (the replicas agree; recording rule kumo:queue_items:max)."),
    panel("Backlog (pending + downloading)",
          [('sum(kumo:queue_items:max{status=~"pending|downloading"})',
            "backlog")], kind="stat", width=6),
    panel("Failed items",
          [('sum(kumo:queue_items:max{status="failed"})', "failed")],
          kind="stat", width=6),
    panel("Claims",
          [('sum(rate(kumo_queue_claims_total' + RATE + '))', "claim requests"),
           ('sum(rate(kumo_queue_claimed_jobs_total' + RATE + '))',
            "jobs handed out"),
           ('sum(rate(kumo_queue_announcements_total' + RATE + '))',
            "wake-ups published")], unit="ops"),
    panel("Retries and lease expiries",
          [('sum(rate(kumo_queue_retries_total' + RATE + '))', "retries scheduled"),
           ('sum(rate(kumo_queue_lease_expirations_total' + RATE + '))',
            "leases expired"),
           ('sum(rate(kumo_queue_stale_reports_total' + RATE + '))',
            "stale reports refused")], unit="ops"),
    panel("Claim latency", quantiles("kumo_queue_claim_duration_seconds"),
          unit="s"),
    row("Downloads"),
    panel("Throughput",
          [('sum(rate(kumo_downloader_bytes_total' + RATE + '))', "all workers"),
           ("kumo:downloader_bytes:rate1m", "1 m average")], unit="Bps",
          width=12),
    panel("Active downloads",
          [("sum(kumo_downloader_active_jobs)", "running on workers"),
           ('max(kumo:queue_items:max{status="downloading"})',
            "downloading (queue)")], width=12),
    panel("Jobs ended by outcome",
          [('sum by (outcome) (rate(kumo_downloader_jobs_total' + RATE + '))',
            "{{outcome}}")], unit="ops", stack=True),
    panel("Failures by outcome",
          [('sum by (outcome) (rate(kumo_downloader_jobs_total'
            '{outcome=~"failed|lost|stale|unconfirmed"}' + RATE + '))',
            "{{outcome}}")], unit="ops",
          description="failed: origin or file error reported to the queue; "
          "lost: the lease went to another worker; stale/unconfirmed: the "
          "queue refused or never confirmed the final report."),
    panel("Failure ratio (5 m)",
          [("kumo:downloader_failure_ratio:5m", "failed / ended")],
          unit="percentunit"),
    panel("Jobs ended in the last 15 min",
          [("kumo:downloader_jobs:increase15m", "{{outcome}}")], kind="stat",
          width=24, description="Counted with the recording rule "
          "kumo:downloader_jobs:increase15m, which also counts a worker's "
          "first jobs of each outcome."),
    panel("Job duration (claim to end)",
          quantiles("kumo_downloader_job_duration_seconds"), unit="s"),
    panel("Resumes",
          [('sum by (kind) (rate(kumo_downloader_resumes_total' + RATE + '))',
            "{{kind}}")], unit="ops",
          description="range: continued from the bytes on disk; restart: "
          "the origin could not continue, started over."),
    panel("Worker lease trouble",
          [('sum(rate(kumo_downloader_heartbeat_failures_total' + RATE + '))',
            "heartbeats unanswered"),
           ('sum(rate(kumo_downloader_leases_lost_total' + RATE + '))',
            "leases lost")], unit="ops"),
    row("Progress"),
    panel("Progress updates by kind",
          [('sum by (kind) (rate(kumo_progress_updates_total' + RATE + '))',
            "{{kind}}")], unit="ops"),
    panel("Progress records",
          [("sum(kumo_progress_active)", "live records")]),
    panel("Progress updates dropped",
          [('sum(rate(kumo_progress_throttled_total' + RATE + '))', "coalesced"),
           ('sum(rate(kumo_progress_rejected_total' + RATE + '))', "rejected"),
           ('sum(rate(kumo_progress_pruned_total' + RATE + '))', "pruned")],
          unit="ops"),
]

WORKERS = [
    row("Downloaders"),
    panel("Throughput per worker",
          [('sum by (instance) (rate(kumo_downloader_bytes_total'
            '{instance=~"$instance"}' + RATE + '))', "{{instance}}")],
          unit="Bps", width=12, stack=True),
    panel("Active jobs per worker",
          [('kumo_downloader_active_jobs{instance=~"$instance"}',
            "{{instance}}")], width=12, stack=True),
    panel("Jobs ended per worker",
          [('sum by (instance, outcome) (rate(kumo_downloader_jobs_total'
            '{instance=~"$instance"}' + RATE + '))', "{{instance}} {{outcome}}")],
          unit="ops"),
    panel("Job duration per worker (p95)",
          [('histogram_quantile(0.95, sum by (le, instance) (rate('
            'kumo_downloader_job_duration_seconds_bucket{instance=~"$instance"}'
            + RATE + ')))', "{{instance}}")], unit="s"),
    panel("Heartbeat failures and leases lost per worker",
          [('sum by (instance) (rate(kumo_downloader_heartbeat_failures_total'
            '{instance=~"$instance"}' + RATE + '))', "{{instance}} heartbeats"),
           ('sum by (instance) (rate(kumo_downloader_leases_lost_total'
            '{instance=~"$instance"}' + RATE + '))', "{{instance}} leases")],
          unit="ops"),
    row("Processes (every service)"),
    panel("CPU",
          [('rate(kumo_process_cpu_seconds_total' + SEL + RATE + ')',
            "{{service}} {{instance}}")], unit="percentunit"),
    panel("Resident memory",
          [("kumo_process_resident_memory_bytes" + SEL,
            "{{service}} {{instance}}")], unit="bytes"),
    panel("Open file descriptors",
          [("kumo_process_open_fds" + SEL, "{{service}} {{instance}}")]),
    panel("Restarts (1 h)",
          [("changes(kumo_process_start_time_seconds" + SEL + "[1h])",
            "{{service}} {{instance}}")], width=12),
    panel("NATS disconnects per instance (1 h)",
          [('increase(kumo_bus_disconnects_total' + SEL + '[1h])',
            "{{service}} {{instance}}")], width=12),
]

EVENTS = [
    row("Event streams (gateway)"),
    panel("Open event streams",
          [("sum by (instance) (kumo_sse_clients)", "{{instance}}")], width=12,
          stack=True),
    panel("Events fanned out",
          [('sum by (outcome) (rate(kumo_sse_events_total' + RATE + '))',
            "{{outcome}}")], unit="ops", width=12),
    panel("Slow clients dropped",
          [('sum(rate(kumo_sse_slow_clients_total' + RATE + '))', "per second"),
           ("sum(increase(kumo_sse_slow_clients_total[1h]))", "last hour")],
          description="Streams cut off because their client did not read "
          "fast enough; the browser reconnects with its last event id."),
    panel("Streams refused",
          [('sum by (reason) (rate(kumo_sse_refused_total' + RATE + '))',
            "{{reason}}")], unit="ops"),
    panel("Reconnects with a last event id",
          [('sum by (outcome) (rate(kumo_sse_resumes_total' + RATE + '))',
            "{{outcome}}")], unit="ops",
          description="replayed: missed events sent from the ring; init: "
          "too old, the client got a fresh snapshot."),
    row("Progress service"),
    panel("Events published by room",
          [('sum by (room) (rate(kumo_progress_events_total' + RATE + '))',
            "{{room}}")], unit="ops", width=12),
    panel("Updates received by kind",
          [('sum by (kind) (rate(kumo_progress_updates_total' + RATE + '))',
            "{{kind}}")], unit="ops", width=12),
]

PROVIDER = '{provider=~"$provider"}'


def per_provider(metric, extra=""):
    """rate of `metric` per provider, for the selected providers."""
    return ('sum by (provider) (rate(%s{provider=~"$provider"%s}' % (metric, extra)
            + RATE + '))')


PROVIDERS = [
    row("Traffic"),
    panel("Source outcomes per provider",
          [(per_provider("kumo_provider_requests_total"), "{{provider}}")],
          unit="reqps", width=12,
          description="Downloads that ended on a source of the provider "
          "(completed or failed), as reported to the queue."),
    panel("Bytes per provider",
          [(per_provider("kumo_provider_bytes_total"), "{{provider}}")],
          unit="Bps", width=12, stack=True),
    panel("Failure ratio",
          [(per_provider("kumo_provider_failures_total") + " / "
            + per_provider("kumo_provider_requests_total"), "{{provider}}")],
          unit="percentunit",
          description="Failed source outcomes / all source outcomes over the "
          "rate interval (empty while a provider has no outcome)."),
    panel("Success rate (1 h)",
          [("1 - (sum by (provider) (increase(kumo_provider_failures_total"
            + PROVIDER + "[1h])) or sum by (provider) (increase("
            "kumo_provider_requests_total" + PROVIDER + "[1h])) * 0)"
            " / sum by (provider) (increase(kumo_provider_requests_total"
            + PROVIDER + "[1h]))", "{{provider}}")],
          kind="stat", unit="percentunit",
          description="Successful source outcomes / all over the last hour; "
          "a provider that never failed shows 100%."),
    panel("Failures per provider",
          [(per_provider("kumo_provider_failures_total"), "{{provider}}")],
          unit="ops"),
    row("Response time"),
    panel("Average response time",
          [("sum by (provider) (rate(kumo_provider_response_seconds_sum"
            + PROVIDER + RATE + ")) / sum by (provider) (rate("
            "kumo_provider_response_seconds_count" + PROVIDER + RATE + "))",
            "{{provider}}")], unit="s", width=12,
          description="From a job's start to its source outcome."),
    panel("Response time quantiles",
          quantiles("kumo_provider_response_seconds", PROVIDER, "provider"),
          unit="s", width=12),
    row("Circuit breaker and failover"),
    panel("Breaker state",
          [('max by (provider) (kumo_provider_breaker_state' + PROVIDER + ')',
            "{{provider}}")], kind="stat", width=8,
          description="0 closed (used), 1 half-open (one trial job), 2 open "
          "(skipped at claim). Refreshed by each queue replica's reaper."),
    panel("Breaker state over time",
          [('max by (provider) (kumo_provider_breaker_state' + PROVIDER + ')',
            "{{provider}}")], width=8,
          description="0 closed, 1 half-open, 2 open."),
    panel("Breaker transitions (1 h)",
          [('sum by (provider) (changes(kumo_provider_breaker_state'
            + PROVIDER + '[1h]))', "{{provider}}")], width=8,
          description="State changes of the breaker gauge seen by "
          "Prometheus (a change shorter than a scrape is not seen)."),
    panel("Failover moves",
          [('sum by (provider) (rate(kumo_queue_source_failovers_total'
            + PROVIDER + RATE + '))', "from {{provider}}")], unit="ops",
          width=12, description="Items that left a failed source of the "
          "provider for their next source (not counted as retries)."),
    panel("Failover moves (1 h)",
          [('sum by (provider) (increase(kumo_queue_source_failovers_total'
            + PROVIDER + '[1h]))', "from {{provider}}")], kind="stat",
          width=12),
]

LIBRARY = [
    row("Catalog"),
    panel("Series",
          [("max(kumo_scanner_series)", "live series")], kind="stat", width=6),
    panel("Missing episodes",
          [("max(kumo_scanner_missing_episodes)", "missing")], kind="stat",
          width=6, description="Episodes their provider lists that have no "
          "file and are not queued (set after every scan and provider "
          "listing)."),
    panel("Episodes on disk",
          [("max(kumo_scanner_episodes_on_disk)", "on disk")], kind="stat",
          width=6),
    panel("Unmatched folders",
          [("max(kumo_scanner_unmatched)", "unmatched")], kind="stat",
          width=6, description="Series folders no catalog series claims."),
    panel("Episodes over time",
          [("max(kumo_scanner_missing_episodes)", "missing"),
           ("max(kumo_scanner_episodes_on_disk)", "on disk")], width=12),
    panel("Series and unmatched folders",
          [("max(kumo_scanner_series)", "series"),
           ("max(kumo_scanner_unmatched)", "unmatched folders")], width=12),
    row("Scans"),
    panel("Files found by the last scan",
          [('kumo_scanner_files{instance=~"$instance"}', "{{instance}}")],
          width=8),
    panel("Scans by outcome (1 h)",
          [('sum by (outcome) (increase(kumo_scanner_scans_total[1h]))',
            "{{outcome}}")], width=8, stack=True,
          description="complete, failed, cancelled; busy: another replica "
          "held a root."),
    panel("Scan duration",
          quantiles("kumo_scanner_scan_duration_seconds") + [
              ("sum(rate(kumo_scanner_scan_duration_seconds_sum[1h])) / "
               "sum(rate(kumo_scanner_scan_duration_seconds_count[1h]))",
               "average (1 h)")], unit="s", width=8),
    row("History purge"),
    panel("Purged rows by kind (24 h)",
          [('sum by (kind) (increase(kumo_purge_rows_total[24h]))',
            "{{kind}}")], width=12, stack=True,
          description="Rows the task purge deleted: queue items, their "
          "events, notification deliveries, scan records."),
    panel("Purge runs by outcome (24 h)",
          [('sum by (outcome) (increase(kumo_purge_runs_total[24h]))',
            "{{outcome}}")], width=12, stack=True,
          description="complete, failed (the queue or the configuration "
          "did not answer, the database failed), cancelled (the scanner "
          "stopped)."),
]

# (uid, title, panels, with an instance variable[, extra variables]).
DASHBOARDS = [
    ("kumo-overview", "Kumo / Overview", OVERVIEW, False),
    ("kumo-pipeline", "Kumo / Download pipeline", PIPELINE, False),
    ("kumo-workers", "Kumo / Workers and processes", WORKERS, True),
    ("kumo-events", "Kumo / Live events", EVENTS, False),
    ("kumo-providers", "Kumo / Providers", PROVIDERS, False, ["provider"]),
    ("kumo-library", "Kumo / Library", LIBRARY, True),
]


# Query variables beyond service/instance, by name.
EXTRA_VARIABLES = {
    "provider": "label_values(kumo_provider_breaker_state, provider)",
}


def variables(per_instance, extra=()):
    ds = {"name": "DS_PROMETHEUS", "label": "Prometheus", "type": "datasource",
          "query": "prometheus", "current": {}, "hide": 0, "refresh": 1,
          "regex": "", "options": []}

    def query_var(name, query):
        return {"name": name, "label": name, "type": "query", "datasource": DS,
                "query": {"query": query, "refId": name}, "definition": query,
                "refresh": 2, "includeAll": True, "multi": True,
                "allValue": ".*", "current": {"text": "All", "value": "$__all"},
                "sort": 1, "hide": 0, "options": []}
    out = [ds, query_var("service", "label_values(kumo_build_info, service)")]
    if per_instance:
        out.append(query_var("instance", 'label_values(kumo_build_info'
                             '{service=~"$service"}, instance)'))
    out += [query_var(name, EXTRA_VARIABLES[name]) for name in extra]
    return out


def build_panel(spec, pid, x, y):
    height = 4 if spec["kind"] == "stat" else 8
    custom = {"fillOpacity": 10, "showPoints": "never"}
    if spec["stack"]:
        custom["stacking"] = {"mode": "normal", "group": "A"}
    out = {"id": pid, "type": spec["kind"], "title": spec["title"],
           "description": spec["description"], "datasource": DS,
           "gridPos": {"x": x, "y": y, "w": spec["width"], "h": height},
           "fieldConfig": {"defaults": {"unit": spec["unit"]}, "overrides": []},
           "options": {"legend": {"displayMode": "list", "placement": "bottom",
                                  "showLegend": True},
                       "tooltip": {"mode": "multi", "sort": "desc"}},
           "targets": []}
    if spec["kind"] == "timeseries":
        out["fieldConfig"]["defaults"]["custom"] = custom
    else:
        out["options"] = {"reduceOptions": {"calcs": ["lastNotNull"],
                                            "fields": "", "values": False},
                          "colorMode": "value", "graphMode": "area"}
    for n, t in enumerate(spec["targets"]):
        out["targets"].append({"refId": chr(ord("A") + n), "datasource": DS,
                               "expr": t["expr"], "legendFormat": t["legend"],
                               "range": True})
    return out, height


def build(uid, title, specs, per_instance, extra=()):
    panels, x, y, line_h, pid = [], 0, 0, 0, 1
    for spec in specs:
        if "row" in spec:
            y += line_h
            x, line_h = 0, 0
            panels.append({"id": pid, "type": "row", "title": spec["row"],
                           "collapsed": False, "panels": [],
                           "gridPos": {"x": 0, "y": y, "w": 24, "h": 1}})
            pid, y = pid + 1, y + 1
            continue
        if x + spec["width"] > 24:
            x, y, line_h = 0, y + line_h, 0
        p, h = build_panel(spec, pid, x, y)
        panels.append(p)
        pid, x, line_h = pid + 1, x + spec["width"], max(line_h, h)
    return {
        "__inputs": [{"name": "DS_PROMETHEUS", "label": "Prometheus",
                      "description": "Prometheus scraping the Kumo services",
                      "type": "datasource", "pluginId": "prometheus",
                      "pluginName": "Prometheus"}],
        "__requires": [
            {"type": "grafana", "id": "grafana", "name": "Grafana",
             "version": "9.0.0"},
            {"type": "datasource", "id": "prometheus", "name": "Prometheus",
             "version": "1.0.0"},
            {"type": "panel", "id": "timeseries", "name": "Time series",
             "version": ""},
            {"type": "panel", "id": "stat", "name": "Stat", "version": ""}],
        "uid": uid, "title": title, "tags": ["kumo"], "editable": True,
        "schemaVersion": 36, "version": 1, "refresh": "30s",
        "time": {"from": "now-1h", "to": "now"}, "timezone": "",
        "graphTooltip": 1, "links": [
            {"type": "dashboards", "tags": ["kumo"], "asDropdown": True,
             "title": "Kumo", "includeVars": False, "keepTime": True}],
        "annotations": {"list": []},
        "templating": {"list": variables(per_instance, extra)},
        "panels": panels,
    }


def render_all():
    """{file name: JSON text} of every dashboard."""
    return {board[0] + ".json": json.dumps(build(*board), indent=2,
                                           sort_keys=True) + "\n"
            for board in DASHBOARDS}


def main():
    out_dir = os.path.join(HERE, "dashboards")
    os.makedirs(out_dir, exist_ok=True)
    for name, text in sorted(render_all().items()):
        with open(os.path.join(out_dir, name), "w") as f:
            f.write(text)
        print("wrote", os.path.join("dashboards", name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
