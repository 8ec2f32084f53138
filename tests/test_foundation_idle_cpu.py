"""Idle services cost (almost) no CPU.

Starts the five services (with PostgreSQL and NATS), lets them settle for
3 s, then reads utime+stime of each process from /proc/<pid>/stat before and
after 20 s of idleness. The five together must use less than 2% of one core
(0.4 CPU-seconds in 20 s). Prints the per-service figures.
"""
# ctest-properties: RUN_SERIAL TRUE

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))

from kumo_harness import SERVICES, Stack  # noqa: E402

WINDOW_SECONDS = float(os.environ.get("KUMO_IDLE_WINDOW", "20"))
LIMIT_FRACTION = 0.02
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pid):
    """utime + stime of the whole process, in clock ticks."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return int(fields[11]) + int(fields[12])


class IdleCpu(unittest.TestCase):
    def test_five_idle_services_use_under_two_percent_of_a_core(self):
        with Stack(name="idle-cpu") as s:
            s.start_postgres()
            s.start_nats()
            svcs = s.start_all()
            time.sleep(3)
            before = {n: cpu_ticks(svcs[n].pid) for n in SERVICES}
            started = time.monotonic()
            time.sleep(WINDOW_SECONDS)
            after = {n: cpu_ticks(svcs[n].pid) for n in SERVICES}
            elapsed = time.monotonic() - started
            for n in SERVICES:
                self.assertTrue(svcs[n].running(), "%s exited" % n)
            used = {n: (after[n] - before[n]) / TICKS for n in SERVICES}
            total = sum(used.values())
            fraction = total / elapsed
            for n in SERVICES:
                print("  %-10s %.2f CPU-s in %.1f s (%.3f%% of one core)" % (
                    n, used[n], elapsed, 100 * used[n] / elapsed))
            print("  total      %.2f CPU-s in %.1f s = %.3f%% of one core (limit %.0f%%)"
                  % (total, elapsed, 100 * fraction, 100 * LIMIT_FRACTION))
            self.assertLess(fraction, LIMIT_FRACTION)


if __name__ == "__main__":
    unittest.main(verbosity=2)
