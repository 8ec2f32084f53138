"""The Grafana dashboards in deploy/grafana are importable and match the code.

Checked without a server (tests/test_deploy_grafana_live.py runs every
query against a live stack):
- the JSON files are exactly what deploy/grafana/make_dashboards.py writes;
- each dashboard declares the import input DS_PROMETHEUS and every panel and
  target uses it; a data source variable of that name exists for
  provisioning; panel ids are unique, panels fit the 24-column grid;
- every variable a query uses is defined by its dashboard (or is Grafana's
  $__rate_interval), and every dashboard has its own uid;
- every kumo_* metric the dashboards, recording rules and alerts use is
  declared in services/ or shared/, and every kumo:* series they use is a
  recording rule of recording.yml; a misspelled metric is reported;
- the provisioning files name the dashboard folder and a Prometheus source.
"""

import os
import re
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from monitoring_support import (DASHBOARD_DIR, GRAFANA_DIR, PROM_DIR,  # noqa: E402
                                dashboard_queries, dashboards, declared_metrics,
                                panels_of, undeclared)

sys.path.insert(0, GRAFANA_DIR)
import make_dashboards  # noqa: E402

DS = "${DS_PROMETHEUS}"


def rule_exprs(name):
    """[(where, expr)] of a rule file (expressions may span lines)."""
    with open(os.path.join(PROM_DIR, name)) as f:
        text = f.read()
    out = []
    for m in re.finditer(r"- (?:alert|record): (\S+)\n\s+expr: (\|\n(?:\s{10,}.*\n)+|.*\n)",
                         text):
        out.append(("%s %s" % (name, m.group(1)), m.group(2)))
    return out


class GrafanaFiles(unittest.TestCase):

    def test_json_is_generated(self):
        rendered = make_dashboards.render_all()
        on_disk = sorted(n for n in os.listdir(DASHBOARD_DIR) if n.endswith(".json"))
        self.assertEqual(on_disk, sorted(rendered))
        for name, text in rendered.items():
            with open(os.path.join(DASHBOARD_DIR, name)) as f:
                self.assertEqual(f.read(), text,
                                 "%s differs from make_dashboards.py output" % name)
        print("  %d dashboards match make_dashboards.py" % len(rendered))

    def test_datasource_input_everywhere(self):
        uids = set()
        for name, board in dashboards().items():
            self.assertEqual([i["name"] for i in board["__inputs"]], ["DS_PROMETHEUS"])
            self.assertEqual(board["__inputs"][0]["pluginId"], "prometheus")
            variables = {v["name"]: v for v in board["templating"]["list"]}
            self.assertEqual(variables["DS_PROMETHEUS"]["type"], "datasource")
            self.assertNotIn(board["uid"], uids)
            uids.add(board["uid"])
            ids = set()
            for p in panels_of(board):
                self.assertNotIn(p["id"], ids, name)
                ids.add(p["id"])
                g = p["gridPos"]
                self.assertLessEqual(g["x"] + g["w"], 24, p["title"])
                if p["type"] == "row":
                    continue
                self.assertEqual(p["datasource"]["uid"], DS, p["title"])
                self.assertTrue(p["targets"], p["title"])
                for t in p["targets"]:
                    self.assertEqual(t["datasource"]["uid"], DS, p["title"])
            for v in variables.values():
                if v["type"] == "query":
                    self.assertEqual(v["datasource"]["uid"], DS, v["name"])
            print("  %s: %d panels" % (name, len(ids)))

    def test_variables_are_defined(self):
        for name, board in dashboards().items():
            defined = {v["name"] for v in board["templating"]["list"]}
            defined.add("__rate_interval")
            for p in panels_of(board):
                for t in p.get("targets", []):
                    used = set(re.findall(r"\$\{?(\w+)", t["expr"]))
                    self.assertEqual(used - defined, set(), "%s / %s" % (
                        name, p["title"]))

    def test_metrics_are_declared(self):
        declared = declared_metrics()
        self.assertIn("kumo_downloader_bytes_total", declared)
        queries = dashboard_queries() + rule_exprs("recording.yml") + rule_exprs(
            "alerts.yml")
        self.assertGreater(len(queries), 60)
        self.assertEqual(undeclared(queries, declared), [])
        # The same check on a misspelled metric reports it.
        self.assertEqual(undeclared([("typo", "rate(kumo_downloader_byte_total[1m])")],
                                    declared),
                         [("typo", "kumo_downloader_byte_total")])
        recorded = {w.split()[1] for w, _ in rule_exprs("recording.yml")}
        for where, expr in queries:
            for name in re.findall(r"\b(kumo:[a-z0-9_:]+)", expr):
                self.assertIn(name, recorded, where)
        print("  %d queries, every metric declared, %d recording rules" % (
            len(queries), len(recorded)))

    def test_provisioning_files(self):
        base = os.path.join(GRAFANA_DIR, "provisioning")
        with open(os.path.join(base, "dashboards", "kumo.yaml")) as f:
            text = f.read()
        self.assertIn("apiVersion: 1", text)
        self.assertRegex(text, r"type: file")
        self.assertRegex(text, r"path: /\S+")
        with open(os.path.join(base, "datasources", "kumo-prometheus.yaml")) as f:
            text = f.read()
        self.assertIn("type: prometheus", text)
        self.assertRegex(text, r"url: http://\S+")

    @unittest.skipIf(shutil.which("promtool") is None,
                     "promtool missing (Debian package prometheus)")
    def test_recording_rules_are_valid(self):
        out = subprocess.run(["promtool", "check", "rules", "recording.yml"],
                             cwd=PROM_DIR, capture_output=True, timeout=120)
        self.assertEqual(out.returncode, 0, (out.stdout + out.stderr).decode())


if __name__ == "__main__":
    unittest.main(verbosity=2)
