"""Pinned npm packages of a test folder (its package.json and
package-lock.json), installed with `npm ci` into a cache folder outside the
repository when missing. Standard library only."""

import hashlib
import os
import shutil
import subprocess

NPM_FILES = ("package.json", "package-lock.json")


def cache_root():
    """$KUMO_NODE_CACHE, else $XDG_CACHE_HOME/kumo (~/.cache/kumo)."""
    return os.environ.get("KUMO_NODE_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
        "kumo")


def npm_installed(source, prefix, copies=()):
    """Folder holding the node_modules of `source`'s package files and a
    fresh copy of each file of `copies` (names in `source`). The folder is
    `<prefix>-<hash of the package files>` under cache_root(), so a changed
    lock file gets a fresh install; an install goes to a staging folder
    renamed when complete. Raises RuntimeError when `npm ci` fails."""
    digest = hashlib.sha256()
    for name in NPM_FILES:
        with open(os.path.join(source, name), "rb") as f:
            digest.update(f.read())
    folder = os.path.join(cache_root(), prefix + "-" + digest.hexdigest()[:16])
    if not os.path.exists(os.path.join(folder, ".installed")):
        staging = "%s.%d" % (folder, os.getpid())
        shutil.rmtree(staging, ignore_errors=True)
        os.makedirs(staging)
        for name in NPM_FILES:
            shutil.copy(os.path.join(source, name), staging)
        print("  npm ci into %s" % folder, flush=True)
        out = subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit",
                              "--no-fund", "--prefer-offline"],
                             cwd=staging, stdin=subprocess.DEVNULL,
                             capture_output=True, timeout=600)
        if out.returncode != 0:
            raise RuntimeError("npm ci failed (%d):\n%s" % (
                out.returncode, (out.stdout + out.stderr).decode(errors="replace")))
        open(os.path.join(staging, ".installed"), "w").close()
        shutil.rmtree(folder, ignore_errors=True)
        os.rename(staging, folder)
    for name in copies:
        shutil.copy(os.path.join(source, name), folder)
    return folder
