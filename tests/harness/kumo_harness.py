"""Test harness for Kumo's integration tests (Python 3 standard library only).

A `Stack` owns a temporary folder and every server started through it: a
private PostgreSQL, nats-server with JetStream and Kumo's NATS users and
permissions (each service logs in as itself; `nats_url` carries the admin's
credentials, `nats_client(user)` connects as any user), an nginx origin, and
Kumo's service processes, each on a free 127.0.0.1 port. Leaving the `with` block
stops everything and removes the folder (kept when KUMO_KEEP_TMP=1).

    from kumo_harness import Stack, free_port, http
    with Stack(name="pipeline") as s:
        s.start_postgres(); s.start_nats()
        q = s.start_service("queue"); q.wait_ready()
        status, headers, body = http("GET", q.admin_url + "/metrics")

Binaries are taken from $KUMO_BUILD_DIR (default /work/main/build):
<build>/services/<name>/kumo-<name>.
"""

import atexit
import ctypes
import hashlib
import http.client as http_client
import json
import os
import pwd
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

__all__ = [
    "Stack", "Service", "free_port", "http", "http_json", "make_media",
    "sha256_file", "wait_until", "build_dir", "build_type", "sanitized",
    "service_binary", "SSEClient", "SERVICES",
]

SERVICES = ("gateway", "scanner", "queue", "downloader", "progress")
DEFAULT_PASSWORD = "kumo-Test-passw0rd"
_SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                      "runtime error:", "ERROR: ThreadSanitizer")
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(_HERE, "..")))  # mini_nats
sys.path.insert(0, os.path.normpath(os.path.join(_HERE, "..", "..", "scripts", "lib")))
import nats_config  # noqa: E402  (the stack's NATS users and permissions)
# Defaults for sanitized builds (scripts/test sets the same); a variable
# already in the environment wins.
_SUPPRESSIONS = os.path.normpath(os.path.join(_HERE, "..", "sanitizers"))
_SANITIZER_ENV = {
    "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1:suppressions="
                     + os.path.join(_SUPPRESSIONS, "ubsan.supp"),
    "LSAN_OPTIONS": "print_suppressions=0:suppressions="
                    + os.path.join(_SUPPRESSIONS, "lsan.supp"),
}


# -- small helpers -----------------------------------------------------------

def build_dir():
    """The CMake build folder holding the service binaries."""
    return os.environ.get("KUMO_BUILD_DIR", "/work/main/build")


def build_type():
    """CMAKE_BUILD_TYPE of the build folder ("Release", "Debug",
    "Sanitize"...), "" when unknown. Tests with resource limits (RSS,
    timings) can relax them for "Sanitize", whose ASan shadow memory and
    instrumentation inflate both."""
    try:
        with open(os.path.join(build_dir(), "CMakeCache.txt")) as f:
            for line in f:
                if line.startswith("CMAKE_BUILD_TYPE:"):
                    return line.split("=", 1)[1].strip()
    except OSError:
        pass
    return ""


def sanitized():
    """True when the services are built with the sanitizers."""
    return build_type() == "Sanitize"


def service_binary(name):
    """Path of the binary of service `name`; raises when it was not built."""
    path = os.path.join(build_dir(), "services", name, "kumo-" + name)
    if not os.access(path, os.X_OK):
        raise FileNotFoundError(
            "%s not found; build it or set KUMO_BUILD_DIR" % path)
    return path


_ports_lock = threading.Lock()
_ports_given = set()


def free_port():
    """A TCP port free on 127.0.0.1 right now, never handed out twice by this
    process (another process may still take it; the window is small)."""
    with _ports_lock:
        for _ in range(100):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.bind(("127.0.0.1", 0))
                port = sock.getsockname()[1]
            if port not in _ports_given:
                _ports_given.add(port)
                return port
    raise RuntimeError("no free port found")


