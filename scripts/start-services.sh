#!/usr/bin/env bash
# Start a throw-away PostgreSQL cluster and Redis server for tests; prints the environment to use.
# Usage: eval "$(scripts/start-services.sh)"
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD/var/services"
mkdir -p "$root"
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pgdata="$root/pg"
pgport="${ZICHT_TEST_PGPORT:-54329}"
runas=""
if [ "$(id -u)" -eq 0 ]; then
  chown -R postgres "$root" 2>/dev/null || true
  chmod 755 "$root"
  runas="runuser -u postgres --"
fi
if [ ! -f "$pgdata/PG_VERSION" ]; then
  $runas "$pgbin/initdb" -D "$pgdata" -U zicht --auth=trust -E UTF8 >/dev/null
fi
if ! $runas "$pgbin/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
  $runas "$pgbin/pg_ctl" -D "$pgdata" -l "$root/pg.log" -w \
    -o "-p $pgport -k $root -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
fi
$runas "$pgbin/createdb" -h "$root" -p "$pgport" -U zicht zicht 2>/dev/null || true
redisport="${ZICHT_TEST_REDISPORT:-63799}"
if ! redis-cli -p "$redisport" ping >/dev/null 2>&1; then
  redis-server --port "$redisport" --bind 127.0.0.1 --daemonize yes --save "" --appendonly no \
    --dir "$root" --logfile "$root/redis.log" >/dev/null
fi
echo "export DATABASE_URL=postgres://zicht@127.0.0.1:$pgport/zicht"
echo "export CELERY_BROKER_URL=redis://127.0.0.1:$redisport/0"
echo "export ZICHT_TEST_PG_BIN=$pgbin"
