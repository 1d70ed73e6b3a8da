#!/usr/bin/env bash
# A/B of events out (outbox -> relay -> JetStream -> webhook route) on PostgreSQL + NATS: A = /tmp/h/base/
# fleetkeeper-server.jar, B = B_JAR (default /tmp/h/events/fleetkeeper-server.jar). Same bench client for both
# (/tmp/h/base/fleetkeeper-bench.jar). Each run: a fresh database, fresh JetStream streams and consumer names (so no
# run sees another's messages), a new tenant; the bench imports IMPORT devices (IMPORT_BATCH rows a request, 2 at
# once) and routes their device.created events to its webhook sink; with RATE set, status changes at RATE/s instead
# (the latency figure). Figures per run: events delivered per second
# over the drain after the import, commit -> webhook p50/p99, server CPU and PostgreSQL backends' CPU per event
# delivered (from /proc), load average at the start. Order alternates (A B, then B A). Ports 23700-23701.
set -euo pipefail
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
J=$JAVA_HOME/bin/java
IMPORT=${IMPORT:-50000}
IMPORT_BATCH=${IMPORT_BATCH:-10000}
RATE=${RATE:-}          # instead of the import: device status changes at RATE/s for DURATION s (100 devices, 16 clients)
DURATION=${DURATION:-20}
if [ -n "$RATE" ]; then LOAD="--devices 100 --rate $RATE --duration $DURATION --clients 16"
else LOAD="--import $IMPORT --import-batch $IMPORT_BATCH --clients 2"; fi
ROUNDS=${ROUNDS:-2}
B_JAR=${B_JAR:-/tmp/h/events/fleetkeeper-server.jar}
VARIANTS=${VARIANTS:-"A=/tmp/h/base/fleetkeeper-server.jar B=$B_JAR"}
EXTRA=${EXTRA:-}        # extra server arguments for every variant
JFR=${JFR:-}            # a variant name: that variant's server runs with a flight recording (W/<name>-<round>.jfr)
W=${W:-/tmp/h/events/ab}
BENCH_JAR=/tmp/h/base/fleetkeeper-bench.jar
PGP=${PGP:-5432}   # PostgreSQL port (5434: the private cluster of private-pg.sh, stock settings)
PSQL="psql -h 127.0.0.1 -p $PGP -U postgres"
rm -rf "$W"; mkdir -p "$W"
TOKEN="fk_$(openssl rand -hex 32)"
SERVER_PID=""
SAMPLER=""
declare -A JAR
NAMES=()
for v in $VARIANTS; do NAMES+=("${v%%=*}"); JAR[${v%%=*}]=${v#*=}; done
DB=events_ab

cleanup() {
    set +e
    [ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null && wait "$SAMPLER" 2>/dev/null
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; fi
    dropdb -h 127.0.0.1 -p $PGP -U postgres --if-exists "$DB" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ticks() { # CPU ticks (user+system) of process $1
    local f; f=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
    set -- $f; echo $((${12} + ${13}))
}
pg_ticks() {
    local total=0 pid
    for pid in $($PSQL -Atc "SELECT pid FROM pg_stat_activity WHERE datname = '$DB'" 2>/dev/null); do
        total=$((total + $(ticks "$pid")))
    done
    echo "$total"
}

run() { # variant round
    local v=$1 r=$2 port=23700 tag="AB$(date +%s%N | tail -c 9)"
    local load; load=$(cut -d' ' -f1-3 /proc/loadavg)
    local jfr=""
    [ "$v" = "$JFR" ] && jfr="-XX:StartFlightRecording=filename=$W/$v-$r.jfr,settings=profile,jdk.ExecutionSample#period=2ms"
    dropdb -h 127.0.0.1 -p $PGP -U postgres --if-exists "$DB"; createdb -h 127.0.0.1 -p $PGP -U postgres "$DB"
    mkdir -p "$W/data-$v-$r"
    (cd "$W" && exec "$J" -Xmx1g $jfr -jar "${JAR[$v]}" --server.port=$port --fleetkeeper.device-api.port=-1 \
        --fleetkeeper.mqtt.port=-1 --fleetkeeper.db.data-dir="$W/data-$v-$r" --fleetkeeper.auth.bootstrap-token="$TOKEN" \
        --fleetkeeper.db.url="jdbc:postgresql://127.0.0.1:$PGP/$DB" --fleetkeeper.db.username=postgres \
        --fleetkeeper.nats.url=nats://127.0.0.1:4222 --fleetkeeper.nats.events-stream="${tag}_EV" \
        --fleetkeeper.nats.routes-stream="${tag}_RT" --fleetkeeper.nats.routes-subject="${tag,,}rt" \
        --fleetkeeper.nats.routes-consumer="${tag,,}-rd" --fleetkeeper.events.allowed-private-networks=127.0.0.1/32 \
        $EXTRA > "$W/server-$v-$r.log" 2>&1) &
    SERVER_PID=$!
    local up=""
    for _ in $(seq 1 480); do
        if [ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$port/pki/v1/platform/ca.pem || true)" = 200 ]; then up=1; break; fi
        sleep 0.5
    done
    if [ -z "$up" ]; then echo "$v round $r: server did not start, see $W/server-$v-$r.log"; exit 1; fi
    local admin
    curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
        -d "{\"name\":\"ev-${v,,}-$r\"}" http://127.0.0.1:$port/api/v1/operator/tenants > "$W/tenant-$v-$r.json"
    admin=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["admin_token"]["token"])' "$W/tenant-$v-$r.json") \
        || { echo "$v round $r: no tenant: $(cat "$W/tenant-$v-$r.json")"; exit 1; }
    echo "$admin" > "$W/admin-$v-$r.token"
    ( while sleep 1; do b=$(pgrep -f "fleetkeeper-bench.jar events" | head -1); echo "$(date +%s) $(ticks "$SERVER_PID") $(pg_ticks) $([ -n "$b" ] && ticks "$b" || echo 0)"; done ) > "$W/cpu-$v-$r.log" &
    SAMPLER=$!
    "$J" -Xmx1g -jar "$BENCH_JAR" events --url http://127.0.0.1:$port --tenant-token-file "$W/admin-$v-$r.token" \
        $LOAD > "$W/bench-$v-$r.log" 2>&1 || true
    kill "$SAMPLER"; wait "$SAMPLER" 2>/dev/null || true; SAMPLER=""
    kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
    local drained secs rate lat atstop
    read -r drained secs < <(grep -o 'backlog when the load stopped: [0-9,]* events; drained in [0-9.]* s' "$W/bench-$v-$r.log" \
        | sed 's/[^0-9. ]//g' | awk '{print $1, $2}' || echo "0 0")
    lat=$(grep -o 'p50 [0-9]* ms, p99 [0-9]* ms' "$W/bench-$v-$r.log" | head -1 || true)
    atstop=$(grep -o '[0-9,]*/s during load' "$W/bench-$v-$r.log" | tr -d ',' || true)
    rate=$(awk -v d="${drained:-0}" -v s="${secs:-0}" 'BEGIN{printf "%.0f", (s>0 ? d/s : 0)}')
    # CPU over the whole bench (import + drain): per event delivered
    local delivered cpu
    delivered=$(grep -o 'delivered to the webhook: [0-9,]*' "$W/bench-$v-$r.log" | sed 's/[^0-9]//g' || echo 0)
    cpu=$(awk -v n="${delivered:-0}" 'NR==1{s=$2; p=$3} {ls=$2; lp=$3} END{if (n>0) printf "server %.3f ms + PG %.3f ms", (ls-s)*10/n, (lp-p)*10/n}' "$W/cpu-$v-$r.log")
    echo "$v round $r (load at start $load): drain ${drained:-?} events in ${secs:-?} s = $rate events/s; during the import $atstop; commit -> webhook $lat; CPU per event (whole run): $cpu"
    eval "RATE_${v}_$r=$rate"
}

echo "events A/B: $VARIANTS; load: $LOAD; $ROUNDS rounds"
for r in $(seq 1 "$ROUNDS"); do
    if [ $((r % 2)) = 1 ]; then order=("${NAMES[@]}"); else order=(); for ((i=${#NAMES[@]}-1; i>=0; i--)); do order+=("${NAMES[$i]}"); done; fi
    for v in "${order[@]}"; do run "$v" "$r"; done
done
ref=${NAMES[0]}
for v in "${NAMES[@]}"; do
    s=0; for r in $(seq 1 "$ROUNDS"); do eval "s=\$((s + RATE_${v}_$r))"; done
    eval "M_$v=$((s / ROUNDS))"
done
for v in "${NAMES[@]}"; do
    eval "m=\$M_$v rm=\$M_$ref"
    echo "mean of $ROUNDS, $v: $m events/s drained; vs $ref x$(awk "BEGIN{printf \"%.2f\", $m/($rm>0?$rm:1)}")"
done
echo "logs: $W"
