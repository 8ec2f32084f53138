#!/usr/bin/env python3
"""Container images: scripts/images builds them, then each one is run.

Builds every image with scripts/images into a private buildah storage and
output folder (the Debian base tarball comes from the shared cache, so a warm
run costs a minute or two), then:

- each service image: the configuration says user 10001:10001 and
  ENTRYPOINT the service binary, with the org.opencontainers.image.* labels;
  the files are the binary, the shared libraries it needs, /etc/passwd,
  group, nsswitch.conf, CA roots, os-release and /tmp, nothing else: no
  shell, no package manager, no compiler, interpreter or busybox (every
  regular file is checked against that list and every executable outside
  the libraries is the service binary); nothing is writable by uid 10001
  but /tmp. The binary, run with `buildah run --isolation chroot` and a bad
  KUMO_THREADS, exits 2 naming `threads` (so the dynamic loader found every
  library inside the image).
- the all-in-one image: started with an empty /data, its stack answers
  /api/health 200 on a free loopback port well within two minutes; every
  process of the stack (PostgreSQL included) runs as uid 10001; the stack
  wrote nothing outside /data and /tmp (the image works on a read-only root
  filesystem); /data holds the database, NATS store, secrets (setup token)
  and library; SIGTERM stops it all, PostgreSQL included.

Skips (exit 77) only when buildah or mmdebstrap are missing and cannot be
installed. The images need a Release build: scripts/images makes it in
KUMO_IMAGES_BUILD_DIR (default build/ of the source tree).
"""
# ctest-properties: TIMEOUT 1500 RUN_SERIAL TRUE SKIP_RETURN_CODE 77

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))
from kumo_harness import free_port  # noqa: E402

