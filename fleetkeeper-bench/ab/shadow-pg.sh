#!/usr/bin/env bash
# A/B of device shadow writes on PostgreSQL: baseline /tmp/h/base/*.jar vs /tmp/shadow-pg/*.jar, alternated
# (base, new, new, base), same commands. Each variant gets its own fresh database, data directory and bench cache.
# Per run: DEVICES devices connect over MQTT/TLS, operator PATCHes at RATE/s for OP_SECS s (delta delivery), then
# device reported updates for REPORT_SECS s with INFLIGHT in flight (accepted/s). Prints the figures and the ratio.
# Ports 20000-20999 only. Everything started here is killed on exit.
set -u
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
J=$JAVA_HOME/bin/java
DEVICES=${DEVICES:-2000}
RATE=${RATE:-1000}
OP_SECS=${OP_SECS:-10}
REPORT_SECS=${REPORT_SECS:-20}
INFLIGHT=${INFLIGHT:-64}
ROUNDS=${ROUNDS:-2}
W=/tmp/shadow-pg/ab
BENCH_JAR=/tmp/h/base/fleetkeeper-bench.jar   # the same bench client for both
rm -rf "$W"; mkdir -p "$W"
TOKEN="fk_$(openssl rand -hex 32)"
SERVER_PID=""

cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null
    fi
    for v in base new; do dropdb -h 127.0.0.1 -U postgres --if-exists "shadow_pg_ab_$v" 2>/dev/null; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM   # exit runs the EXIT trap

for v in base new; do
    dropdb -h 127.0.0.1 -U postgres --if-exists "shadow_pg_ab_$v"
    createdb -h 127.0.0.1 -U postgres "shadow_pg_ab_$v" || exit 1
    mkdir -p "$W/data-$v" "$W/cache-$v"
done

pg_backend_ticks() { # CPU ticks (user+system) of the PostgreSQL backends serving database $1
    local total=0
    for pid in $(psql -h 127.0.0.1 -U postgres -Atc "SELECT pid FROM pg_stat_activity WHERE datname = '$1'"); do
        if [ -r "/proc/$pid/stat" ]; then
            set -- "$1" $(sed 's/^.*) //' "/proc/$pid/stat")
            total=$((total + ${12} + ${13}))
        fi
    done
    echo $total
}

run() { # variant round
    local v=$1 r=$2 jar port=20080 mqtt=20883
    if [ "$v" = base ]; then jar=/tmp/h/base/fleetkeeper-server.jar; else jar=/tmp/shadow-pg/fleetkeeper-server.jar; fi
    (cd "$W" && exec "$J" -Xmx1g -jar "$jar" --server.port=$port --fleetkeeper.device-api.port=20443 \
        --fleetkeeper.mqtt.port=$mqtt --fleetkeeper.db.data-dir="$W/data-$v" --fleetkeeper.auth.bootstrap-token="$TOKEN" \
        --fleetkeeper.db.url="jdbc:postgresql://127.0.0.1:5432/shadow_pg_ab_$v" --fleetkeeper.db.username=postgres \
        > "$W/server-$v-$r.log" 2>&1) &
    SERVER_PID=$!
    for _ in $(seq 1 480); do   # up to 4 min: a loaded machine starts the server slowly
        [ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$port/pki/v1/platform/ca.pem)" = 200 ] && break
        sleep 0.5
    done
    [ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$port/pki/v1/platform/ca.pem)" = 200 ] \
        || { echo "$v round $r: server did not start, see $W/server-$v-$r.log"; kill "$SERVER_PID"; wait "$SERVER_PID"; SERVER_PID=""; return; }
    ( while sleep 1; do echo "$(date +%s) $(pg_backend_ticks "shadow_pg_ab_$v")"; done ) > "$W/pg-$v-$r.log" &
    local sampler=$!
    "$J" --enable-native-access=ALL-UNNAMED -Xmx1g -jar "$BENCH_JAR" shadow --url http://127.0.0.1:$port \
        --mqtt-port $mqtt --platform-token "$TOKEN" --cache "$W/cache-$v" --devices "$DEVICES" \
        --rates "$RATE" --duration "$OP_SECS" --warmup 3 --http-clients 8 --report-seconds "$REPORT_SECS" \
        --report-inflight "$INFLIGHT" --server-pid "$SERVER_PID" > "$W/bench-$v-$r.log" 2>&1
    kill "$sampler"; wait "$sampler" 2>/dev/null
    kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=""
    local acc lat pgc op start t0 srv
    acc=$(grep -o '[0-9,]* accepted/s' "$W/bench-$v-$r.log" | tail -1 | tr -d ', accepted/s')
    lat=$(grep -o 'update -> accepted p50 [0-9.]* ms, p99 [0-9.]* ms' "$W/bench-$v-$r.log" | tail -1)
    op=$(grep '^measure' "$W/bench-$v-$r.log" | tail -1 | grep -o 'achieved [^;]*\|delivery[^;]*' | tr '\n' ' ')
    # PostgreSQL backends' CPU during the reported phase (sampled every second; the phase starts at [HH:MM:SS])
    start=$(grep -o 'in flight \[[0-9:]*\]' "$W/bench-$v-$r.log" | tr -d '[]' | awk '{print $3}')
    t0=$(date -d "$start" +%s 2>/dev/null || echo 0)
    pgc=$(awk -v a="$t0" -v b="$((t0 + REPORT_SECS))" '$1>=a && f==""{f=$2} $1<=b{l=$2} END{printf "%.2f", (l-f)/100/(b-a)}' "$W/pg-$v-$r.log")
    srv=$(grep '^reported:' "$W/bench-$v-$r.log" | grep -o 'server [0-9.]* cores' | awk '{print $2}')
    echo "$v round $r: reported ${acc:-?} accepted/s ($lat); server ${srv:-?} cores, PG backends $pgc cores =" \
        "$(awk "BEGIN{printf \"%.2f ms server + %.2f ms PG\", 1000*${srv:-0}/${acc:-1}, 1000*$pgc/${acc:-1}}") CPU per write; load $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "   operator: $op"
    eval "ACC_${v}_$r=${acc:-0}"
}

echo "shadow-pg A/B: $DEVICES devices, operator $RATE/s for $OP_SECS s, reported $REPORT_SECS s with $INFLIGHT in flight; load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$ROUNDS"); do   # ABBA: the load of other work drifts; alternate who goes first
    if [ $((r % 2)) = 1 ]; then run base "$r"; run new "$r"; else run new "$r"; run base "$r"; fi
done
sb=0; sn=0
for r in $(seq 1 "$ROUNDS"); do eval "sb=\$((sb + ACC_base_$r)); sn=\$((sn + ACC_new_$r))"; done
echo "reported accepted/s, mean of $ROUNDS: base $((sb / ROUNDS)), new $((sn / ROUNDS)), ratio $(awk "BEGIN{printf \"%.2f\", $sn/($sb>0?$sb:1)}")"
echo "logs: $W"
