"""A tiny NATS client for tests and benchmarks (Python 3 standard library).

The NATS client protocol is text over TCP: the server greets with INFO, the
client sends CONNECT {...}, then PUB <subject> [reply] <n>\\r\\n<payload>\\r\\n,
SUB <subject> [group] <sid>, and answers PING with PONG. Messages arrive as
MSG <subject> <sid> [reply] <n>\\r\\n<payload>\\r\\n.

    nc = NatsClient(stack.nats_url)
    nc.publish("kumo.progress.download", json.dumps({...}))
    reply = nc.request("kumo.progress.snapshot", b"{}", timeout=2)
    sid = nc.subscribe("kumo.events.*"); msg = nc.next_message(sid, timeout=5)
    nc.close()

With authorization on (every Kumo stack), pass the user and password, or put
them into the URL (nats://user:password@host:port, as Stack.nats_url does).
A refused login raises NatsError("... Authorization Violation"); a refused
publish or subscription only shows up in `errors` (see wait_error).
"""

import json
import queue
import socket
import threading
import time
import urllib.parse
import uuid


class NatsError(Exception):
    pass


class NatsClient:
    def __init__(self, url, name="kumo-test", timeout=5.0, user=None,
                 password=None, inbox_prefix="_INBOX.mini"):
        parsed = urllib.parse.urlsplit(url.split(",")[0])
        if user is None and parsed.username:
            user = urllib.parse.unquote(parsed.username)
            password = urllib.parse.unquote(parsed.password or "")
        self.inbox_prefix = inbox_prefix
        self.sock = socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or 4222), timeout=timeout)
        self.sock.settimeout(None)
        self.file = self.sock.makefile("rb")
        self.lock = threading.Lock()
        self.subs = {}          # sid -> queue of (subject, reply, payload)
        self.next_sid = 1
        self.pongs = queue.Queue()
        self.errors = []
        info = self.file.readline()
        if not info.startswith(b"INFO "):
            raise NatsError("unexpected greeting: %r" % info[:80])
        connect = {"verbose": False, "pedantic": False, "name": name,
                   "lang": "python-mini", "version": "0", "protocol": 1}
        if user is not None:
            connect["user"] = user
            connect["pass"] = password or ""
        self._send(b"CONNECT " + json.dumps(connect).encode() + b"\r\nPING\r\n")
        self.sock.settimeout(timeout)
        try:
            self._await_login()
        except (OSError, NatsError):
            self.close()
            raise
        self.sock.settimeout(None)
        self.reader = threading.Thread(target=self._read_loop, daemon=True)
        self.reader.start()

    def _await_login(self):
        """Reads up to the PONG answering our first PING; the server says
        -ERR (and hangs up) instead when it refuses the login."""
        while True:
            line = self.file.readline()
            if not line:
                raise NatsError("connection closed during login")
            if line.startswith(b"-ERR"):
                raise NatsError(line.decode(errors="replace").strip())
            if line.startswith(b"PING"):
                self._send(b"PONG\r\n")
            elif line.startswith(b"PONG"):
                return

    # -- sending --

    def _send(self, data):
        with self.lock:
            self.sock.sendall(data)

    def publish(self, subject, payload, reply=None):
        if isinstance(payload, str):
            payload = payload.encode()
        head = "PUB %s %s%d\r\n" % (subject, (reply + " ") if reply else "",
                                     len(payload))
        self._send(head.encode() + payload + b"\r\n")

    def flush(self, timeout=5.0):
        """Round trip to the server: everything sent before has been
        processed by it when this returns."""
        self._send(b"PING\r\n")
        try:
            self.pongs.get(timeout=timeout)
        except queue.Empty:
            raise NatsError("no PONG within %ss" % timeout)

    def subscribe(self, subject, group=None):
        with self.lock:
            sid = self.next_sid
            self.next_sid += 1
            self.subs[sid] = queue.Queue()
        line = "SUB %s %s%d\r\n" % (subject, (group + " ") if group else "", sid)
        self._send(line.encode())
        return sid

    def unsubscribe(self, sid):
        self._send(b"UNSUB %d\r\n" % sid)
        with self.lock:
            self.subs.pop(sid, None)

    def next_message(self, sid, timeout=5.0):
        """(subject, reply, payload bytes) of the next message on `sid`."""
        try:
            return self.subs[sid].get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError("no message within %ss" % timeout)

    def request(self, subject, payload, timeout=5.0):
        """Payload of the first reply; TimeoutError when none comes."""
        inbox = "%s.%s" % (self.inbox_prefix, uuid.uuid4().hex)
        sid = self.subscribe(inbox)
        try:
            self.publish(subject, payload, reply=inbox)
            return self.next_message(sid, timeout)[2]
        finally:
            self.unsubscribe(sid)

    def wait_error(self, text, timeout=5.0):
        """The first -ERR line from the server containing `text` (e.g.
        "Permissions Violation"); TimeoutError when none arrives."""
        deadline = time.monotonic() + timeout
        while True:
            for line in list(self.errors):
                if text in line:
                    return line
            if time.monotonic() >= deadline:
                raise TimeoutError("no -ERR with %r within %ss (got %r)"
                                   % (text, timeout, self.errors))
            time.sleep(0.05)

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()

    # -- receiving --

    def _read_loop(self):
        try:
            while True:
                line = self.file.readline()
                if not line:
                    return
                if line.startswith(b"MSG "):
                    self._on_msg(line)
                elif line.startswith(b"PING"):
                    self._send(b"PONG\r\n")
                elif line.startswith(b"PONG"):
                    self.pongs.put(True)
                elif line.startswith(b"-ERR"):
                    self.errors.append(line.decode(errors="replace").strip())
                # +OK and INFO need nothing
        except (OSError, ValueError):
            return

    def _on_msg(self, line):
        parts = line.decode().split()
        if len(parts) == 4:
            _, subject, sid, size = parts
            reply = None
        else:
            _, subject, sid, reply, size = parts
        payload = self.file.read(int(size) + 2)[:-2]
        with self.lock:
            box = self.subs.get(int(sid))
        if box is not None:
            box.put((subject, reply, payload))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
