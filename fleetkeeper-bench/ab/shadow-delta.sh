#!/bin/bash
# A/B: operator PATCH shadow/desired -> device delta, 10,000 MQTT/TLS devices, 1,000 PATCH/s asked for 30 s (5 s warm-up
# at 200/s). STORE=sqlite (default) or STORE=pg: database fk_sh10k on 127.0.0.1:$PGP (default 5432), VACUUM ANALYZE
# before each run as autovacuum may be off there; PGP=5434 with private-pg.sh for a cluster with stock settings.
# A = /tmp/h/base/fleetkeeper-server.jar, B = $B_JAR; RUNS pairs, alternating; both use the same data and device cache
# (SEED, default /tmp/shadow-delta-$STORE[$PGP]), made by the first run. Ports 23610-23611.
set -u
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin; STORE=${STORE:-sqlite}; RUNS=${RUNS:-3}; PGP=${PGP:-5432}
SEED=${SEED:-/tmp/shadow-delta-$STORE$([ $STORE = pg ] && echo $PGP)}
B_JAR=${B_JAR:?the candidate server jar}; DB=${DB:-fk_sh10k}; W=$(mktemp -d /tmp/ab-delta.XXXX); mkdir -p $SEED
[ -f $SEED/token ] || echo fk_$(openssl rand -hex 32) > $SEED/token; T=$(cat $SEED/token)
run() { # LABEL JAR
  local out=$W/$1-$RANDOM db=(); mkdir -p $out
  if [ $STORE = pg ]; then
    psql -h 127.0.0.1 -p $PGP -U postgres -tc "select 1 from pg_database where datname='$DB'" | grep -q 1 \
      || psql -q -h 127.0.0.1 -p $PGP -U postgres -c "create database $DB"
    psql -q -h 127.0.0.1 -p $PGP -U postgres -d $DB -c "vacuum analyze" 2>/dev/null
    db=(--fleetkeeper.db.url=jdbc:postgresql://127.0.0.1:$PGP/$DB --fleetkeeper.db.username=postgres)
  fi
  $J/java -Xms1g -Xmx1g -jar $2 --server.port=23610 --fleetkeeper.mqtt.port=23611 --fleetkeeper.device-api.port=-1 \
    "${db[@]}" --fleetkeeper.db.data-dir=$SEED/data --fleetkeeper.auth.bootstrap-token=$T --logging.level.root=WARN \
    > $out/server.log 2>&1 &
  local P=$!
  for i in $(seq 150); do curl -sf http://127.0.0.1:23610/actuator/health >/dev/null && break; sleep 1; done
  local ld="$(cut -d' ' -f1-3 /proc/loadavg)"
  $J/java --enable-native-access=ALL-UNNAMED -Xmx1g -jar /tmp/h/base/fleetkeeper-bench.jar shadow \
    --url http://127.0.0.1:23610 --mqtt-port 23611 --platform-token $T --cache $SEED/cache --devices 10000 --rates 1000 \
    --duration 30 --warmup 5 --report-seconds 0 --no-mosquitto --server-pid $P > $out/bench.txt 2>&1
  kill $P; wait $P 2>/dev/null
  grep "^measure" $out/bench.txt | sed 's/,//g' | awk -v l=$1 -v ld="$ld" '{
    for (i = 1; i <= NF; i++) { if ($i == "achieved") a = $(i+1); if ($i == "server") c = $(i+1); if ($i == "machine") m = $(i+1)
      if ($i == "p50") { k5++; if (k5 == 2) d5 = $(i+1) } if ($i == "p90") d9 = $(i+1); if ($i == "p99") { k++; if (k == 2) dp = $(i+1) } }
    printf "%s load %s: %s PATCH/s, delivery p50 %s p90 %s p99 %s ms, server %s cores, machine %s busy\n", l, ld, a, d5, d9, dp, c, m
    print l, d9, dp >> "'$W'/raw" }'
}
for r in $(seq $RUNS); do run A /tmp/h/base/fleetkeeper-server.jar; run B $B_JAR; done
awk '{ n[$1]++; p9[$1] += $2; p[$1] += $3 } END { printf "means: A delivery p90 %.1f p99 %.1f ms; B p90 %.1f p99 %.1f ms\n", p9["A"]/n["A"], p["A"]/n["A"], p9["B"]/n["B"], p["B"]/n["B"] }' $W/raw
