"""Helpers of the scanner's integration tests (tests/test_scanner_*.py):
a scanner started as the unprivileged user PostgreSQL runs as (so a
chmod 000 folder is really unreadable to it), bus requests, and waits for
scans. Standard library only."""

import json
import os
import pwd
import stat
import time

from kumo_harness import Service, service_binary, wait_until

UNPRIVILEGED = "kumo"  # the harness's PostgreSQL user (created on demand)


def chown_tree(path, user=UNPRIVILEGED):
    """Gives `path` and everything below it to `user` (symlinks themselves,
    never their targets)."""
    entry = pwd.getpwnam(user)
    for dirpath, dirnames, filenames in os.walk(path):
        for name in [dirpath] + [os.path.join(dirpath, n)
                                 for n in dirnames + filenames]:
            os.lchown(name, entry.pw_uid, entry.pw_gid)


def start_scanner(stack, root, env=None, extra_roots=None):
    """Starts kumo-scanner as the unprivileged user with `root` as its
    library. Returns the harness Service (not waiting for readiness). The
    live watch is off unless `env` turns it on (KUMO_SCAN_WATCH), so scans
    happen only when a test asks for them."""
    full = stack.service_env("scanner", env)
    full.setdefault("KUMO_SCAN_WATCH", "false")
    full["KUMO_LIBRARY_ROOT"] = (env or {}).get("KUMO_LIBRARY_ROOT", root)
    if extra_roots:
        full["KUMO_LIBRARY_ROOTS_EXTRA"] = ":".join(extra_roots)
    wrapper = stack.path("scanner-as-%s.sh" % UNPRIVILEGED)
    if not os.path.exists(wrapper):
        with open(wrapper, "w") as f:
            f.write("#!/bin/sh\nexec setpriv --reuid=%s --regid=%s "
                    "--clear-groups -- %s \"$@\"\n"
                    % (UNPRIVILEGED, UNPRIVILEGED, service_binary("scanner")))
        os.chmod(wrapper, 0o755)
    log_path = stack.path("%s.log" % full["KUMO_INSTANCE"])
    svc = Service(stack, "scanner", full, log_path, wrapper)
    svc._launch()
    stack.services.append(svc)
    return svc


class Bus:
    """Requests to kumo.scanner.cmd.<op> over an admin NATS connection."""

    def __init__(self, nc):
        self.nc = nc

    def call(self, op, body=None, timeout=20):
        raw = body if isinstance(body, (bytes, str)) else json.dumps(
            body if body is not None else {})
        if isinstance(raw, str):
            raw = raw.encode()
        return json.loads(self.nc.request("kumo.scanner.cmd." + op, raw,
                                          timeout=timeout))

    def ok(self, op, body=None, timeout=20):
        reply = self.call(op, body, timeout)
        if "error" in reply:
            raise AssertionError("%s %r -> %r" % (op, body, reply))
        return reply

    def idle(self, timeout=60):
        """Waits until no scan runs; returns the last scan."""
        out = {}

        def quiet():
            status = self.ok("scan_status")
            out["last"] = status["last"]
            return status["current"] is None
        wait_until(quiet, timeout=timeout, what="no running scan")
        return out["last"]

    def full_scan(self, key=None, timeout=120):
        """Runs a scan of its own to the end and returns its final object."""
        self.idle(timeout)
        started = self.ok("rescan", {"key": key} if key else {})["scan"]
        assert started["state"] == "running", started
        done = {}

        def finished():
            last = self.ok("scan_status")["last"]
            if last and last["id"] == started["id"]:
                done["scan"] = last
                return True
            return False
        wait_until(finished, timeout=timeout, what="scan %s" % started["id"])
        return done["scan"]


def start_scanner_bus(stack, root, env=None):
    """PostgreSQL, nats-server and one scanner (start_scanner) on `root`,
    ready and with no scan running. Returns (scanner, admin NATS client,
    Bus over it)."""
    stack.start_postgres()
    stack.start_nats()
    scanner = start_scanner(stack, root, env)
    scanner.wait_ready(60)
    nc = stack.nats_client("admin")
    bus = Bus(nc)
    bus.idle()
    return scanner, nc, bus


def write_file(path, size=16):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(b"\0" * size)


def is_dir_readable(path):
    return bool(os.stat(path).st_mode & stat.S_IRUSR)


def wait_scanner_ready(svc, timeout=30):
    svc.wait_ready(timeout)
    time.sleep(0.2)
