# shellcheck shell=bash
# The Debian root filesystem Kumo's container images are cut from, made by
# mmdebstrap from Debian's archive and cached as a tarball.
# Usage: source scripts/lib/images_base.sh; kumo_images_base <cache folder>
# (prints the tarball's path).
#
# One tarball serves every image: the service images copy out of it only
# their binary's shared libraries (scripts/lib/image_closure.py), the
# all-in-one image takes it whole (PostgreSQL, nats-server, the runtime
# libraries and what scripts/run needs: bash, coreutils, util-linux, curl,
# python3).
#
# Cache key: the package list, suites, mirror and hooks below, plus the
# `Date:` of the release's InRelease file (a new Debian point release gives a
# new tarball). A cached tarball older than KUMO_IMAGES_BASE_MAX_DAYS (7) is
# rebuilt, so security updates arrive within a week. Without the network the
# newest tarball of the same package list is used.
#
# Environment (defaults):
#   KUMO_DEBIAN_SUITE=bookworm
#   KUMO_DEBIAN_MIRROR=http://deb.debian.org/debian   (+ -security beside it)
#   KUMO_IMAGES_BASE_MAX_DAYS=7

KUMO_IMAGE_PACKAGES=(
  # runtime libraries of the five services (ldd of the Release binaries)
  libcaf-core0.17 libnats3.4 libpqxx-6.4 libcpp-httplib0.11
  libprometheus-cpp-core1.0 libcurl4 libssl3 libpugixml1v5 ca-certificates
  # all-in-one: the database, the bus, and what scripts/run uses
  postgresql-15 nats-server python3 curl
)

# Installed by dependency only and useless here: PostgreSQL's JIT (LLVM and
# its solver, ~120 MB; without them PostgreSQL runs without JIT), the
# packages' default cluster, caches and logs. No program keeps a setuid or
# setgid bit (su, passwd...): nothing in an image changes user. "$1" is
# mmdebstrap's root.
# shellcheck disable=SC2016
_kumo_images_trim='rm -rf "$1"/usr/lib/x86_64-linux-gnu/libLLVM-14.so* "$1"/usr/lib/x86_64-linux-gnu/libz3.so* "$1"/usr/lib/postgresql/15/lib/llvmjit* "$1"/usr/lib/postgresql/15/lib/bitcode "$1"/var/lib/postgresql/15 "$1"/etc/postgresql/15 "$1"/var/cache/* "$1"/var/log/*; find "$1" -xdev -type f -perm /6000 -exec chmod ug-s {} +'

# _kumo_images_mmdebstrap_args: the arguments after which the suite, the
# output and the sources follow.
_kumo_images_mmdebstrap_args() {
  local IFS=,
  printf '%s\n' --variant=essential --components=main \
    "--include=${KUMO_IMAGE_PACKAGES[*]}" \
    '--dpkgopt=path-exclude=/usr/share/doc/*' \
    '--dpkgopt=path-include=/usr/share/doc/*/copyright' \
    '--dpkgopt=path-exclude=/usr/share/man/*' \
    '--dpkgopt=path-exclude=/usr/share/info/*' \
    '--dpkgopt=path-exclude=/usr/share/locale/*' \
    '--dpkgopt=path-include=/usr/share/locale/locale.alias' \
    "--customize-hook=$_kumo_images_trim"
}

_kumo_images_sources() {
  local suite=$1 mirror=$2
  printf '%s\n' "deb $mirror $suite main" "deb $mirror $suite-updates main" \
    "deb $mirror-security $suite-security main"
}

# kumo_images_base <cache folder>: the cached tarball, made when missing.
kumo_images_base() {
  local cache=$1 suite=${KUMO_DEBIAN_SUITE:-bookworm}
  local mirror=${KUMO_DEBIAN_MIRROR:-http://deb.debian.org/debian}
  local max_days=${KUMO_IMAGES_BASE_MAX_DAYS:-7}
  local args sources key release tarball
  mapfile -t args < <(_kumo_images_mmdebstrap_args)
  mapfile -t sources < <(_kumo_images_sources "$suite" "$mirror")
  key=$(printf '%s\n' "$suite" "${args[@]}" "${sources[@]}" | sha256sum | cut -c1-12)
  mkdir -p "$cache"
  release=$(curl -fsS --max-time 15 "$mirror/dists/$suite/InRelease" 2>/dev/null |
    sed -n 's/^Date: //p' | head -n 1) || true
  if [ -z "$release" ]; then
    tarball=$(ls -t "$cache"/base-"$key"-*.tar 2>/dev/null | head -n 1)
    if [ -n "$tarball" ]; then
      echo "kumo: $mirror unreachable; using the cached $tarball" >&2
      echo "$tarball"
      return 0
    fi
    echo "kumo: $mirror/dists/$suite/InRelease unreachable and no cached base" >&2
    return 1
  fi
  tarball=$cache/base-$key-$(echo "$release" | sha256sum | cut -c1-12).tar
  if [ -s "$tarball" ] && [ -z "$(find "$tarball" -mtime +"$max_days")" ]; then
    echo "$tarball"
    return 0
  fi
  echo "kumo: making the base root filesystem ($suite of $release) with mmdebstrap" >&2
  rm -f "$tarball.part"
  mmdebstrap --quiet --format=tar "${args[@]}" "$suite" "$tarball.part" "${sources[@]}" \
    </dev/null >&2 || { rm -f "$tarball.part"; return 1; }
  # Older tarballs of the same package list are superseded.
  find "$cache" -maxdepth 1 -name "base-$key-*.tar" ! -name "$(basename "$tarball")" -delete
  mv "$tarball.part" "$tarball"
  echo "$tarball"
}
