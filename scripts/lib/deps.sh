# Installs the Debian packages Kumo needs, skipping those already present.
# Usage: kumo_install_deps [extra packages...]

KUMO_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git ca-certificates curl
  libcaf-dev libnats-dev nats-server libpqxx-dev libcpp-httplib-dev
  nlohmann-json3-dev prometheus-cpp-dev libgtest-dev libgmock-dev
  libcurl4-openssl-dev libssl-dev
  postgresql postgresql-contrib
  python3 procps util-linux iproute2
)

kumo_install_deps() {
  local wanted=("${KUMO_PACKAGES[@]}" "$@") missing=()
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "kumo: missing packages: ${missing[*]} (run as root or install them)" >&2
    return 1
  fi
  echo "kumo: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
