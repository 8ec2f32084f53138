"""The Prometheus files in deploy/prometheus are valid and match the code.

`promtool check config` and `check rules` must pass, the alert unit tests in
alerts_test.yml must pass (`promtool test rules`), and every kumo_* metric an
alert uses must be declared somewhere in services/ or shared/ — so renaming a
metric without updating the alerts fails here.
"""

import os
import re
import shutil
import subprocess
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("KUMO_SOURCE_DIR", os.path.dirname(HERE))
PROM_DIR = os.path.join(SOURCE_DIR, "deploy", "prometheus")


def promtool(*args):
    out = subprocess.run(["promtool", *args], cwd=PROM_DIR, capture_output=True,
                         timeout=120)
    return out.returncode, (out.stdout + out.stderr).decode()


def declared_metrics():
    names = set()
    for top in ("services", "shared"):
        for folder, _, files in os.walk(os.path.join(SOURCE_DIR, top)):
            for name in files:
                if name.endswith((".cpp", ".hpp")):
                    with open(os.path.join(folder, name), errors="replace") as f:
                        names.update(re.findall(r'(?:Name\(|family\()"(kumo_[a-z0-9_]+)"', f.read()))
    return names


@unittest.skipIf(shutil.which("promtool") is None,
                 "promtool missing (Debian package prometheus)")
class PrometheusFiles(unittest.TestCase):
    def test_config_is_valid(self):
        code, out = promtool("check", "config", "prometheus.yml")
        self.assertEqual(code, 0, out)

    def test_rules_are_valid(self):
        code, out = promtool("check", "rules", "alerts.yml")
        self.assertEqual(code, 0, out)

    def test_alert_unit_tests_pass(self):
        code, out = promtool("test", "rules", "alerts_test.yml")
        self.assertEqual(code, 0, out)

    def test_alerts_use_declared_metrics(self):
        with open(os.path.join(PROM_DIR, "alerts.yml")) as f:
            used = set(re.findall(r"\b(kumo_[a-z0-9_]+)", f.read()))
        declared = declared_metrics()
        self.assertTrue(declared, "no metric declarations found in the source")
        missing = sorted(used - declared)
        self.assertEqual(missing, [], "alerts use metrics no service declares")
        print("  alerts use %d metrics, all declared" % len(used))


if __name__ == "__main__":
    unittest.main(verbosity=2)
