#!/usr/bin/env python3
"""Lists the files of a root filesystem that ELF binaries need at run time.

    image_closure.py --rootfs DIR BINARY... > paths

Prints, one per line and relative to DIR, the program interpreter and every
shared library the binaries need (transitively, DT_NEEDED resolved in DIR's
library folders, never the host's), each symbolic link met on the way to
them (/lib64, /lib -> usr/lib, libfoo.so.1 -> libfoo.so.1.2.3) and every
folder above them. scripts/images copies exactly these paths out of the
Debian root filesystem into a service image. Uses `readelf` (binutils).
Exit status 1 with a message naming the library when one cannot be found.
"""

import argparse
import os
import re
import subprocess
import sys

LIBRARY_DIRS = ["/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu",
                "/usr/lib", "/lib"]


def resolve(rootfs, path, seen_links):
    """The real path inside rootfs of absolute `path`, following symbolic
    links relative to rootfs; every link passed is added to seen_links.
    None when the path does not exist."""
    parts = [p for p in path.split("/") if p]
    current = ""
    for depth in range(64):
        if not parts:
            return current or "/"
        name = parts.pop(0)
        candidate = current + "/" + name
        full = rootfs + candidate
        if os.path.islink(full):
            seen_links.add(candidate)
            target = os.readlink(full)
            base = "" if target.startswith("/") else current
            parts = [p for p in (base + "/" + target).split("/") if p] + parts
            current = ""
            continue
        if not os.path.lexists(full):
            return None
        current = candidate
    raise RuntimeError("too many symbolic links resolving " + path)


def elf_needs(path):
    """(interpreter or None, [DT_NEEDED names]) of an ELF file."""
    out = subprocess.run(["readelf", "-W", "-l", "-d", path], check=True,
                         capture_output=True, text=True).stdout
    interp = re.search(r"Requesting program interpreter: (\S+)\]", out)
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)
    return (interp.group(1) if interp else None), needed


def closure(rootfs, binaries):
    """Every path (relative, no leading slash) the binaries need."""
    paths, links, pending, done = set(), set(), list(binaries), set()
    while pending:
        elf = pending.pop()
        if elf in done:
            continue
        done.add(elf)
        interp, needed = elf_needs(elf)
        wanted = ([interp] if interp else []) + [
            next((d + "/" + n for d in LIBRARY_DIRS
                  if resolve(rootfs, d + "/" + n, set())), "missing:" + n)
            for n in needed]
        for want in wanted:
            if want.startswith("missing:"):
                raise LookupError(want[len("missing:"):])
            real = resolve(rootfs, want, links)
            if real is None:
                raise LookupError(want)
            if real not in paths:
                paths.add(real)
                pending.append(rootfs + real)
    result = set()
    for p in paths | links:
        result.add(p)
        parent = os.path.dirname(p)
        while parent not in ("/", ""):
            result.add(parent)
            parent = os.path.dirname(parent)
    return sorted(p.lstrip("/") for p in result)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rootfs", required=True)
    parser.add_argument("binaries", nargs="+")
    args = parser.parse_args()
    rootfs = os.path.abspath(args.rootfs)
    try:
        for p in closure(rootfs, args.binaries):
            print(p)
    except LookupError as e:
        print("image_closure: %s not found under %s (add its package to the "
              "base root filesystem)" % (e.args[0], rootfs), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
