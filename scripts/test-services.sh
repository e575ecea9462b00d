#!/usr/bin/env bash
# Sourced by test.sh: installs (Debian packages) and starts the real servers the tests use,
# each on a free loopback port with its data in a temporary directory, stopped on exit.
set -euo pipefail

SERVICES_DIR="$(mktemp -d "${TMPDIR:-/tmp}/herald-services.XXXXXX")"
SERVICE_PIDS=()

stop_services() {
  for pid in "${SERVICE_PIDS[@]:-}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
  for pid in "${SERVICE_PIDS[@]:-}"; do
    [ -n "$pid" ] && wait "$pid" 2>/dev/null || true
  done
  rm -rf "$SERVICES_DIR"
}
trap stop_services EXIT

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root (or sudo) to install $*" >&2; return 1; fi
}

APT_UPDATED=0
ensure_package() { # command package
  command -v "$1" >/dev/null 2>&1 && return 0
  [ -x "$1" ] && return 0
  echo "installing $2 (Debian package)..." >&2
  if [ "$APT_UPDATED" = 0 ]; then as_root apt-get update -qq >&2; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$2" >&2
}

# The browser tests drive Debian's Chromium with playwright-core, which never downloads one.
ensure_chromium() {
  ensure_package /usr/bin/chromium chromium
  export HERALD_TEST_CHROMIUM=/usr/bin/chromium
  echo "chromium: $("$HERALD_TEST_CHROMIUM" --version 2>/dev/null || echo "$HERALD_TEST_CHROMIUM")" >&2
}

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

wait_for() { # description command...
  local what="$1"; shift
  for _ in $(seq 1 100); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "$what did not start" >&2; return 1
}

start_redis() {
  ensure_package redis-server redis-server
  local port; port="$(free_port)"
  mkdir -p "$SERVICES_DIR/redis"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$SERVICES_DIR/redis" \
    --daemonize no --loglevel warning > "$SERVICES_DIR/redis.log" 2>&1 &
  SERVICE_PIDS+=("$!")
  wait_for "redis-server" redis-cli -p "$port" ping
  export REDIS_URL="redis://127.0.0.1:$port"
  export REDIS_SERVER_PID="$!"
  echo "redis-server on 127.0.0.1:$port" >&2
}

start_postgres() {
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then ensure_package /usr/lib/postgresql/15/bin/initdb postgresql; fi
  local bin; bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  local port; port="$(free_port)"
  local dir="$SERVICES_DIR/postgres"
  mkdir -p "$dir"
  # PostgreSQL refuses to run as root: run it as the postgres user the package created.
  local run=()
  if [ "$(id -u)" -eq 0 ]; then chown -R postgres "$dir"; chmod 755 "$SERVICES_DIR"; run=(runuser -u postgres --); fi
  "${run[@]}" "$bin/initdb" -D "$dir/data" --auth=trust --username=herald --encoding=UTF8 >/dev/null
  "${run[@]}" "$bin/postgres" -D "$dir/data" -p "$port" -k "$dir" -c listen_addresses=127.0.0.1 \
    -c fsync=off -c full_page_writes=off -c max_connections=200 > "$dir/postgres.log" 2>&1 &
  SERVICE_PIDS+=("$!")
  wait_for "postgres" "$bin/pg_isready" -h 127.0.0.1 -p "$port" -U herald
  "$bin/createdb" -h 127.0.0.1 -p "$port" -U herald herald_test
  export DATABASE_URL="postgres://herald@127.0.0.1:$port/herald_test"
  echo "postgres on 127.0.0.1:$port" >&2
}
