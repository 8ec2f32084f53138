# Installs the Debian packages Kumo needs, skipping those already present.
# Usage: source scripts/lib/deps.sh; kumo_install_deps [extra packages...]
# KUMO_SKIP_DEPS=1 skips the check (the all-in-one image, which carries only
# what scripts/run needs at run time).
#
# Runs `apt-get update` at most once per process tree (KUMO_APT_UPDATED) and
# only when something is missing. Services that packages would start (the
# system PostgreSQL, nginx, Prometheus) are kept from starting: Kumo runs its
# own private servers.

KUMO_PACKAGES=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git ca-certificates curl
  clang-format clang-tidy
  # libraries
  libcaf-dev libnats-dev libpqxx-dev libcpp-httplib-dev nlohmann-json3-dev
  prometheus-cpp-dev libgtest-dev libgmock-dev libcurl4-openssl-dev libssl-dev
  libpugixml-dev
  # servers run privately by scripts/run and the tests
  postgresql postgresql-contrib nats-server nginx-light
  # tests and benchmarks: media generation, reference downloader, promtool
  python3 ffmpeg aria2 prometheus
  # media sources: HLS remux (ffmpeg, ffprobe) and the ytdlp provider
  yt-dlp ffmpeg
  # process tools used by the scripts
  procps util-linux iproute2 passwd
  # container images (scripts/images): base root filesystem and OCI builds
  mmdebstrap buildah
  # the command line's live view test (tests/test_cli.py)
  tmux
  # the web UI's browser test (tests/test_web_ui.py, headless)
  chromium
)

kumo_missing_packages() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}

kumo_install_deps() {
  local wanted=("${KUMO_PACKAGES[@]}" "$@") missing
  [ "${KUMO_SKIP_DEPS:-0}" != 1 ] || return 0
  # Node.js + npm validate the Kubernetes manifests and drive the browser
  # test; any installed build does.
  command -v npm >/dev/null || wanted+=(nodejs npm)
  mapfile -t missing < <(kumo_missing_packages "${wanted[@]}")
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "kumo: missing packages: ${missing[*]} (run as root or install them)" >&2
    return 1
  fi
  echo "kumo: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  local policy=/usr/sbin/policy-rc.d added_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod 755 "$policy"
    added_policy=1
  fi
  local rc=0
  if [ "${KUMO_APT_UPDATED:-0}" != 1 ]; then
    apt-get update -qq </dev/null || rc=$?
    export KUMO_APT_UPDATED=1
  fi
  if [ $rc -eq 0 ]; then
    apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null || rc=$?
  fi
  if [ $added_policy = 1 ]; then
    rm -f "$policy"
  fi
  if [ $rc -ne 0 ]; then
    echo "kumo: installing packages failed (apt-get exit $rc)" >&2
  fi
  return $rc
}
