#!/usr/bin/env bash
# A real TimescaleDB 2.28 server for the tests: a second PostgreSQL 15 cluster, beside the
# plain one on 5432, with the extension preloaded. No registry ships TimescaleDB for
# PostgreSQL 15, so it is built from the vendored sources (shared/vendor/README.md), with
# infra/timescaledb/job-portal.patch applied: without it every background job (the policies,
# the continuous aggregate's refresh) fails on PostgreSQL 15.20 (the patch says why).
#
#   infra/timescaledb.sh start   build and install the extension (once), create the cluster
#                                (once), start it, wait until it answers
#   infra/timescaledb.sh stop    stop it
#
# TIMESCALEDB_PORT (default 5433) is its port; it listens on 127.0.0.1 only, with trust auth.
# TIMESCALEDB_VENDOR (default ../shared/vendor beside the clone, as in CI) holds the tarball.
# On success `start` prints its URL (CI exports it as TIMESCALE_DATABASE_URL). Run as root (CI),
# the build installs Debian's build dependencies first and the server runs as postgres, its
# cluster under /var/lib/postgresql/timescaledb. Run as anyone else, the build dependencies must
# be there and `make install` must be allowed to write PostgreSQL's directories (or the
# extension be installed already); the server runs as that user, its cluster in tmp/timescaledb.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION="2.28.3"
PG_MAJOR=15
PG_BIN="/usr/lib/postgresql/$PG_MAJOR/bin"
PORT="${TIMESCALEDB_PORT:-5433}"
VENDOR="${TIMESCALEDB_VENDOR:-$PWD/../shared/vendor}"
HOME_DIR="$PWD/tmp/timescaledb"
URL="postgres://postgres@127.0.0.1:$PORT/postgres"

# As root the server runs as postgres, which may not reach into the clone (under /root, say):
# its cluster lives in postgres's home instead.
if [[ $EUID -eq 0 ]]; then
  as_server=(runuser -u postgres --)
  CLUSTER_DIR=/var/lib/postgresql/timescaledb
else
  as_server=()
  CLUSTER_DIR="$HOME_DIR"
fi
DATA_DIR="$CLUSTER_DIR/data-$PORT"
LOG_FILE="$CLUSTER_DIR/server-$PORT.log"
PATCH="$PWD/infra/timescaledb/job-portal.patch"
# A copy of the patch the installed build was made with: a build without it, or with an older
# one, is rebuilt.
PATCH_STAMP="/usr/share/postgresql/$PG_MAJOR/extension/timescaledb--$VERSION.patch"

installed() {
  [[ -f "/usr/share/postgresql/$PG_MAJOR/extension/timescaledb--$VERSION.sql" && -f "/usr/lib/postgresql/$PG_MAJOR/lib/timescaledb-$VERSION.so" ]] &&
    cmp -s "$PATCH" "$PATCH_STAMP"
}

install() {
  installed && return
  local tarball="$VENDOR/timescaledb-$VERSION.tar.gz" build_log="$HOME_DIR/build.log"
  [[ -f "$tarball" ]] || { echo "timescaledb: $tarball not found (set TIMESCALEDB_VENDOR)" >&2; exit 1; }
  mkdir -p "$HOME_DIR"
  if [[ $EUID -eq 0 ]]; then
    echo "timescaledb: installing the build dependencies (apt-get)" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cmake build-essential libssl-dev patch "postgresql-server-dev-$PG_MAJOR" >/dev/null
  fi
  echo "timescaledb: building $VERSION from $tarball (about 2 minutes on 2 cores; log in $build_log)" >&2
  rm -rf "$HOME_DIR/src" && mkdir -p "$HOME_DIR/src"
  tar xzf "$tarball" -C "$HOME_DIR/src"
  # Only the extension: the regression and TAP suites need a PostgreSQL source tree.
  if ! (cd "$HOME_DIR/src/timescaledb-$VERSION" && patch -p1 --forward <"$PATCH" &&
    ./bootstrap -DPG_CONFIG="$PG_BIN/pg_config" -DREGRESS_CHECKS=OFF -DTAP_CHECKS=OFF -DWARNINGS_AS_ERRORS=OFF &&
    cd build && make -j"$(nproc)") >"$build_log" 2>&1; then
    echo "timescaledb: the build failed; the end of its log:" >&2
    tail -n 40 "$build_log" >&2
    exit 1
  fi
  # A server running the previous build has its library loaded: stop it before replacing it
  # (start() starts it again on the new one).
  stop
  (cd "$HOME_DIR/src/timescaledb-$VERSION/build" && make install) >>"$build_log" 2>&1 || {
    echo "timescaledb: make install failed; the end of the build log:" >&2
    tail -n 20 "$build_log" >&2
    exit 1
  }
  cp "$PATCH" "$PATCH_STAMP"
  rm -rf "$HOME_DIR/src"
}

server() { "${as_server[@]}" "$PG_BIN/$1" "${@:2}"; }
ready() { "$PG_BIN/pg_isready" -h 127.0.0.1 -p "$PORT" -q; }

start() {
  install
  if ready; then echo "$URL"; return; fi
  if [[ ! -f "$DATA_DIR/PG_VERSION" ]]; then
    "${as_server[@]}" mkdir -p "$DATA_DIR"
    server initdb -D "$DATA_DIR" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$LOG_FILE.initdb" 2>&1 || {
      echo "timescaledb: initdb failed:" >&2
      cat "$LOG_FILE.initdb" >&2
      exit 1
    }
    # Test databases only: TCP on loopback, the socket in the data directory (the plain
    # cluster keeps /var/run/postgresql), no durability, no phoning home. The extension's
    # background workers run as in production (policies, continuous aggregate refreshes),
    # one scheduler per database, so allow enough for the test suites' scratch databases.
    cat >>"$DATA_DIR/postgresql.conf" <<EOF
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DATA_DIR'
shared_preload_libraries = 'timescaledb'
timescaledb.telemetry_level = off
max_connections = 200
max_worker_processes = 40
timescaledb.max_background_workers = 32
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  fi
  server pg_ctl -D "$DATA_DIR" -l "$LOG_FILE" -s -w -t 60 start >&2 || {
    echo "timescaledb: the server did not start; its log:" >&2
    tail -n 40 "$LOG_FILE" >&2
    exit 1
  }
  # Every database made from here on has the extension, as a TimescaleDB image's do: a suite
  # pointed at this server with DATABASE_URL takes the migrations' TimescaleDB branch.
  "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$PORT" -U postgres -d template1 -v ON_ERROR_STOP=1 \
    -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION IF NOT EXISTS timescaledb' >&2
  echo "$URL"
}

stop() {
  if [[ -f "$DATA_DIR/postmaster.pid" ]]; then server pg_ctl -D "$DATA_DIR" -m fast -s -w stop >&2; fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: infra/timescaledb.sh start|stop" >&2; exit 2 ;;
esac