ROOT = os.environ.get("KUMO_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))
SERVICES = ["gateway", "scanner", "queue", "downloader", "progress"]
UID = 10001
# Names that must not be found anywhere in a service image.
FORBIDDEN = {"sh", "bash", "dash", "busybox", "apt", "apt-get", "dpkg", "gcc", "cc",
             "c++", "g++", "ld", "as", "make", "perl", "python3", "curl", "wget"}


def version():
    with open(os.path.join(ROOT, "CMakeLists.txt")) as f:
        for line in f:
            if line.startswith("project(kumo VERSION "):
                return line.split()[2]
    raise RuntimeError("no project version in CMakeLists.txt")


def tools_available():
    if shutil.which("buildah") and shutil.which("mmdebstrap"):
        return True
    subprocess.run(["bash", "-c", "source scripts/lib/deps.sh && kumo_install_deps"],
                   cwd=ROOT, check=False)
    return bool(shutil.which("buildah") and shutil.which("mmdebstrap"))


def free_block(count):
    """A port p with p+1..p+count free on 127.0.0.1 (KUMO_ADMIN_PORT_BASE)."""
    import socket
    for _ in range(200):
        base = free_port()
        if base + count >= 65535:
            continue
        ok = True
        for port in range(base + 1, base + count + 1):
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    raise RuntimeError("no free block of ports")


class ImagesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="kumo-images-", dir="/tmp")
        os.chmod(cls.tmp, 0o755)
        cls.storage = os.path.join(cls.tmp, "storage")
        cls.out = os.path.join(cls.tmp, "out")
        cls.version = version()
        env = dict(os.environ)
        env.update({"KUMO_IMAGES_OUT": cls.out, "KUMO_IMAGES_STORAGE": cls.storage,
                    "KUMO_BUILD_DIR": os.environ.get("KUMO_IMAGES_BUILD_DIR",
                                                     os.path.join(ROOT, "build"))})
        started = time.monotonic()
        proc = subprocess.run([os.path.join(ROOT, "scripts", "images")], env=env, cwd=ROOT,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True)
        print(proc.stdout + proc.stderr, flush=True)
        print("scripts/images took %.0fs" % (time.monotonic() - started), flush=True)
        if proc.returncode != 0:
            cls.tearDownClass()
            raise AssertionError("scripts/images failed with exit %d" % proc.returncode)

    @classmethod
    def tearDownClass(cls):
        if os.path.isdir(cls.storage):
            cls.buildah("rm", "--all", check=False)
            cls.buildah("rmi", "--all", "--force", check=False)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def buildah_cmd(cls, *args):
        return ["buildah", "--root", os.path.join(cls.storage, "root"), "--runroot",
                os.path.join(cls.storage, "run"), "--storage-driver", "vfs"] + list(args)

    @classmethod
    def buildah(cls, *args, check=True, **kwargs):
        proc = subprocess.run(cls.buildah_cmd(*args), capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, **kwargs)
        if check and proc.returncode != 0:
            raise AssertionError("buildah %s: exit %d: %s" % (args[0], proc.returncode,
                                                              proc.stderr))
        return proc

    def image_config(self, image):
        proc = self.buildah("inspect", "--type", "image", "kumo/%s:%s" % (image, self.version))
        return json.loads(proc.stdout)["OCIv1"]["config"]

    def container(self, image):
        name = "kumo-test-%s-%d" % (image, os.getpid())
        self.buildah("from", "--name", name, "kumo/%s:%s" % (image, self.version))
        self.addCleanup(self.buildah, "rm", name, check=False)
        mount = self.buildah("mount", name).stdout.strip()
        return name, mount

    def check_labels(self, config, title):
        labels = config.get("Labels") or {}
        self.assertEqual(labels.get("org.opencontainers.image.title"), title)
        self.assertEqual(labels.get("org.opencontainers.image.version"), self.version)
        for key in ("revision", "created", "description"):
            self.assertTrue(labels.get("org.opencontainers.image." + key), key)

    def test_archives(self):
        """Every archive exists; the service ones load back (`podman load`
        reads them through the same library) as the image that was built."""
        for image in SERVICES + ["all-in-one"]:
            path = os.path.join(self.out, "kumo-%s-%s.oci.tar" % (image, self.version))
            self.assertTrue(os.path.getsize(path) > 0, path)
            if image == "all-in-one":
                continue
            built = self.buildah("inspect", "--type", "image", "--format", "{{.FromImageID}}",
                                 "kumo/%s:%s" % (image, self.version)).stdout.strip()
            loaded = self.buildah("pull", "--quiet", "oci-archive:" + path).stdout.strip()
            self.assertEqual(loaded, built, image)

    def test_service_images(self):
        for svc in SERVICES:
            with self.subTest(service=svc):
                self.check_service_image(svc)

    def check_service_image(self, svc):
        binary = "/usr/local/bin/kumo-" + svc
        config = self.image_config(svc)
        self.assertEqual(config.get("User"), "%d:%d" % (UID, UID))
        self.assertEqual(config.get("Entrypoint"), [binary])
        self.check_labels(config, "kumo-" + svc)
        name, mount = self.container(svc)
        self.check_service_files(mount, binary)
        with open(os.path.join(mount, "etc/passwd")) as f:
            self.assertIn("kumo:x:%d:%d:" % (UID, UID), f.read())
        # A bad value: exit 2 and a line naming the option. The required
        # options are given so that the bad one is what stops it.
        for _ in range(3):
            proc = self.buildah("run", "--isolation", "chroot",
                                "--env", "KUMO_THREADS=lots",
                                "--env", "KUMO_DATABASE_URL=postgresql://kumo@127.0.0.1:9/kumo",
                                "--env", "KUMO_LIBRARY_ROOT=/tmp", name, "--", binary,
                                check=False, timeout=60)
            if proc.stdout.strip():
                break
            # buildah 1.28 now and then loses the output of a process that
            # exits at once; the exit status is still reported.
            print("%s: no output from buildah run (exit %d), again" % (svc, proc.returncode))
        self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
        line = json.loads(proc.stdout.strip().splitlines()[-1])
        self.assertEqual(line.get("option"), "threads", line)
        self.assertEqual(line.get("service"), svc, line)

    def check_service_files(self, mount, binary):
        allowed_dirs = ("usr/lib/x86_64-linux-gnu/", "usr/lib64/")
        allowed_files = {binary.lstrip("/"), "etc/passwd", "etc/group", "etc/nsswitch.conf",
                         "etc/ssl/certs/ca-certificates.crt", "usr/lib/os-release"}
        for dirpath, dirnames, filenames in os.walk(mount):
            for entry in dirnames + filenames:
                full = os.path.join(dirpath, entry)
                rel = os.path.relpath(full, mount)
                self.assertNotIn(entry, FORBIDDEN, rel)
                st = os.lstat(full)
                if stat.S_ISLNK(st.st_mode):
                    continue
                if stat.S_ISDIR(st.st_mode):
                    if rel != "tmp":
                        self.assertEqual(st.st_uid, 0, rel)
                        self.assertFalse(st.st_mode & 0o022, rel)
                    continue
                self.assertTrue(rel in allowed_files or rel.startswith(allowed_dirs), rel)
                self.assertTrue(stat.S_ISREG(st.st_mode), rel)
                self.assertEqual(st.st_uid, 0, rel)
                self.assertFalse(st.st_mode & 0o022, rel)
                if rel.startswith(allowed_dirs):
                    self.assertIn(".so", entry, rel)

    def test_all_in_one(self):
        config = self.image_config("all-in-one")
        self.assertEqual(config.get("User"), "%d:%d" % (UID, UID))
        self.assertIn("/data", config.get("Volumes") or {})
        self.check_labels(config, "kumo-all-in-one")
        name, mount = self.container("all-in-one")
        self.check_allinone_files(mount)
        st = os.stat(os.path.join(mount, "data"))
        self.assertEqual((st.st_uid, st.st_gid), (UID, UID))  # a new volume copies it
        # buildah 1.28 mounts an anonymous volume over /data that hides a
        # `--volume` bind; the container (not the image) drops it.
        self.buildah("config", "--volume", "/data-", name)
        data = os.path.join(self.tmp, "data")
        os.mkdir(data)
        os.chown(data, UID, UID)
        http_port = free_port()
        ports = {"KUMO_HTTP_BIND": "127.0.0.1", "KUMO_HTTP_PORT": str(http_port),
                 "KUMO_PG_PORT": str(free_port()), "KUMO_NATS_PORT": str(free_port()),
                 "KUMO_ADMIN_PORT_BASE": str(free_block(5))}
        env_args = [a for k, v in ports.items() for a in ("--env", "%s=%s" % (k, v))]
        time.sleep(1.1)  # file times below have a one-second grain on some file systems
        marker = time.time()
        token = None
        for start in ("first start", "second start, same /data"):
            log = open(os.path.join(self.tmp, "all-in-one.log"), "w+")
            proc = subprocess.Popen(
                self.buildah_cmd("run", "--isolation", "chroot", "--volume", data + ":/data",
                                 *env_args, name, "--", "/opt/kumo/scripts/run"),
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
            try:
                healthy_after = self.wait_healthy(proc, http_port, log,
                                                  logs=os.path.join(data, "log"))
                print("all-in-one: /api/health 200 after %.1fs (%s)" % (healthy_after, start))
                self.assertLess(healthy_after, 120)
                self.check_stack_users(proc.pid, data)
                for path in ("pg/PG_VERSION", "nats/nats-server.conf", "secrets/setup-token",
                             "library", "log/gateway.log"):
                    self.assertTrue(os.path.exists(os.path.join(data, path)), path)
                with open(os.path.join(data, "secrets", "setup-token")) as f:
                    token = token or f.read()
                    f.seek(0)
                    self.assertEqual(f.read(), token)  # state kept across restarts
            finally:
                self.stop(proc, data, log)
        self.check_writes(mount, marker)

    def check_allinone_files(self, mount):
        """No compiler, build tool, package downloader or privilege tool, and
        no setuid/setgid file (bash, coreutils, python3, perl and dpkg stay:
        scripts/run and PostgreSQL's own scripts need them)."""
        for folder in ("usr/bin", "usr/sbin", "usr/local/bin"):
            for tool in ("gcc", "cc", "c++", "g++", "clang", "make", "ld", "as", "apt",
                         "apt-get", "sudo", "wget"):
                self.assertFalse(os.path.lexists(os.path.join(mount, folder, tool)), tool)
        special = []
        for dirpath, _, filenames in os.walk(mount):
            for entry in filenames:
                st = os.lstat(os.path.join(dirpath, entry))
                if stat.S_ISREG(st.st_mode) and st.st_mode & 0o6000:
                    special.append(os.path.relpath(os.path.join(dirpath, entry), mount))
        self.assertEqual(special, [])

    def test_service_runs(self):
        """kumo/progress (which needs no database) starts, serves /livez as
        uid 10001 without writing to its root file system, and exits 0 on
        SIGTERM. NATS is absent: the service retries it in the background."""
        name, mount = self.container("progress")
        admin = free_port()
        time.sleep(1.1)
        marker = time.time()
        log = open(os.path.join(self.tmp, "progress.log"), "w+")
        proc = subprocess.Popen(
            self.buildah_cmd("run", "--isolation", "chroot", "--env",
                             "KUMO_ADMIN_PORT=%d" % admin, "--env",
                             "KUMO_NATS_URL=nats://127.0.0.1:%d" % free_port(), name, "--",
                             "/usr/local/bin/kumo-progress"),
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        try:
            self.wait_healthy(proc, admin, log, path="/livez")
            service = [p for p in self.stack(proc.pid, self.tmp) if p[1] == "kumo-progress"]
            self.assertEqual([p[2] for p in service], [UID])
            os.kill(service[0][0], signal.SIGTERM)
            self.assertEqual(proc.wait(60), 0)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
            log.close()
        self.check_writes(mount, marker)

    def wait_healthy(self, proc, port, log, path="/api/health", logs=None):
        started = time.monotonic()
        while time.monotonic() - started < 180:
            if proc.poll() is not None:
                log.seek(0)
                self.fail("the stack exited (%s):\n%s%s" % (
                    proc.returncode, log.read()[-4000:], self.log_tails(logs)))
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path),
                                            timeout=2) as r:
                    if r.status == 200:
                        return time.monotonic() - started
            except OSError:
                pass
            time.sleep(0.5)
        log.seek(0)
        self.fail("no %s 200 after 180s:\n%s%s" % (path, log.read()[-4000:],
                                                   self.log_tails(logs)))

    @staticmethod
    def log_tails(folder, lines=15):
        """The last lines of every log in folder (the stack's /data/log)."""
        text = ""
        for name in sorted(os.listdir(folder)) if folder and os.path.isdir(folder) else []:
            with open(os.path.join(folder, name), errors="replace") as f:
                text += "\n--- %s\n%s" % (name, "".join(f.readlines()[-lines:]))
        return text

    def stack(self, top, data):
        """(pid, name, uid, command line) of every process below `top` and of
        the PostgreSQL server (which pg_ctl starts in its own session)."""
        children = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open("/proc/%s/stat" % entry) as f:
                        ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                    children.setdefault(ppid, []).append(int(entry))
                except (OSError, IndexError, ValueError):
                    pass
        todo, found = list(children.get(top, [])), []
        pidfile = os.path.join(data, "pg", "postmaster.pid")
        if os.path.exists(pidfile):
            with open(pidfile) as f:
                todo.append(int(f.readline()))
        while todo:
            pid = todo.pop()
            todo.extend(children.get(pid, []))
            try:
                with open("/proc/%d/status" % pid) as f:
                    status = dict(line.split(":", 1) for line in f if ":" in line)
                with open("/proc/%d/cmdline" % pid, "rb") as f:
                    cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            found.append((pid, status["Name"].strip(), int(status["Uid"].split()[1]),
                          cmdline))
        return found

    def check_stack_users(self, top, data):
        """Every process of the stack, PostgreSQL included, runs as UID."""
        stack = self.stack(top, data)
        for pid, name, uid, cmdline in stack:
            if cmdline.startswith("buildah"):
                continue  # buildah's own chroot helper, which starts the stack
            self.assertEqual(uid, UID, (pid, name, cmdline))
        names = [name for _, name, _, _ in stack]
        for wanted in ["postgres", "nats-server"] + ["kumo-" + s for s in SERVICES]:
            self.assertIn(wanted[:15], names)

    def stop(self, proc, data, log):
        """SIGTERM to scripts/run, as `podman stop` sends it to the
        entrypoint: it stops the services, nats-server and PostgreSQL in
        order, and nothing of the stack is left running."""
        stack = [p for p in self.stack(proc.pid, data) if p[1] != "buildah"
                 and not p[3].startswith("buildah")] if proc.poll() is None else []
        for pid, _, _, cmdline in stack:
            if "/opt/kumo/scripts/run" in cmdline:
                os.kill(pid, signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            pass
        deadline = time.monotonic() + 3  # scripts/run's last `sleep 1` may outlive it
        while True:
            left = [p for p in stack if self.alive(p[0])]
            if not left or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        for pid, _, _, _ in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        left = [name for _, name, _, _ in left]
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        log.seek(0)
        output = log.read()
        log.close()
        self.assertEqual(left, [], "still running after SIGTERM:\n" + output[-4000:])
        self.assertIn("stopped", output)

    @staticmethod
    def alive(pid):
        """True while pid runs (an exited, unreaped process does not)."""
        try:
            with open("/proc/%d/stat" % pid) as f:
                return f.read().rsplit(")", 1)[1].split()[0] != "Z"
        except (OSError, IndexError):
            return False

    def check_writes(self, mount, marker):
        """Nothing changed in the image's root file system but /tmp, /data
        and what `buildah run` itself provides."""
        exempt = ("tmp", "data", "dev", "proc", "sys", "run", "etc/hosts",
                  "etc/resolv.conf", "etc/hostname")
        changed = []
        for dirpath, dirnames, filenames in os.walk(mount):
            rel_dir = os.path.relpath(dirpath, mount)
            dirnames[:] = [d for d in dirnames
                           if os.path.normpath(os.path.join(rel_dir, d)) not in exempt]
            for entry in filenames:
                rel = os.path.normpath(os.path.join(rel_dir, entry))
                if rel not in exempt and os.lstat(os.path.join(dirpath, entry)).st_mtime > marker:
                    changed.append(rel)
        self.assertEqual(changed, [])


if __name__ == "__main__":
    if not tools_available():
        print("SKIP: buildah and mmdebstrap are not installed and could not be "
              "(scripts/lib/deps.sh); the images were not built")
        sys.exit(77)
    unittest.main(verbosity=2)
