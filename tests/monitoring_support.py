"""Prometheus and Grafana checks shared by tests/test_deploy_grafana*.py.

- dashboard_queries(): every target of every panel of the dashboards in
  deploy/grafana/dashboards, with Grafana's variables replaced by what
  Grafana would send for "All" and a fixed rate interval.
- Prometheus: a real `prometheus` on a free 127.0.0.1 port, scraping the
  admin ports of a kumo_harness Stack every second with the scrape
  configuration of deploy/prometheus/prometheus.yml (targets replaced by the
  stack's), loading the rule files given.
- check_queries(): evaluates queries through /api/v1/query and reports
  every one that errors or returns no series.
"""

import json
import os
import re
import signal
import subprocess
import time
import urllib.parse

from kumo_harness import _parent_death_signal, free_port, http, wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("KUMO_SOURCE_DIR", os.path.dirname(HERE))
PROM_DIR = os.path.join(SOURCE_DIR, "deploy", "prometheus")
GRAFANA_DIR = os.path.join(SOURCE_DIR, "deploy", "grafana")
DASHBOARD_DIR = os.path.join(GRAFANA_DIR, "dashboards")

# What Grafana puts in place of its variables: "All" of a multi-value
# variable with allValue ".*", and a rate interval of a few scrapes.
VARIABLES = {"__rate_interval": "10s", "service": ".*", "instance": ".*",
             "provider": ".*"}


def dashboards():
    """{file name: parsed JSON} of deploy/grafana/dashboards/*.json."""
    out = {}
    for name in sorted(os.listdir(DASHBOARD_DIR)):
        if name.endswith(".json"):
            with open(os.path.join(DASHBOARD_DIR, name)) as f:
                out[name] = json.load(f)
    return out


def panels_of(board):
    """Every panel, those inside collapsed rows included."""
    for p in board.get("panels", []):
        yield p
        for inner in p.get("panels", []):
            yield inner


def dashboard_queries():
    """[(where, expr)] for every target of every panel; `where` names the
    dashboard, panel and refId."""
    out = []
    for name, board in dashboards().items():
        for p in panels_of(board):
            for t in p.get("targets", []):
                out.append(("%s / %s / %s" % (name, p["title"], t["refId"]),
                            t["expr"]))
    return out


def substitute(expr, variables=VARIABLES):
    """Replaces $name and ${name} with their values; raises on a variable
    that has none (a panel using a variable its dashboard lacks)."""
    def value(m):
        name = m.group(1) or m.group(2)
        if name not in variables:
            raise KeyError("unknown variable $%s in %s" % (name, expr))
        return variables[name]
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", value, expr)


def check_queries(prom, queries):
    """Evaluates each (where, expr); returns (results, problems): results
    [(where, count of series)], problems [text] for every query that errors
    or returns no series."""
    results, problems = [], []
    for where, expr in queries:
        try:
            count = len(prom.query(substitute(expr)))
        except (KeyError, RuntimeError) as err:
            problems.append("%s: %s" % (where, err))
            continue
        results.append((where, count))
        if count == 0:
            problems.append("%s: no series for %s" % (where, expr))
    return results, problems


def alert_names(path):
    with open(path) as f:
        return re.findall(r"^\s*- alert:\s*(\S+)", f.read(), re.M)


def shortened_rules(src, dst, duration="1s"):
    """A copy of rule file `src` at `dst` with every `for:` set to
    `duration`, so that a test sees alerts fire within seconds."""
    with open(src) as f:
        text = f.read()
    text, n = re.subn(r"^(\s*)for:\s*\S+", r"\g<1>for: " + duration, text,
                      flags=re.M)
    with open(dst, "w") as f:
        f.write(text)
    return n


def scrape_config(services, rule_files, interval="1s", timeout="800ms"):
    """deploy/prometheus/prometheus.yml with the stack's admin ports as
    targets (every running instance of each service), the given intervals
    and rule files."""
    with open(os.path.join(PROM_DIR, "prometheus.yml")) as f:
        text = f.read()
    ports = {}
    for svc in services:
        ports.setdefault(svc.name, []).append(svc.admin_port)

    def targets(m):
        name = m.group(3)
        listed = ", ".join('"127.0.0.1:%d"' % p for p in ports.get(name, []))
        return "%s[%s]%s%s}" % (m.group(1), listed, m.group(2), name)
    text, n = re.subn(r'(- targets: )\["127\.0\.0\.1:\d+"\]'
                      r'(\s*labels: \{service: )(\w+)\}', targets, text)
    if n != 5:
        raise AssertionError("prometheus.yml: %d of 5 service targets found" % n)
    text = re.sub(r"scrape_interval: \S+", "scrape_interval: " + interval, text)
    text = re.sub(r"evaluation_interval: \S+",
                  "evaluation_interval: %s\n  scrape_timeout: %s" % (interval, timeout),
                  text)
    files = "".join("  - %s\n" % p for p in rule_files)
    text = re.sub(r"rule_files:\n(  - \S+\n)+", "rule_files:\n" + files, text)
    return text


