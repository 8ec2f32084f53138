#!/usr/bin/env python3
"""Runs a command with private servers around it, then stops them.

    with_servers.py [--pg] [--nats] [--nginx ROOT] -- <command...>

Starts the requested servers on free 127.0.0.1 ports, exports
KUMO_TEST_DATABASE_URL, KUMO_TEST_NATS_URL and KUMO_TEST_ORIGIN_URL to the
command (NATS runs with Kumo's users and permissions: KUMO_TEST_NATS_URL
carries the admin's credentials, KUMO_TEST_NATS_PLAIN_URL none, and
KUMO_TEST_NATS_SECRETS names the folder of nats-<user>-password files), and exits with the command's exit code. Used by CTest for C++ tests
that need a real PostgreSQL or NATS.
"""

import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from kumo_harness import Stack  # noqa: E402


def main(argv):
    if "--" not in argv:
        print("usage: with_servers.py [--pg] [--nats] [--nginx ROOT] -- command...",
              file=sys.stderr)
        return 2
    split = argv.index("--")
    parser = argparse.ArgumentParser(prog="with_servers.py")
    parser.add_argument("--pg", action="store_true", help="start PostgreSQL")
    parser.add_argument("--nats", action="store_true", help="start nats-server")
    parser.add_argument("--nginx", metavar="ROOT", help="serve ROOT with nginx")
    opts = parser.parse_args(argv[:split])
    command = argv[split + 1:]
    if not command:
        print("with_servers.py: no command given", file=sys.stderr)
        return 2
    with Stack(name="servers") as stack:
        env = dict(os.environ)
        if opts.pg:
            env["KUMO_TEST_DATABASE_URL"] = stack.start_postgres()
        if opts.nats:
            env["KUMO_TEST_NATS_URL"] = stack.start_nats()
            env["KUMO_TEST_NATS_PLAIN_URL"] = stack.nats_plain_url
            env["KUMO_TEST_NATS_SECRETS"] = stack.path("secrets")
        if opts.nginx:
            env["KUMO_TEST_ORIGIN_URL"] = stack.start_nginx(opts.nginx)
        env["KUMO_TEST_TMPDIR"] = stack.tmp
        try:
            return subprocess.run(command, env=env).returncode
        except FileNotFoundError as err:
            print("with_servers.py: %s" % err, file=sys.stderr)
            return 127


if __name__ == "__main__":
    code = main(sys.argv[1:])
    sys.exit(code if code >= 0 else 128 - code)
