#!/bin/bash
# ota-poll.sh: the DDI idle-poll phase of the ota bench (1,000 devices, 64 connections, 20 s), A = /tmp/h/base, B = $B_JAR,
# alternated A B A B, a fresh SQLite data directory per run; server CPU per poll (ports 47681, 47643)
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin
B_JAR=${B_JAR:-/tmp/h/lazy/fleetkeeper-server.jar}
for run in A1 B1 A2 B2; do
  jar=/tmp/h/base/fleetkeeper-server.jar; [ "${run:0:1}" = B ] && jar=$B_JAR
  W=/tmp/ota-ab-$run; rm -rf $W; mkdir -p $W/data; P=fk_$(openssl rand -hex 32)
  $J/java -Xmx1g -jar $jar --server.port=47681 --fleetkeeper.device-api.port=47643 --fleetkeeper.mqtt.port=-1 \
    --fleetkeeper.db.data-dir=$W/data --fleetkeeper.auth.bootstrap-token=$P --logging.level.root=WARN > $W/server.log 2>&1 &
  SP=$!
  for i in $(seq 1 240); do curl -sf http://127.0.0.1:47681/actuator/health >/dev/null && break; sleep 0.5; done
  $J/java -jar /tmp/h/base/fleetkeeper-bench.jar ota --url http://127.0.0.1:47681 --device-url https://127.0.0.1:47643 \
    --platform-token $P --devices 1000 --clients 64 --duration 20 --artifact-mb 1 --downloads 10 --server-pid $SP > $W/bench.log 2>&1
  line=$(grep "^| DDI idle polls" $W/bench.log)
  rps=$(echo "$line" | grep -o '[0-9,]* req/s, p99' | head -1 | tr -d ', req/sp9')
  cores=$(echo "$line" | grep -o 'server [0-9.]* cores' | awk '{print $2}')
  p99=$(echo "$line" | grep -o 'p99 [0-9.]* ms' | head -1)
  echo "$run: $rps polls/s, server $cores cores = $(awk "BEGIN{printf \"%.3f\", 1000*$cores/$rps}") ms CPU per poll, $p99 (load $(cut -d' ' -f1 /proc/loadavg))"
  kill $SP; wait $SP 2>/dev/null
done