def wait_until(predicate, timeout=10.0, interval=0.1, what="condition"):
    """Polls `predicate` until it returns a truthy value (returned) or raises
    TimeoutError after `timeout` seconds. Exceptions from the predicate count
    as "not yet"; the last one is named in the error."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001 - polled again
            last = exc
        if time.monotonic() >= deadline:
            raise TimeoutError("timed out after %.1fs waiting for %s%s" % (
                timeout, what, "" if last is None else " (last error: %r)" % last))
        time.sleep(interval)


_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener_no_redirect = urllib.request.build_opener(
    urllib.request.ProxyHandler({}), _NoRedirect())


def http(method, url, body=None, token=None, headers=None, timeout=10,
         follow_redirects=True):
    """One HTTP request. Returns (status, headers, body_bytes) for every
    status, 4xx/5xx included; connection errors raise (URLError/OSError).

    `body`: dict/list (sent as JSON), str, bytes or None. `token`: sent as
    `Authorization: Bearer <token>`. `headers`: a case-insensitive
    http.client.HTTPMessage is returned (headers["Content-Type"])."""
    hdrs = dict(headers or {})
    data = None
    if isinstance(body, (dict, list)):
        data = json.dumps(body).encode()
        hdrs.setdefault("Content-Type", "application/json")
    elif isinstance(body, str):
        data = body.encode()
    elif body is not None:
        data = bytes(body)
    if token:
        hdrs["Authorization"] = "Bearer " + token
    req = urllib.request.Request(url, data=data, headers=hdrs, method=method)
    opener = _opener if follow_redirects else _opener_no_redirect
    try:
        with opener.open(req, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        try:
            payload = err.read()
        finally:
            err.close()
        return err.code, err.headers, payload


def http_json(method, url, body=None, token=None, headers=None, timeout=10):
    """Like http() but decodes the body as JSON (None when empty or not
    JSON). Returns (status, json_value)."""
    status, _, payload = http(method, url, body, token, headers, timeout)
    try:
        return status, json.loads(payload) if payload else None
    except ValueError:
        return status, None


class SSEClient:
    """A minimal Server-Sent Events reader.

        with SSEClient(s.gateway_url + "/api/events?rooms=downloads", token) as ev:
            kind, data = ev.next_event(timeout=5)   # data: str (joined lines)
    """

    def __init__(self, url, token=None, headers=None, timeout=10):
        parsed = urllib.parse.urlsplit(url)
        self.conn = http_client.HTTPConnection(parsed.hostname, parsed.port,
                                               timeout=timeout)
        path = parsed.path + ("?" + parsed.query if parsed.query else "")
        hdrs = {"Accept": "text/event-stream"}
        hdrs.update(headers or {})
        if token:
            hdrs["Authorization"] = "Bearer " + token
        self.conn.request("GET", path, headers=hdrs)
        self.response = self.conn.getresponse()
        self.status = self.response.status
        self.headers = self.response.headers
        self.last_id = None

    def next_event(self, timeout=10):
        """Returns (event, data) of the next event (comments skipped);
        raises socket.timeout / TimeoutError when none arrives in time."""
        self.conn.sock.settimeout(timeout)
        kind, data = "message", []
        while True:
            line = self.response.readline()  # de-chunked
            if not line:
                raise EOFError("event stream closed")
            line = line.decode("utf-8").rstrip("\r\n")
            if not line:
                if data:
                    return kind, "\n".join(data)
                kind = "message"
                continue
            if line.startswith(":"):
                continue
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "event":
                kind = value
            elif field == "data":
                data.append(value)
            elif field == "id":
                self.last_id = value

    def close(self):
        try:
            self.conn.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def sha256_file(path):
    """Lowercase hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def make_media(path, seconds=None, size=None, seed=0):
    """Creates a test file and returns its path.

    seconds=N: a real, small H.264/AAC MP4 of N seconds made by ffmpeg from
    its test sources (320x240, 25 fps). size=N: N bytes of deterministic
    pseudo-random data (the same `seed` and size give the same bytes), fast
    enough for files of hundreds of megabytes."""
    if (seconds is None) == (size is None):
        raise ValueError("give exactly one of seconds or size")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    if seconds is not None:
        cmd = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
               "-f", "lavfi", "-i",
               "testsrc=duration=%s:size=320x240:rate=25" % seconds,
               "-f", "lavfi", "-i", "sine=frequency=440:duration=%s" % seconds,
               "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
               "-c:a", "aac", "-b:a", "64k", "-shortest",
               "-movflags", "+faststart", path]
        subprocess.run(cmd, check=True, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return path
    rng = random.Random(seed)
    remaining = int(size)
    with open(path, "wb") as f:
        while remaining > 0:
            n = min(remaining, 1 << 20)
            f.write(rng.randbytes(n))
            remaining -= n
    return path


def _parent_death_signal(sig):
    """preexec_fn: the child gets `sig` when the harness dies, so a killed
    test never leaves servers behind (Linux only; best effort)."""
    def apply():
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(sig), 0, 0, 0)  # PR_SET_PDEATHSIG
        except Exception:  # noqa: BLE001
            pass
    return apply


