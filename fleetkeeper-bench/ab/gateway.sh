#!/usr/bin/env bash
# A/B of the gateway benchmark (SQLite): A = /tmp/h/base/fleetkeeper-server.jar, B = B_JAR (default
# /tmp/h/gw/fleetkeeper-server.jar); the same bench client for both (/tmp/h/base/fleetkeeper-bench.jar). Per run: a
# fresh data directory, one gateway with CHILDREN children and DIRECT direct devices over MQTT 5/TLS, telemetry and
# reported fan-in for DURATION s each side, DELTAS operator PATCHes at RATE/s; server CPU from the bench. Order
# alternates (A B, then B A). Ports 23800-23801.
set -euo pipefail
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
J=$JAVA_HOME/bin/java
CHILDREN=${CHILDREN:-10000}; DIRECT=${DIRECT:-100}; DURATION=${DURATION:-20}; DELTAS=${DELTAS:-500}; RATE=${RATE:-50}
ROUNDS=${ROUNDS:-2}
B_JAR=${B_JAR:-/tmp/h/gw/fleetkeeper-server.jar}
VARIANTS=${VARIANTS:-"A=/tmp/h/base/fleetkeeper-server.jar B=$B_JAR"}
W=${W:-/tmp/h/gw/ab}
BENCH_JAR=/tmp/h/base/fleetkeeper-bench.jar
rm -rf "$W"; mkdir -p "$W"
TOKEN="fk_$(openssl rand -hex 32)"
SERVER_PID=""
declare -A JAR; NAMES=()
for v in $VARIANTS; do NAMES+=("${v%%=*}"); JAR[${v%%=*}]=${v#*=}; done
cleanup() { set +e; if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then kill "$SERVER_PID"; wait "$SERVER_PID"; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM

run() { # variant round
    local v=$1 r=$2 port=23800 mqtt=23801
    local load; load=$(cut -d' ' -f1-3 /proc/loadavg)
    (cd "$W" && exec "$J" -Xmx1g -jar "${JAR[$v]}" --server.port=$port --fleetkeeper.mqtt.port=$mqtt \
        --fleetkeeper.device-api.port=-1 --fleetkeeper.db.data-dir="$W/data-$v-$r" --fleetkeeper.auth.bootstrap-token="$TOKEN" \
        --logging.level.root=WARN --fleetkeeper.mqtt.publishes-per-second=100000 --fleetkeeper.mqtt.gateway-publishes-per-second=100000 > "$W/server-$v-$r.log" 2>&1) &
    SERVER_PID=$!
    for _ in $(seq 1 480); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$port/pki/v1/platform/ca.pem || true)" = 200 ] && break
        sleep 0.5
    done
    "$J" -Xmx1g -jar "$BENCH_JAR" gateway --url http://127.0.0.1:$port --mqtt-port $mqtt --platform-token "$TOKEN" \
        --children "$CHILDREN" --direct "$DIRECT" --duration "$DURATION" --inflight 64 --deltas "$DELTAS" --rate "$RATE" \
        --server-pid "$SERVER_PID" > "$W/bench-$v-$r.log" 2>&1 || true
    kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
    echo "$v round $r (load at start $load):"
    grep -E "msg/s|p99" "$W/bench-$v-$r.log" | sed 's/^/    /'
}

echo "gateway A/B: $VARIANTS; $CHILDREN children, $DIRECT direct, $DURATION s, $DELTAS deltas at $RATE/s"
for r in $(seq 1 "$ROUNDS"); do
    if [ $((r % 2)) = 1 ]; then order=("${NAMES[@]}"); else order=(); for ((i=${#NAMES[@]}-1; i>=0; i--)); do order+=("${NAMES[$i]}"); done; fi
    for v in "${order[@]}"; do run "$v" "$r"; done
done
echo "logs: $W"
