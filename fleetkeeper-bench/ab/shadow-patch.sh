#!/bin/bash
# A/B: server CPU per operator PATCH shadow/desired (SQLite, 1,000 MQTT/TLS devices connected, RATE/s asked for D s)
# A = /tmp/h/base/fleetkeeper-server.jar, B = ${B_JAR:-/tmp/lead/jar/fleetkeeper-server.jar}; RUNS pairs, alternating.
# Ports 23610-23611. Prints per run and means; server CPU per PATCH = server cores / PATCH/s achieved.
set -u
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin; A_JAR=/tmp/h/base/fleetkeeper-server.jar; B_JAR=${B_JAR:-/tmp/lead/jar/fleetkeeper-server.jar}
RATE=${RATE:-400}; D=${D:-30}; RUNS=${RUNS:-2}; W=$(mktemp -d /tmp/ab-patch.XXXX)
run() { # LABEL JAR
  local dir=$W/$1-$RANDOM T=fk_$(openssl rand -hex 32); mkdir -p $dir
  $J/java -Xms1g -Xmx1g -jar $2 --server.port=23610 --fleetkeeper.mqtt.port=23611 --fleetkeeper.device-api.port=-1 \
    --fleetkeeper.db.data-dir=$dir/data --fleetkeeper.auth.bootstrap-token=$T --logging.level.root=WARN > $dir/server.log 2>&1 &
  local P=$!
  for i in $(seq 150); do curl -sf http://127.0.0.1:23610/actuator/health >/dev/null && break; sleep 1; done
  $J/java --enable-native-access=ALL-UNNAMED -Xmx1g -jar /tmp/h/base/fleetkeeper-bench.jar shadow --url http://127.0.0.1:23610 \
    --mqtt-port 23611 --platform-token $T --cache $dir/cache --devices 1000 --rates $RATE --duration $D --warmup 10 \
    --report-seconds 0 --no-mosquitto --server-pid $P > $dir/bench.txt 2>&1
  kill $P; wait $P 2>/dev/null
  grep "^measure" $dir/bench.txt | sed 's/,//g' | awk -v l=$1 -v ld="$(cut -d' ' -f1-3 /proc/loadavg)" '{
    for (i = 1; i <= NF; i++) { if ($i == "achieved") a = $(i+1); if ($i == "server") c = $(i+1); if ($i == "p99") { k++; if (k == 1) pr = $(i+1); else dp = $(i+1) } if ($i == "p50" && !p5) p5 = $(i+1) }
    printf "%s load %s: %s PATCH/s, server %s cores, cpu/PATCH %.0f us, response p50 %s p99 %s ms, delivery p99 %s ms\n", l, ld, a, c, c / a * 1e6, p5, pr, dp
    print l, c / a * 1e6, dp >> "'$W'/raw" }'
}
for r in $(seq $RUNS); do run A $A_JAR; run B $B_JAR; done
awk '{ n[$1]++; s[$1] += $2; q[$1] += $3 } END { printf "means: A cpu/PATCH %.0f us, delivery p99 %.1f ms; B %.0f us, %.1f ms; B/A cpu %.3f\n", s["A"]/n["A"], q["A"]/n["A"], s["B"]/n["B"], q["B"]/n["B"], (s["B"]/n["B"])/(s["A"]/n["A"]) }' $W/raw