def _tail(path, lines=40):
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 16384))
            text = f.read().decode("utf-8", "replace")
        return "\n".join(text.splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _sanitizer_excerpt(path, lines=60):
    """The first sanitizer report of a log, for the test output."""
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return "(no log)"
    for i, line in enumerate(text):
        if any(m in line for m in _SANITIZER_MARKERS):
            return "\n".join(text[max(0, i - 2):i + lines])
    return ""


def _wait_tcp(port, proc, timeout, what, log_path=None):
    def up():
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("%s exited with %s:\n%s" % (
                what, proc.returncode, _tail(log_path) if log_path else ""))
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    deadline = time.monotonic() + timeout
    while True:
        try:
            return up()
        except RuntimeError:
            raise
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError("%s did not listen on %d within %.0fs:\n%s" % (
                    what, port, timeout, _tail(log_path) if log_path else ""))
            time.sleep(0.05)


# -- PostgreSQL --------------------------------------------------------------
#
# Same semantics as scripts/lib/postgres.sh: run as the invoking user, or as
# the system user `kumo` when root (PostgreSQL refuses root); trust auth on
# 127.0.0.1; database `kumo` owned by role `kumo`. One initdb'd template per
# process (role and database already created) is copied for every Stack.
# fsync is off by default (KUMO_TEST_PG_FSYNC=on turns it on): the fault tests
# kill processes, never the machine, so nothing written is lost, and the
# shared CI disk stays fast.

def _pg_bin():
    dirs = sorted((d for d in os.listdir("/usr/lib/postgresql")
                   if os.path.isdir("/usr/lib/postgresql/%s/bin" % d)),
                  key=lambda v: [int(x) for x in re.findall(r"\d+", v)])
    if not dirs:
        raise FileNotFoundError("PostgreSQL server not installed")
    return "/usr/lib/postgresql/%s/bin" % dirs[-1]


def _pg_user():
    if os.getuid() != 0:
        return None
    try:
        pwd.getpwnam("kumo")
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell",
                        "/usr/sbin/nologin", "kumo"], check=True)
    return "kumo"


def _pg_popen_kwargs():
    user = _pg_user()
    if user is None:
        return {}
    entry = pwd.getpwnam(user)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _chown_for_pg(path):
    user = _pg_user()
    if user is None:
        return
    entry = pwd.getpwnam(user)
    os.chown(path, entry.pw_uid, entry.pw_gid)


_template_lock = threading.Lock()
_template_dir = None
_process_tmp = None


def _remove_stale_harness_tmp():
    """Removes the per-process folders of harness processes that died
    without cleaning up (e.g. killed by a test timeout)."""
    for name in os.listdir("/tmp"):
        m = re.match(r"^kumo-harness-(\d+)-", name)
        if m and not os.path.exists("/proc/%s" % m.group(1)):
            shutil.rmtree(os.path.join("/tmp", name), ignore_errors=True)


def _harness_tmp():
    """A per-process folder (for the PostgreSQL template), removed at exit."""
    global _process_tmp
    if _process_tmp is None:
        _remove_stale_harness_tmp()
        _process_tmp = tempfile.mkdtemp(
            prefix="kumo-harness-%d-" % os.getpid(), dir="/tmp")
        os.chmod(_process_tmp, 0o755)
        atexit.register(shutil.rmtree, _process_tmp, True)
    return _process_tmp


def _pg_server_args(datadir, port, extra=None):
    args = [os.path.join(_pg_bin(), "postgres"), "-D", datadir, "-p", str(port),
            "-k", datadir, "-c", "listen_addresses=127.0.0.1",
            "-c", "fsync=%s" % os.environ.get("KUMO_TEST_PG_FSYNC", "off"),
            "-c", "max_connections=300",
            "-c", "logging_collector=off"]
    for key, value in (extra or {}).items():
        args += ["-c", "%s=%s" % (key, value)]
    return args


def _pg_template():
    global _template_dir
    with _template_lock:
        if _template_dir is not None:
            return _template_dir
        base = _harness_tmp()
        datadir = os.path.join(base, "pg-template")
        os.mkdir(datadir, 0o700)
        _chown_for_pg(datadir)
        kwargs = _pg_popen_kwargs()
        subprocess.run([os.path.join(_pg_bin(), "initdb"), "-D", datadir, "-U",
                        "postgres", "--auth=trust", "-E", "UTF8",
                        "--no-instructions", "--no-sync", "--wal-segsize=1"],
                       check=True, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       cwd=base, **kwargs)
        port = free_port()
        log_path = os.path.join(base, "pg-template.log")
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(_pg_server_args(datadir, port),
                                    stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT,
                                    preexec_fn=_parent_death_signal(signal.SIGQUIT),
                                    cwd=base, **kwargs)
        try:
            _pg_wait_ready(port, proc, log_path, 60)
            for sql in ("CREATE ROLE kumo LOGIN",
                        "CREATE DATABASE kumo OWNER kumo"):
                _psql(port, sql, user="postgres", db="postgres")
        finally:
            proc.send_signal(signal.SIGINT)  # fast shutdown: clean checkpoint
            proc.wait(60)
        _template_dir = datadir
        return datadir


