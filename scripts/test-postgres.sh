#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the operational-store tests (Debian's `postgresql` package; nothing else).
#   eval "$(bash scripts/test-postgres.sh start)"   # prints `export WUPIAN_TEST_PG_DSN=…` and `export WUPIAN_TEST_PG_DIR=…`
#   bash scripts/test-postgres.sh stop "$WUPIAN_TEST_PG_DIR"
# The cluster lives in a fresh folder under /tmp, listens only on a Unix socket in that folder (no TCP port),
# and runs as the current user, or as `postgres` when started by root (PostgreSQL refuses to run as root).
set -euo pipefail

bindir=""
for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && bindir="$d"; done
if [ -z "$bindir" ] && command -v initdb >/dev/null 2>&1; then bindir="$(dirname "$(command -v initdb)")"; fi

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    if [ -z "$bindir" ]; then echo "test-postgres.sh: no PostgreSQL server binaries (apt-get install postgresql)" >&2; exit 3; fi
    if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
      useradd --system --no-create-home --shell /usr/sbin/nologin postgres
    fi
    dir="$(mktemp -d /tmp/wupian-pg.XXXXXX)"
    chmod 755 "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    as_owner "$bindir/initdb" -D "$dir/data" -U wupian --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses='' -c unix_socket_directories='$dir' -c fsync=off -p 5432" start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    as_owner "$bindir/createdb" -h "$dir" -U wupian wupian_test
    echo "export WUPIAN_TEST_PG_DIR='$dir'"
    echo "export WUPIAN_TEST_PG_DSN='postgresql://wupian@/wupian_test?host=$dir'"
    ;;
  stop)
    dir="${2:?usage: test-postgres.sh stop DIR}"
    case "$dir" in /tmp/wupian-pg.*) ;; *) echo "test-postgres.sh: refusing to stop $dir" >&2; exit 2;; esac
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: test-postgres.sh start | stop DIR" >&2; exit 2;;
esac
