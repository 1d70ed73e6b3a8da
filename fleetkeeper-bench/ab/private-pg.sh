#!/bin/bash
# A private PostgreSQL 15 cluster for benchmarks, with stock settings (autovacuum on), beside the machine's shared
# instance (which CI configures with autovacuum off). Usage: private-pg.sh start|stop [PORT] (default 5434).
# Data in /var/tmp/fk-private-pg-PORT (kept between starts; delete it for a fresh cluster); runs as user postgres,
# trust authentication on 127.0.0.1 only. Prints the JDBC URL to give the server (--fleetkeeper.db.url=…,
# --fleetkeeper.db.username=postgres) and the psql command.
set -eu
BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}; PORT=${2:-5434}; D=/var/tmp/fk-private-pg-$PORT
case ${1:-} in
  start)
    if [ ! -f $D/PG_VERSION ]; then
      install -d -o postgres -g postgres $D
      su postgres -c "$BIN/initdb -D $D -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" > /dev/null
    fi
    su postgres -c "$BIN/pg_ctl -D $D -l $D/server.log -o '-p $PORT -c listen_addresses=127.0.0.1 -k /tmp' -w start" > /dev/null
    echo "jdbc:postgresql://127.0.0.1:$PORT/postgres   (psql -h 127.0.0.1 -p $PORT -U postgres)"
    psql -h 127.0.0.1 -p $PORT -U postgres -tAc "select 'autovacuum=' || current_setting('autovacuum') || ', shared_buffers=' || current_setting('shared_buffers')" ;;
  stop)
    su postgres -c "$BIN/pg_ctl -D $D -m fast -w stop" > /dev/null ;;
  *) echo "usage: $0 start|stop [PORT]" >&2; exit 2 ;;
esac