def _psql(port, sql, user="kumo", db="kumo", timeout=60):
    out = subprocess.run(
        ["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1",
         "-h", "127.0.0.1", "-p", str(port), "-U", user, "-d", db,
         "-F", "\x1f", "-R", "\x1e", "-c", sql],
        stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout,
        env=dict(os.environ, PGCONNECT_TIMEOUT="5"))
    if out.returncode != 0:
        raise RuntimeError("psql failed (%d): %s\n%s" % (
            out.returncode, sql, out.stderr.decode("utf-8", "replace")))
    text = out.stdout.decode("utf-8")
    if text.endswith("\n"):
        text = text[:-1]
    return [tuple(r.split("\x1f")) for r in text.split("\x1e") if r != ""]


def _pg_wait_ready(port, proc, log_path, timeout):
    def ready():
        if proc.poll() is not None:
            raise RuntimeError("postgres exited with %s:\n%s" % (
                proc.returncode, _tail(log_path)))
        r = subprocess.run([os.path.join(_pg_bin(), "pg_isready"), "-q", "-h",
                            "127.0.0.1", "-p", str(port), "-t", "1"],
                           stdin=subprocess.DEVNULL)
        return r.returncode == 0
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise TimeoutError("postgres not ready on %d:\n%s" % (
                port, _tail(log_path)))
        time.sleep(0.05)


# -- services ----------------------------------------------------------------

class Service:
    """One Kumo service process started by a Stack."""

    def __init__(self, stack, name, env, log_path, binary):
        self.stack = stack
        self.name = name
        self.env = env
        self.log_path = log_path
        self.binary = binary
        self.instance = env.get("KUMO_INSTANCE", "")
        self.admin_port = int(env["KUMO_ADMIN_PORT"])
        self.admin_url = "http://127.0.0.1:%d" % self.admin_port
        self.http_port = int(env["KUMO_HTTP_PORT"]) if "KUMO_HTTP_PORT" in env else None
        self.url = ("http://127.0.0.1:%d" % self.http_port) if self.http_port else None
        self.library_root = env.get("KUMO_LIBRARY_ROOT")
        self.proc = None
        self.started_at = None

    def _launch(self):
        log = open(self.log_path, "ab")
        try:
            log.write(("--- start %s %s\n" % (self.name, time.strftime(
                "%H:%M:%S"))).encode())
            log.flush()
            self.proc = subprocess.Popen(
                [self.binary], env=self.env, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                preexec_fn=_parent_death_signal(signal.SIGKILL))
        finally:
            log.close()
        self.started_at = time.monotonic()
        return self

    @property
    def pid(self):
        return self.proc.pid

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def readyz(self, timeout=2):
        """Status code of GET /readyz (0 when the port does not answer)."""
        try:
            return http("GET", self.admin_url + "/readyz", timeout=timeout)[0]
        except OSError:
            return 0

    def livez(self, timeout=2):
        try:
            return http("GET", self.admin_url + "/livez", timeout=timeout)[0]
        except OSError:
            return 0

    def metrics(self, timeout=5):
        """The /metrics text."""
        status, _, body = http("GET", self.admin_url + "/metrics", timeout=timeout)
        if status != 200:
            raise RuntimeError("/metrics answered %d" % status)
        return body.decode()

    def wait_ready(self, timeout=20):
        """Polls /readyz until 200. Raises (with the log tail) when the
        process exits or the timeout passes."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.running():
                raise RuntimeError("%s exited with %s before it was ready:\n%s" % (
                    self.name, self.proc.returncode, _tail(self.log_path)))
            if self.readyz(timeout=1) == 200:
                return self
            if time.monotonic() > deadline:
                raise TimeoutError("%s not ready within %ss:\n%s" % (
                    self.name, timeout, _tail(self.log_path)))
            time.sleep(0.05)

    def send_signal(self, sig):
        """Sends `sig` (e.g. SIGSTOP/SIGCONT) when the process runs."""
        if self.running():
            self.proc.send_signal(sig)

    def kill(self, sig=signal.SIGKILL):
        """Sends `sig`; for SIGKILL also waits for the process to be gone."""
        if self.running():
            self.proc.send_signal(sig)
            if sig == signal.SIGKILL:
                self.proc.wait(30)

    def wait_exit(self, timeout=30):
        """Waits for the process to exit; returns its exit code."""
        return self.proc.wait(timeout)

    def stop(self, timeout=30):
        """SIGTERM, then waits up to `timeout` seconds (SIGKILL after that).
        Returns the exit code (negative: killed by that signal)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGCONT)
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(30)
        return self.proc.returncode

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def logs(self):
        """Every JSON log line as a dict (other lines skipped)."""
        out = []
        for line in self.log_text().splitlines():
            line = line.strip()
            if line.startswith("{"):
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
        return out

    def wait_log(self, predicate, timeout=10):
        """Waits for a JSON log line for which predicate(line) is true."""
        return wait_until(lambda: next((l for l in self.logs() if predicate(l)),
                                       None),
                          timeout=timeout, what="log line of " + self.name)

    def __repr__(self):
        return "<Service %s pid=%s admin=%s>" % (
            self.name, self.proc.pid if self.proc else None, self.admin_port)


