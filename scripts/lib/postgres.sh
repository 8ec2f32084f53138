# A private PostgreSQL cluster in a folder, run as an unprivileged user
# (PostgreSQL refuses to run as root).

kumo_pg_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

# The user that owns and runs the cluster: ourselves, or `kumo` when root.
kumo_pg_user() {
  if [ "$(id -u)" -ne 0 ]; then
    id -un
    return
  fi
  id -u kumo >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin kumo
  echo kumo
}

kumo_as_pg_user() {
  local user=$1; shift
  if [ "$(id -un)" = "$user" ]; then "$@"; else runuser -u "$user" -- "$@"; fi
}

# kumo_pg_start <datadir> <port>: initializes (once) and starts the cluster,
# with a `kumo` database owned by role `kumo` reachable on 127.0.0.1:<port>.
kumo_pg_start() {
  local dir=$1 port=$2 bin user
  bin=$(kumo_pg_bin); user=$(kumo_pg_user)
  mkdir -p "$dir"
  chown "$user" "$dir"
  chmod 700 "$dir"
  if [ ! -f "$dir/PG_VERSION" ]; then
    kumo_as_pg_user "$user" "$bin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 >/dev/null
  fi
  kumo_as_pg_user "$user" "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=on" start >/dev/null
  kumo_as_pg_user "$user" "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qtA -c \
    "SELECT 1 FROM pg_roles WHERE rolname='kumo'" | grep -q 1 ||
    kumo_as_pg_user "$user" "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -q -c "CREATE ROLE kumo LOGIN"
  kumo_as_pg_user "$user" "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qtA -c \
    "SELECT 1 FROM pg_database WHERE datname='kumo'" | grep -q 1 ||
    kumo_as_pg_user "$user" "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -q -c "CREATE DATABASE kumo OWNER kumo"
}

kumo_pg_stop() {
  local dir=$1
  [ -f "$dir/postmaster.pid" ] || return 0
  kumo_as_pg_user "$(kumo_pg_user)" "$(kumo_pg_bin)/pg_ctl" -D "$dir" -m fast -w stop >/dev/null || true
}
