"""/metrics of every service is valid Prometheus text and follows the naming
rules: `promtool check metrics` (parser + linter: _total counters, base
units, HELP text) passes, every family starts with `kumo_`, and
kumo_build_info names the service. Checked after some traffic (health
requests over NATS) so counters and histograms carry values. As a check on
the check, promtool must reject a counter without `_total`.
"""

import os
import re
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))

from kumo_harness import SERVICES, Stack, http  # noqa: E402


def promtool(text):
    out = subprocess.run(["promtool", "check", "metrics"], input=text.encode(),
                         capture_output=True, timeout=60)
    return out.returncode, (out.stdout + out.stderr).decode()


@unittest.skipIf(shutil.which("promtool") is None,
                 "promtool missing (Debian package prometheus)")
class Metrics(unittest.TestCase):
    def test_promtool_rejects_a_bad_counter(self):
        code, _ = promtool("# HELP foo x\n# TYPE foo counter\nfoo 1\n")
        self.assertNotEqual(code, 0, "promtool must flag counters without _total")

    def test_every_service_passes_promtool(self):
        with Stack(name="metrics") as s:
            s.start_postgres()
            s.start_nats()
            svcs = s.start_all()
            for _ in range(3):
                http("GET", s.gateway_url + "/api/health")
            for name in SERVICES:
                with self.subTest(service=name):
                    text = svcs[name].metrics()
                    code, output = promtool(text)
                    self.assertEqual(code, 0, "%s: promtool check metrics:\n%s\n---\n%s"
                                     % (name, output, text))
                    families = set(re.findall(r"^# TYPE (\S+) ", text, re.M))
                    self.assertTrue(families, "%s: no metrics" % name)
                    for family in families:
                        self.assertTrue(family.startswith("kumo_"),
                                        "%s: %s lacks the kumo_ prefix" % (name, family))
                    self.assertRegex(text, r'kumo_build_info\{[^}]*service="%s"' % name)
                    print("  %-10s %d families, promtool ok" % (name, len(families)))


if __name__ == "__main__":
    unittest.main(verbosity=2)