# -- the stack ---------------------------------------------------------------

class Stack:
    """Servers for one test, in one temporary folder (see module doc)."""

    def __init__(self, name="kumo", keep_tmp=None):
        self.name = name
        self.keep_tmp = (os.environ.get("KUMO_KEEP_TMP") == "1"
                         if keep_tmp is None else keep_tmp)
        self.tmp = tempfile.mkdtemp(prefix="kumo-%s-" % re.sub(
            r"[^A-Za-z0-9_.-]", "_", name), dir="/tmp")
        # The unprivileged PostgreSQL user must be able to reach its folder.
        os.chmod(self.tmp, 0o755)
        self.services = []
        self._counts = {}
        self.pg_port = None
        self.pg_url = None
        self.pg_dir = None
        self._pg = None
        self.nats_port = None
        self.nats_url = None
        self.nats_plain_url = None
        self.nats_passwords = {}
        self._nats = None
        self.nats_dir = None
        self.nginx_port = None
        self.origin_url = None
        self.nginx_access_log = None
        self.nginx_root = None
        self._nginx = None
        self._nginx_limit_rate = None
        self.gateway_url = None
        self.gateway = None
        # The downloader's library (KUMO_LIBRARY_ROOT); tests may fill it
        # before any service starts.
        self.library_root = self.path("library")
        os.makedirs(self.library_root)
        self.token = None
        self.password = DEFAULT_PASSWORD
        self._closed = False
        atexit.register(self.close)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        failed = self.close()
        if failed and exc_type is None:
            raise AssertionError("sanitizer reports in service logs:\n"
                                 + "\n".join(failed))
        return False

    def path(self, *parts):
        """A path inside the stack's temporary folder."""
        return os.path.join(self.tmp, *parts)

    # -- PostgreSQL --

    def start_postgres(self, settings=None, timeout=60):
        """Starts PostgreSQL (first call: a fresh cluster from the template;
        later calls: the same data folder and port). Sets pg_url."""
        if self._pg is not None and self._pg.poll() is None:
            return self.pg_url
        kwargs = _pg_popen_kwargs()
        if self.pg_dir is None:
            template = _pg_template()
            self.pg_dir = self.path("pg")
            subprocess.run(["cp", "-a", template, self.pg_dir], check=True)
            os.chmod(self.pg_dir, 0o700)
            self.pg_port = free_port()
            self.pg_url = "postgresql://kumo@127.0.0.1:%d/kumo" % self.pg_port
            self._pg_settings = dict(settings or {})
        elif settings:
            self._pg_settings.update(settings)
        log_path = self.path("postgres.log")
        with open(log_path, "ab") as log:
            self._pg = subprocess.Popen(
                _pg_server_args(self.pg_dir, self.pg_port, self._pg_settings),
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True, cwd=self.tmp,
                preexec_fn=_parent_death_signal(signal.SIGQUIT), **kwargs)
        _pg_wait_ready(self.pg_port, self._pg, log_path, timeout)
        return self.pg_url

    def stop_postgres(self, mode="fast", timeout=60):
        """Stops PostgreSQL: "smart" (SIGTERM), "fast" (SIGINT, default) or
        "immediate" (SIGQUIT, no checkpoint: crash recovery on restart)."""
        sig = {"smart": signal.SIGTERM, "fast": signal.SIGINT,
               "immediate": signal.SIGQUIT}[mode]
        if self._pg is None or self._pg.poll() is not None:
            return
        self._pg.send_signal(sig)
        try:
            self._pg.wait(timeout)
        except subprocess.TimeoutExpired:
            self._pg.kill()
            self._pg.wait(30)

    def psql(self, sql, user="kumo", db="kumo"):
        """Runs SQL through psql; returns rows as tuples of str (NULL: "")."""
        if self.pg_port is None:
            raise RuntimeError("PostgreSQL not started")
        return _psql(self.pg_port, sql, user=user, db=db)

    # -- NATS --

    def start_nats(self, timeout=20):
        """Starts nats-server with JetStream and authorization (same port,
        store and passwords on every call). The users and permissions are
        Kumo's own (deploy/nats/permissions.json, through
        scripts/lib/nats_config.py): each service logs in as itself, tests
        as `admin` (every subject). Sets nats_url (with the admin's
        credentials in it, for NatsClient and tools), nats_plain_url and
        nats_passwords; returns nats_url."""
        if self._nats is not None and self._nats.poll() is None:
            return self.nats_url
        if self.nats_port is None:
            self.nats_port = free_port()
            self.nats_dir = self.path("nats")
            os.makedirs(self.nats_dir, exist_ok=True)
            self.nats_passwords = nats_config.write_config(
                self.path("nats-server.conf"), self.nats_port, self.nats_dir,
                self.path("secrets"), name="kumo-test")
            self.nats_plain_url = "nats://127.0.0.1:%d" % self.nats_port
            self.nats_url = self.nats_url_as("admin")
        log_path = self.path("nats.log")
        with open(log_path, "ab") as log:
            self._nats = subprocess.Popen(
                ["nats-server", "-c", self.path("nats-server.conf")],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_parent_death_signal(signal.SIGKILL))
        _wait_tcp(self.nats_port, self._nats, timeout, "nats-server", log_path)
        return self.nats_url

    def nats_url_as(self, user):
        """nats://<user>:<password>@127.0.0.1:<port> for a user of the
        permission table (a service name or "admin")."""
        return "nats://%s:%s@127.0.0.1:%d" % (
            user, self.nats_passwords[user], self.nats_port)

    def nats_client(self, user="admin", name=None):
        """A mini_nats.NatsClient logged in as `user` (a service name or
        "admin"), its requests answered on that user's inbox prefix."""
        from mini_nats import NatsClient
        return NatsClient(self.nats_plain_url, name=name or "test-" + user,
                          user=user, password=self.nats_passwords[user],
                          inbox_prefix="_INBOX." + user)

    def stop_nats(self, mode="term", timeout=30):
        """Stops nats-server: "term" (SIGTERM, graceful) or "kill"."""
        if self._nats is None or self._nats.poll() is not None:
            return
        self._nats.send_signal(signal.SIGKILL if mode == "kill" else signal.SIGTERM)
        try:
            self._nats.wait(timeout)
        except subprocess.TimeoutExpired:
            self._nats.kill()
            self._nats.wait(30)

    # -- nginx origin --

    def start_nginx(self, root_dir=None, limit_rate=None, timeout=20,
                    locations=None):
        """Serves `root_dir` (default: a folder in the stack) over HTTP with
        nginx (ranges, ETag on). `limit_rate`: bytes per second per
        connection (int) or nginx syntax ("1m"). `locations`: extra nginx
        text for the server block, e.g. 'location /norange/ { max_ranges 0; }'.
        Sets origin_url and nginx_access_log (lines "$request $status
        $http_range $body_bytes_sent", see nginx_requests(); more fields in
        nginx_requests_detail()). Restarting keeps the port."""
        if self._nginx is not None and self._nginx.poll() is None:
            self.stop_nginx()
        if root_dir is None:
            root_dir = self.nginx_root or self.path("origin")
        os.makedirs(root_dir, exist_ok=True)
        self.nginx_root = os.path.abspath(root_dir)
        self._nginx_limit_rate = limit_rate
        if self.nginx_port is None:
            self.nginx_port = free_port()
            self.origin_url = "http://127.0.0.1:%d" % self.nginx_port
        prefix = self.path("nginx")
        for sub in ("", "tmp"):
            os.makedirs(os.path.join(prefix, sub), exist_ok=True)
        self.nginx_access_log = os.path.join(prefix, "access.log")
        conf = os.path.join(prefix, "nginx.conf")
        rate = "" if not limit_rate else "    limit_rate %s;\n" % limit_rate
        tmpdir = os.path.join(prefix, "tmp")
        with open(conf, "w") as f:
            f.write("""daemon off;
master_process off;
worker_processes 1;
pid %(prefix)s/nginx.pid;
error_log %(prefix)s/error.log info;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  log_format kumo '$request $status $http_range $body_bytes_sent';
  access_log %(access)s kumo;
  log_format kumo_timing '$msec $request_time $status $request';
  access_log %(timing)s kumo_timing;
  log_format kumo_detail '$msec $request_time $status $body_bytes_sent '
                         '"$request" "$http_range" "$http_if_range" '
                         '"$sent_http_content_range" "$sent_http_etag"';
  access_log %(detail)s kumo_detail;
  client_body_temp_path %(tmp)s/body;
  proxy_temp_path %(tmp)s/proxy;
  fastcgi_temp_path %(tmp)s/fastcgi;
  uwsgi_temp_path %(tmp)s/uwsgi;
  scgi_temp_path %(tmp)s/scgi;
  sendfile on;
  etag on;
  keepalive_timeout 30;
  server {
    listen 127.0.0.1:%(port)d;
    root %(root)s;
%(rate)s    location / { }
%(locations)s
  }
}
""" % {"prefix": prefix, "access": self.nginx_access_log, "tmp": tmpdir,
       "port": self.nginx_port, "root": self.nginx_root, "rate": rate,
       "timing": os.path.join(prefix, "timing.log"),
       "detail": os.path.join(prefix, "detail.log"),
       "locations": locations or ""})
        log_path = os.path.join(prefix, "stderr.log")
        with open(log_path, "ab") as log:
            self._nginx = subprocess.Popen(
                ["/usr/sbin/nginx", "-p", prefix, "-e", prefix + "/error.log",
                 "-c", conf],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_parent_death_signal(signal.SIGKILL))
        _wait_tcp(self.nginx_port, self._nginx, timeout, "nginx",
                  os.path.join(prefix, "error.log"))
        return self.origin_url

    def stop_nginx(self, timeout=20):
        if self._nginx is None or self._nginx.poll() is not None:
            return
        self._nginx.send_signal(signal.SIGQUIT)  # graceful
        try:
            self._nginx.wait(timeout)
        except subprocess.TimeoutExpired:
            self._nginx.kill()
            self._nginx.wait(30)

    def nginx_request_starts(self):
        """(start time as Unix seconds, status, path) of every request the
        origin finished, from nginx's $msec - $request_time."""
        out = []
        path = os.path.join(self.path("nginx"), "timing.log")
        if not os.path.exists(path):
            return out
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) < 5:
                    continue
                out.append((float(parts[0]) - float(parts[1]), int(parts[2]),
                            parts[4]))
        return out

    def nginx_requests_detail(self):
        """The origin's requests as dicts: start (Unix seconds), end, status
        (int), bytes (int), method, path, range, if_range, content_range,
        etag ("" when absent)."""
        out = []
        path = os.path.join(self.path("nginx"), "detail.log")
        if not os.path.exists(path):
            return out
        pattern = re.compile(r'^(\S+) (\S+) (\d{3}) (\d+) "(\S+) (\S+)[^"]*" '
                             r'"([^"]*)" "([^"]*)" "([^"]*)" "([^"]*)"$')
        with open(path) as f:
            for line in f:
                m = pattern.match(line.rstrip("\n"))
                if not m:
                    continue
                def dash(v):  # nginx logs "-" for none, \x22 for a quote
                    return "" if v == "-" else v.replace("\\x22", '"')
                end = float(m.group(1))
                out.append({"start": end - float(m.group(2)), "end": end,
                            "status": int(m.group(3)), "bytes": int(m.group(4)),
                            "method": m.group(5), "path": m.group(6),
                            "range": dash(m.group(7)),
                            "if_range": dash(m.group(8)),
                            "content_range": dash(m.group(9)),
                            "etag": dash(m.group(10))})
        return out

    def nginx_requests(self):
        """The origin's access log as dicts: method, path, status (int),
        range ("" when none), bytes (int)."""
        out = []
        if not self.nginx_access_log or not os.path.exists(self.nginx_access_log):
            return out
        pattern = re.compile(r"^(\S+) (\S+) (\S+) (\d{3}) (\S+) (\d+)$")
        with open(self.nginx_access_log) as f:
            for line in f:
                m = pattern.match(line.rstrip("\n"))
                if not m:
                    continue
                out.append({"method": m.group(1), "path": m.group(2),
                            "status": int(m.group(4)),
                            "range": "" if m.group(5) == "-" else m.group(5),
                            "bytes": int(m.group(6))})
        return out

    # -- services --

    def service_env(self, name, env=None):
        """The environment start_service() would give `name`."""
        full = {k: v for k, v in os.environ.items() if not k.startswith("KUMO_")}
        for key, value in _SANITIZER_ENV.items():
            full.setdefault(key, value)
        count = self._counts.get(name, 0) + 1
        self._counts[name] = count
        full["KUMO_INSTANCE"] = "%s-%d" % (name, count)
        full["KUMO_ADMIN_PORT"] = str(free_port())
        full["KUMO_LOG_LEVEL"] = os.environ.get("KUMO_TEST_LOG_LEVEL", "info")
        if self.nats_url:
            full["KUMO_NATS_URL"] = self.nats_plain_url
            if name in self.nats_passwords:
                full["KUMO_NATS_USER"] = name
                full["KUMO_NATS_PASSWORD"] = self.nats_passwords[name]
        if self.pg_url:
            full["KUMO_DATABASE_URL"] = self.pg_url
        if name == "gateway":
            full["KUMO_HTTP_PORT"] = str(free_port())
        if name == "downloader":
            full["KUMO_LIBRARY_ROOT"] = self.library_root
        if name == "scanner":
            # The tests drive the library-import flow (unmatched folders,
            # series_add from_unmatched); the default, folders made series
            # by the scan, is tested by test_scanner_auto_add.py.
            full["KUMO_SCAN_AUTO_ADD"] = "false"
        if name in ("queue", "gateway"):
            # Test origins serve on 127.0.0.1: the add-time address check
            # opens it as the downloader's allowlist does in the tests.
            full["KUMO_FETCH_ALLOW_CIDRS"] = "127.0.0.1/32"
        for key, value in (env or {}).items():
            if value is None:
                full.pop(key, None)
            else:
                full[key] = str(value)
        return full

    def start_service(self, name, env=None):
        """Starts service `name` (not waiting; see Service.wait_ready).
        `env` overrides the pre-filled KUMO_* values; None removes one."""
        full = self.service_env(name, env)
        log_path = self.path("%s.log" % full["KUMO_INSTANCE"])
        svc = Service(self, name, full, log_path, service_binary(name))
        svc._launch()
        self.services.append(svc)
        if name == "gateway" and svc.url:
            self.gateway = svc
            self.gateway_url = svc.url
        return svc

    def start_all(self, names=SERVICES, env=None, timeout=30):
        """Starts the given services and waits until every one is ready.
        `env`: {name: {KEY: value}} overrides per service."""
        started = [self.start_service(n, (env or {}).get(n)) for n in names]
        for svc in started:
            svc.wait_ready(timeout)
        return {svc.name: svc for svc in started}

    def restart_service(self, svc, wait=False, timeout=30):
        """Starts `svc` again with the same environment (same admin/HTTP
        ports and instance name); stops it first (SIGTERM) if it still runs.
        Returns svc."""
        if svc.running():
            svc.stop()
        svc._launch()
        if wait:
            svc.wait_ready(timeout)
        return svc

    def login(self, password=None):
        """A bearer token for the gateway: sets the master password on first
        use (POST /api/auth/setup, 409 ignored), then POST /api/auth/login."""
        if self.gateway_url is None:
            raise RuntimeError("no gateway started")
        password = password or self.password
        status, _, body = http("POST", self.gateway_url + "/api/auth/setup",
                               {"password": password})
        if status not in (200, 201, 204, 409):
            raise RuntimeError("auth setup answered %d: %s" % (status, body[:500]))
        status, _, body = http("POST", self.gateway_url + "/api/auth/login",
                               {"password": password})
        if status != 200:
            raise RuntimeError("login answered %d: %s" % (status, body[:500]))
        self.token = json.loads(body)["token"]
        return self.token

    # -- teardown --

    def sanitizer_reports(self):
        """Lines of service logs that report ASan/UBSan/LSan findings."""
        found = []
        for svc in self.services:
            try:
                text = svc.log_text()
            except OSError:
                continue
            for line in text.splitlines():
                if any(m in line for m in _SANITIZER_MARKERS):
                    found.append("%s: %s" % (svc.instance, line.strip()))
        return found

    def close(self):
        """Stops everything (services: SIGTERM, then SIGKILL after 10 s) and
        removes the folder. Returns sanitizer findings. Idempotent."""
        if self._closed:
            return []
        self._closed = True
        running = [s for s in self.services if s.running()]
        for svc in running:
            try:
                svc.proc.send_signal(signal.SIGCONT)
                svc.proc.send_signal(signal.SIGTERM)
            except OSError:
                pass
        deadline = time.monotonic() + 10
        for svc in running:
            try:
                code = svc.proc.wait(max(0.1, deadline - time.monotonic()))
                if code != 0:
                    print("kumo_harness: %s exited with %d on SIGTERM (log: %s)"
                          % (svc.instance, code, svc.log_path), file=sys.stderr)
            except subprocess.TimeoutExpired:
                print("kumo_harness: %s ignored SIGTERM for 10 s; killed"
                      % svc.instance, file=sys.stderr)
                svc.proc.kill()
                svc.proc.wait(30)
        self.stop_nginx()
        self.stop_nats()
        self.stop_postgres("immediate")
        reports = self.sanitizer_reports()
        for svc in self.services:
            if any(r.startswith(svc.instance + ":") for r in reports):
                print("kumo_harness: sanitizer report in %s:\n%s" % (
                    svc.instance, _sanitizer_excerpt(svc.log_path)), file=sys.stderr)
        if self.keep_tmp:
            print("kumo_harness: kept %s" % self.tmp, file=sys.stderr)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)
        return reports


def _exit_on_sigterm():
    """A SIGTERM (e.g. a CTest timeout) runs the normal clean-up."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


_exit_on_sigterm()
