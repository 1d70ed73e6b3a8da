#!/usr/bin/env bash
# A/B: certificate issuance (management API and EST) base jar vs /tmp/lead/jar, alternated, SQLite.
set -u
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java; T=fk_$(openssl rand -hex 32); OUT=/tmp/lead/ab-pki; mkdir -p $OUT
run() { # $1 label $2 jar
  rm -rf /tmp/lead/data-ab; $J -Xms1g -Xmx1g -jar $2 --server.port=24080 --fleetkeeper.device-api.port=24443 \
    --fleetkeeper.mqtt.port=24883 --fleetkeeper.db.data-dir=/tmp/lead/data-ab --fleetkeeper.auth.bootstrap-token=$T \
    > $OUT/server-$1.log 2>&1 & local pid=$!
  for i in $(seq 90); do curl -sf http://127.0.0.1:24080/actuator/health >/dev/null && break; sleep 1; done
  $J -Xmx1g -jar /tmp/h/base/fleetkeeper-bench.jar pki --url http://127.0.0.1:24080 --device-url https://127.0.0.1:24443 \
    --platform-token $T --devices 3000 --clients 16 --duration 20 --warmup 8 --skip-baseline --server-pid $pid \
    > $OUT/bench-$1.log 2>&1
  echo "== $1 ($(uptime | sed 's/.*load/load/'))"; grep -E "^(API|EST)" $OUT/bench-$1.log
  kill $pid; wait $pid 2>/dev/null
}
run base1 /tmp/h/base/fleetkeeper-server.jar; run new1 /tmp/lead/jar/fleetkeeper-server.jar
run base2 /tmp/h/base/fleetkeeper-server.jar; run new2 /tmp/lead/jar/fleetkeeper-server.jar
