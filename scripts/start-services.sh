#!/usr/bin/env bash
# Start a throw-away PostgreSQL cluster and Redis server for tests; prints the environment to use.
# Usage: services=$(scripts/start-services.sh) && eval "$services"
# The servers live under var/services/ (as root: /tmp/zicht-services-*) and keep running until the machine stops (or you kill them).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD/var/services"
if [ "$(id -u)" -eq 0 ]; then
  # As root the servers run as the postgres user, who may not be able to enter this checkout
  # (a clone inside a private directory): keep them in /tmp, one directory per checkout.
  root="/tmp/zicht-services-$(printf '%s' "$PWD" | sha1sum | cut -c1-12)"
  cd /tmp
fi
mkdir -p "$root"
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pgdata="$root/pg"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
port_busy() {
  python3 -c 'import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(("127.0.0.1", int(sys.argv[1]))) != 0)' "$1"
}

runas=""
if [ "$(id -u)" -eq 0 ]; then
  chown -R postgres "$root" 2>/dev/null || true
  chmod 755 "$root"
  runas="runuser -u postgres --"
fi
if [ ! -f "$pgdata/PG_VERSION" ]; then
  $runas "$pgbin/initdb" -D "$pgdata" -U zicht --auth=trust -E UTF8 >/dev/null
fi
if $runas "$pgbin/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
  pgport=$(cat "$root/pg.port")
else
  pgport="${ZICHT_TEST_PGPORT:-54329}"
  # Another checkout's cluster may hold the default port: take a free one then.
  if port_busy "$pgport"; then pgport=$(free_port); fi
  echo "$pgport" > "$root/pg.port"
  $runas "$pgbin/pg_ctl" -D "$pgdata" -l "$root/pg.log" -w \
    -o "-p $pgport -k $root -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null \
    || { echo "PostgreSQL did not start; see $root/pg.log" >&2; exit 1; }
fi
$runas "$pgbin/createdb" -h "$root" -p "$pgport" -U zicht zicht 2>/dev/null || true

if [ -f "$root/redis.port" ] && redis-cli -p "$(cat "$root/redis.port")" ping >/dev/null 2>&1; then
  redisport=$(cat "$root/redis.port")
else
  redisport="${ZICHT_TEST_REDISPORT:-63799}"
  if port_busy "$redisport"; then redisport=$(free_port); fi
  echo "$redisport" > "$root/redis.port"
  redis-server --port "$redisport" --bind 127.0.0.1 --daemonize yes --save "" --appendonly no \
    --dir "$root" --logfile "$root/redis.log" >/dev/null
  for _ in $(seq 50); do redis-cli -p "$redisport" ping >/dev/null 2>&1 && break; sleep 0.1; done
fi
echo "export DATABASE_URL=postgres://zicht@127.0.0.1:$pgport/zicht"
echo "export CELERY_BROKER_URL=redis://127.0.0.1:$redisport/0"
echo "export ZICHT_TEST_PG_BIN=$pgbin"
