#!/usr/bin/env bash
# A/B of device shadow reported writes on PostgreSQL (MQTT group commit): A = /tmp/h/base/fleetkeeper-server.jar,
# B = /tmp/h/shadowpg2/fleetkeeper-server.jar (VARIANTS="name=jar ..." overrides; the first is the reference).
# Same bench client for all (/tmp/h/base/fleetkeeper-bench.jar). Each variant gets its own fresh database, data
# directory and bench cache. Per run: DEVICES devices connect over MQTT/TLS, operator PATCHes at RATE/s for OP_SECS s,
# then device reported updates for REPORT_SECS s with INFLIGHT in flight. Figures per run: accepted/s, server CPU
# (from /proc/PID/stat over the reported phase, by the bench) and PostgreSQL backends' CPU (from /proc, sampled every
# second) per accepted write, load average at the run's start. Order alternates (A B, then B A). Ports 23000-23099.
set -euo pipefail
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
J=$JAVA_HOME/bin/java
DEVICES=${DEVICES:-2000}
RATE=${RATE:-1000}
OP_SECS=${OP_SECS:-10}
REPORT_SECS=${REPORT_SECS:-20}
INFLIGHT=${INFLIGHT:-64}
ROUNDS=${ROUNDS:-2}
VARIANTS=${VARIANTS:-"A=/tmp/h/base/fleetkeeper-server.jar B=/tmp/h/shadowpg2/fleetkeeper-server.jar"}
JFR=${JFR:-}            # a variant name: that variant's server runs with a flight recording (W/<name>-<round>.jfr)
W=${W:-/tmp/h/shadowpg2/ab}
BENCH_JAR=/tmp/h/base/fleetkeeper-bench.jar
PSQL="psql -h 127.0.0.1 -U postgres"
rm -rf "$W"; mkdir -p "$W"
TOKEN="fk_$(openssl rand -hex 32)"
SERVER_PID=""
SAMPLER=""
declare -A JAR
NAMES=()
for v in $VARIANTS; do NAMES+=("${v%%=*}"); JAR[${v%%=*}]=${v#*=}; done

cleanup() {
    set +e
    [ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null && wait "$SAMPLER" 2>/dev/null
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; fi
    for v in "${NAMES[@]}"; do dropdb -h 127.0.0.1 -U postgres --if-exists "shadowpg2_ab_${v,,}" 2>/dev/null; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for v in "${NAMES[@]}"; do
    dropdb -h 127.0.0.1 -U postgres --if-exists "shadowpg2_ab_${v,,}"
    createdb -h 127.0.0.1 -U postgres "shadowpg2_ab_${v,,}"
    mkdir -p "$W/data-$v" "$W/cache-$v"
done

pg_backend_ticks() { # CPU ticks (user+system) of the PostgreSQL backends serving database $1
    local db=$1 total=0 pid f
    for pid in $($PSQL -Atc "SELECT pid FROM pg_stat_activity WHERE datname = '$db'" 2>/dev/null); do
        if f=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null); then
            set -- $f
            total=$((total + ${12} + ${13}))
        fi
    done
    echo "$total"
}

run() { # variant round
    local v=$1 r=$2 port=23080 mqtt=23883 db="shadowpg2_ab_${1,,}" jfr=""
    local load; load=$(cut -d' ' -f1-3 /proc/loadavg)
    [ "$v" = "$JFR" ] && jfr="-XX:StartFlightRecording=filename=$W/$v-$r.jfr,settings=profile,jdk.ExecutionSample#period=2ms"
    (cd "$W" && exec "$J" -Xmx1g $jfr -jar "${JAR[$v]}" --server.port=$port --fleetkeeper.device-api.port=23443 \
        --fleetkeeper.mqtt.port=$mqtt --fleetkeeper.db.data-dir="$W/data-$v" --fleetkeeper.auth.bootstrap-token="$TOKEN" \
        --fleetkeeper.db.url="jdbc:postgresql://127.0.0.1:5432/$db" --fleetkeeper.db.username=postgres \
        > "$W/server-$v-$r.log" 2>&1) &
    SERVER_PID=$!
    local up=""
    for _ in $(seq 1 480); do
        if [ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$port/pki/v1/platform/ca.pem || true)" = 200 ]; then up=1; break; fi
        sleep 0.5
    done
    if [ -z "$up" ]; then
        echo "$v round $r: server did not start, see $W/server-$v-$r.log"
        kill "$SERVER_PID"; wait "$SERVER_PID" || true; SERVER_PID=""; eval "ACC_${v}_$r=0 CPU_${v}_$r=0"; return
    fi
    ( while sleep 1; do echo "$(date +%s) $(pg_backend_ticks "$db")"; done ) > "$W/pg-$v-$r.log" &
    SAMPLER=$!
    "$J" --enable-native-access=ALL-UNNAMED -Xmx1g -jar "$BENCH_JAR" shadow --url http://127.0.0.1:$port \
        --mqtt-port $mqtt --platform-token "$TOKEN" --cache "$W/cache-$v" --devices "$DEVICES" \
        --rates "$RATE" --duration "$OP_SECS" --warmup 3 --http-clients 8 --report-seconds "$REPORT_SECS" \
        --report-inflight "$INFLIGHT" --server-pid "$SERVER_PID" > "$W/bench-$v-$r.log" 2>&1 || true
    kill "$SAMPLER"; wait "$SAMPLER" 2>/dev/null || true; SAMPLER=""
    kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
    local acc lat start t0 pgc srv
    acc=$(grep -o '[0-9,]* accepted/s' "$W/bench-$v-$r.log" | tail -1 | tr -d ', accepted/s' || true)
    lat=$(grep -o 'update -> accepted p50 [0-9.]* ms, p99 [0-9.]* ms' "$W/bench-$v-$r.log" | tail -1 || true)
    start=$(grep -o 'in flight \[[0-9:]*\]' "$W/bench-$v-$r.log" | tr -d '[]' | awk '{print $3}' || true)
    t0=$(date -d "${start:-00:00:00}" +%s 2>/dev/null || echo 0)
    pgc=$(awk -v a="$t0" -v b="$((t0 + REPORT_SECS))" '$1>=a && f==""{f=$2} $1<=b{l=$2} END{printf "%.3f", (l-f)/100/(b-a)}' "$W/pg-$v-$r.log")
    srv=$(grep '^reported:' "$W/bench-$v-$r.log" | grep -o 'server [0-9.]* cores' | awk '{print $2}' || true)
    acc=${acc:-0}; srv=${srv:-0}
    local cpu; cpu=$(awk "BEGIN{printf \"%.3f\", ($acc>0 ? 1000*($srv+$pgc)/$acc : 0)}")
    echo "$v round $r (load at start $load): ${acc} accepted/s ($lat); server ${srv} + PG ${pgc} cores =" \
        "$(awk "BEGIN{printf \"%.3f ms server + %.3f ms PG\", ($acc>0?1000*$srv/$acc:0), ($acc>0?1000*$pgc/$acc:0)}") = $cpu ms CPU per write"
    eval "ACC_${v}_$r=$acc CPU_${v}_$r=$cpu"
}

echo "shadowpg2 A/B: $VARIANTS; $DEVICES devices, operator $RATE/s for $OP_SECS s, reported $REPORT_SECS s with $INFLIGHT in flight"
for r in $(seq 1 "$ROUNDS"); do
    if [ $((r % 2)) = 1 ]; then order=("${NAMES[@]}"); else order=(); for ((i=${#NAMES[@]}-1; i>=0; i--)); do order+=("${NAMES[$i]}"); done; fi
    for v in "${order[@]}"; do run "$v" "$r"; done
done
ref=${NAMES[0]}
for v in "${NAMES[@]}"; do
    sa=0; sc=0
    for r in $(seq 1 "$ROUNDS"); do eval "sa=\$(awk \"BEGIN{print $sa + \$ACC_${v}_$r}\"); sc=\$(awk \"BEGIN{print $sc + \$CPU_${v}_$r}\")"; done
    eval "MA_$v=$(awk "BEGIN{printf \"%.0f\", $sa/$ROUNDS}") MC_$v=$(awk "BEGIN{printf \"%.3f\", $sc/$ROUNDS}")"
done
for v in "${NAMES[@]}"; do
    eval "a=\$MA_$v c=\$MC_$v ra=\$MA_$ref rc=\$MC_$ref"
    echo "mean of $ROUNDS, $v: $a accepted/s, $c ms CPU per write (server + PG); vs $ref: accepted/s x$(awk "BEGIN{printf \"%.2f\", $a/($ra>0?$ra:1)}"), CPU per write x$(awk "BEGIN{printf \"%.2f\", ($rc>0?$c/$rc:0)}")"
done
echo "logs: $W"
