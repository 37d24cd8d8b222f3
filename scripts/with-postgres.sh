#!/usr/bin/env bash
# Runs COMMAND with a throwaway PostgreSQL cluster up, and SEGS_TEST_PG_URL
# pointing at it; stops and deletes the cluster afterwards, even when COMMAND
# fails, and exits with COMMAND's status.
#
#   bash scripts/with-postgres.sh ctest --preset dev
#   bash scripts/with-postgres.sh bash -c 'psql "$SEGS_TEST_PG_URL" -c "select 1"'
#
# The cluster lives in a fresh temporary directory, listens on a Unix socket
# in that directory only (no TCP), trusts every local connection and runs with
# fsync off: it is for tests and nothing else. The server refuses to run as
# root, so under root (CI) it runs as the `postgres` system user (created when
# missing).
#
# Environment:
#   SEGS_PG_BINDIR    directory of initdb/pg_ctl (default: PostgreSQL 15 under
#                     /usr/lib/postgresql, else the newest one there, else PATH)
#   SEGS_PG_PORT      port number naming the socket (default 54329; the socket
#                     directory is private, so it cannot clash)
#   SEGS_PG_OPTIONAL  1: when PostgreSQL is not installed, run COMMAND without
#                     SEGS_TEST_PG_URL (postgres tests skip) instead of failing
set -euo pipefail

me="with-postgres.sh"
if (( $# == 0 )); then
  echo "usage: $me COMMAND [ARG...]" >&2
  exit 2
fi

find_bindir() {
  if [[ -n "${SEGS_PG_BINDIR:-}" ]]; then
    echo "$SEGS_PG_BINDIR"
    return
  fi
  if [[ -x /usr/lib/postgresql/15/bin/initdb ]]; then
    echo /usr/lib/postgresql/15/bin
    return
  fi
  local newest
  newest="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)"
  if [[ -n "$newest" && -x "$newest/initdb" ]]; then
    echo "$newest"
    return
  fi
  local initdb
  initdb="$(command -v initdb 2>/dev/null || true)"
  if [[ -n "$initdb" ]]; then
    dirname "$initdb"
  fi
}

bindir="$(find_bindir)"
if [[ -z "$bindir" || ! -x "$bindir/initdb" || ! -x "$bindir/pg_ctl" ]]; then
  if [[ "${SEGS_PG_OPTIONAL:-0}" == "1" ]]; then
    echo "$me: PostgreSQL server binaries not found; running without SEGS_TEST_PG_URL" >&2
    unset SEGS_TEST_PG_URL
    exec "$@"
  fi
  echo "$me: error: PostgreSQL server binaries (initdb, pg_ctl) not found" \
       "(looked in \$SEGS_PG_BINDIR, /usr/lib/postgresql/*/bin and PATH);" \
       "install them, e.g. 'apt-get install postgresql-15'" >&2
  exit 1
fi

port="${SEGS_PG_PORT:-54329}"

# Who runs the server: ourselves, unless we are root.
run_as=""
if [[ "$(id -u)" == "0" ]]; then
  run_as="postgres"
  if ! id -u "$run_as" >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin "$run_as"
  fi
fi

as_server_user() {
  if [[ -z "$run_as" ]]; then
    "$@"
  elif command -v runuser >/dev/null 2>&1; then
    runuser -u "$run_as" -- "$@"
  else
    su -s /bin/sh "$run_as" -c "$(printf '%q ' "$@")"
  fi
}

dir="$(mktemp -d "${TMPDIR:-/tmp}/segs-pg.XXXXXX")"
data="$dir/data"
started=0

cleanup() {
  if (( started )); then
    as_server_user "$bindir/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The socket directory must be reachable by the test processes (root or the
# caller) and writable by the server user.
chmod 755 "$dir"
if [[ -n "$run_as" ]]; then
  chown "$run_as" "$dir"
fi

if ! as_server_user "$bindir/initdb" -D "$data" -A trust -U postgres --no-sync \
       -E UTF8 --locale=C >"$dir/initdb.log" 2>&1; then
  echo "$me: error: initdb failed:" >&2
  cat "$dir/initdb.log" >&2
  exit 1
fi

# Settings go to the config file rather than `pg_ctl -o` to avoid a second
# round of shell quoting inside pg_ctl.
as_server_user tee -a "$data/postgresql.conf" >/dev/null <<EOF

# with-postgres.sh: a throwaway test cluster
listen_addresses = ''
unix_socket_directories = '$dir'
port = $port
fsync = off
synchronous_commit = off
full_page_writes = off
EOF

if ! as_server_user "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
       start >/dev/null 2>&1; then
  echo "$me: error: the PostgreSQL server did not start; its log:" >&2
  cat "$data/server.log" >&2 || true
  exit 1
fi
started=1

export SEGS_TEST_PG_URL="postgresql://postgres@/postgres?host=$dir&port=$port"
version="$("$bindir/postgres" --version 2>/dev/null || echo PostgreSQL)"
echo "$me: $version cluster in $dir (socket port $port); SEGS_TEST_PG_URL=$SEGS_TEST_PG_URL" >&2

status=0
"$@" || status=$?
exit "$status"
