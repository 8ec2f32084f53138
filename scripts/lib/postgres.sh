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

# kumo_pg_datadir_usable <dir>: true when the cluster user can reach <dir>
# (a folder under /root cannot be entered by an unprivileged user).
kumo_pg_datadir_usable() {
  local dir=$1 user
  user=$(kumo_pg_user)
  kumo_as_pg_user "$user" test -x "$(dirname "$dir")"
}

# kumo_pg_start_private <datadir> <port> <secrets_dir>: like kumo_pg_start,
# but TCP connections need a password. The role `kumo` gets a generated
# password kept in <secrets_dir>/pg-password and <secrets_dir>/pgpass (both
# 0600; point libpq's PGPASSFILE at the latter). Administration goes through
# the cluster's Unix socket in <datadir>, reachable only by its owner.
kumo_pg_start_private() (
  # A subshell in /: the cluster user may not be allowed into the caller's
  # working directory.
  cd /
  local dir=$1 port=$2 secrets=$3 bin user password
  bin=$(kumo_pg_bin); user=$(kumo_pg_user)
  mkdir -p "$dir" "$secrets"
  chmod 700 "$secrets"
  if [ ! -s "$secrets/pg-password" ]; then
    (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$secrets/pg-password")
  fi
  password=$(cat "$secrets/pg-password")
  (umask 077; printf '127.0.0.1:%s:kumo:kumo:%s\n' "$port" "$password" > "$secrets/pgpass")
  chown "$user" "$dir"
  chmod 700 "$dir"
  if [ ! -f "$dir/PG_VERSION" ]; then
    kumo_as_pg_user "$user" "$bin/initdb" -D "$dir" -U postgres \
      --auth-local=trust --auth-host=scram-sha-256 -E UTF8 >/dev/null
  fi
  # pg_ctl starts the postmaster in its own session: a Ctrl-C in the
  # terminal does not reach it, the caller stops it in order.
  kumo_as_pg_user "$user" "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c password_encryption=scram-sha-256" \
    start >/dev/null
  local psql=("$bin/psql" -h "$dir" -p "$port" -U postgres -d postgres -qtA -v ON_ERROR_STOP=1)
  [ "$(kumo_as_pg_user "$user" "${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname='kumo'")" = 1 ] ||
    kumo_as_pg_user "$user" "${psql[@]}" -c "CREATE ROLE kumo LOGIN"
  # Re-applied on every start so the stored password is always the one in use.
  # Through stdin: the password never shows up in a process list.
  printf "ALTER ROLE kumo PASSWORD '%s';\n" "$password" |
    kumo_as_pg_user "$user" "${psql[@]}" >/dev/null
  [ "$(kumo_as_pg_user "$user" "${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname='kumo'")" = 1 ] ||
    kumo_as_pg_user "$user" "${psql[@]}" -c "CREATE DATABASE kumo OWNER kumo"
)