class Prometheus:
    """A prometheus server for one test, in folder `tmp`."""

    def __init__(self, tmp, rule_files):
        self.dir = os.path.join(tmp, "prometheus")
        os.makedirs(self.dir, exist_ok=True)
        self.config = os.path.join(self.dir, "prometheus.yml")
        self.rule_files = rule_files
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.log_path = os.path.join(self.dir, "prometheus.log")
        self.proc = None

    def write_config(self, services):
        with open(self.config, "w") as f:
            f.write(scrape_config(services, self.rule_files))

    def start(self, services, timeout=60):
        self.write_config(services)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                ["prometheus", "--config.file=" + self.config,
                 "--storage.tsdb.path=" + os.path.join(self.dir, "data"),
                 "--web.listen-address=127.0.0.1:%d" % self.port,
                 "--web.enable-lifecycle"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_parent_death_signal(signal.SIGKILL))
        wait_until(self._ready, timeout=timeout, interval=0.1,
                   what="prometheus ready")
        self.wait_targets(services)
        return self

    def _ready(self):
        if self.proc.poll() is not None:
            raise RuntimeError("prometheus exited:\n" + self.log_tail())
        try:
            return http("GET", self.url + "/-/ready", timeout=2)[0] == 200
        except OSError:
            return False

    def reload(self, services):
        """Scrapes `services` from now on (new config, POST /-/reload)."""
        self.write_config(services)
        status, _, body = http("POST", self.url + "/-/reload", timeout=30)
        if status != 200:
            raise RuntimeError("reload answered %d: %s" % (status, body[:300]))
        self.wait_targets(services)

    def wait_targets(self, services, timeout=30):
        """Waits until every running service was scraped successfully."""
        want = {"127.0.0.1:%d" % s.admin_port for s in services if s.running()}

        def healthy():
            doc = self.api("/api/v1/targets")
            up = {t["labels"]["instance"] for t in doc["activeTargets"]
                  if t["health"] == "up"}
            return want <= up
        wait_until(healthy, timeout=timeout, interval=0.2, what="targets up")

    def api(self, path, params=None):
        url = self.url + path
        if params:
            url += "?" + urllib.parse.urlencode(params)
        status, _, body = http("GET", url, timeout=30)
        doc = json.loads(body)
        if status != 200 or doc.get("status") != "success":
            raise RuntimeError("%s: %s %s" % (
                doc.get("errorType", status), doc.get("error", ""), path))
        return doc["data"]

    def query(self, expr):
        """Instant vector result of `expr` (a list; scalars as one item)."""
        data = self.api("/api/v1/query", {"query": expr})
        if data["resultType"] in ("scalar", "string"):
            return [data["result"]]
        return data["result"]

    def alerts(self):
        """[(alertname, state, labels)] of /api/v1/alerts."""
        return [(a["labels"]["alertname"], a["state"], a["labels"])
                for a in self.api("/api/v1/alerts")["alerts"]]

    def log_tail(self, lines=30):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


class AlertWatch:
    """Remembers every alert seen firing (polled by the caller), as
    "alertname" and "alertname:service" for alerts with a service label."""

    def __init__(self, prom):
        self.prom = prom
        self.fired = set()

    def poll(self):
        for name, state, labels in self.prom.alerts():
            if state == "firing":
                self.fired.add(name)
                if "service" in labels:
                    self.fired.add("%s:%s" % (name, labels["service"]))
        return self.fired

    def names(self):
        return {f for f in self.fired if ":" not in f}

    def wait(self, keys, timeout, what, tick=None):
        """Waits until every key ("alertname" or "alertname:service") was
        seen firing; `tick` runs on each poll (e.g. to keep a condition
        alive). Returns the seconds waited."""
        def seen():
            if tick:
                tick()
            return set(keys) <= self.poll()
        started = time.monotonic()
        try:
            wait_until(seen, timeout=timeout, interval=0.3, what=what)
        except TimeoutError as err:
            raise AssertionError("%s; seen firing: %s" % (err, sorted(self.fired)))
        return time.monotonic() - started

def declared_metrics():
    """Every kumo_* metric family named by a string literal in services/
    or shared/ (C++ sources)."""
    names = set()
    for top in ("services", "shared"):
        for folder, _, files in os.walk(os.path.join(SOURCE_DIR, top)):
            for name in files:
                if name.endswith((".cpp", ".hpp")) and not name.endswith("_test.cpp"):
                    with open(os.path.join(folder, name), errors="replace") as f:
                        names.update(re.findall(r'"(kumo_[a-z0-9_]+)"', f.read()))
    return names


def used_metrics(expr):
    """kumo_* metric names in a PromQL expression, histogram series
    (_bucket, _sum, _count) mapped to their family."""
    out = set()
    for name in re.findall(r"\b(kumo_[a-z0-9_]+)", expr):
        out.add(re.sub(r"_(bucket|sum|count)$", "", name)
                if re.search(r"_seconds_(bucket|sum|count)$", name) else name)
    return out


def undeclared(queries, declared):
    """[(where, metric)] for every kumo_* metric of `queries` that no
    service declares."""
    return [(where, m) for where, expr in queries
            for m in sorted(used_metrics(expr)) if m not in declared]
