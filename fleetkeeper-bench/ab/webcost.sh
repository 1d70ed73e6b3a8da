#!/usr/bin/env bash
# webcost A/B: operator GET /api/v1/devices/{id} on the embedded default (SQLite, 10,000 devices).
#   A = /tmp/h/base/fleetkeeper-server.jar (main at 32c65bc)
#   B = /tmp/h/webcost/fleetkeeper-server.jar (branch webcost)
# The same bench client (/tmp/h/base/fleetkeeper-bench.jar) drives both. A seed server (A) imports 10,000
# devices once; every run then starts on its own copy of that data directory: A, B, A, B (RUNS=2 pairs).
# Per run: bench `registry` reusing the tenant, WARMUP s closed-loop warm-up (JIT), a D s open loop at RATE req/s and a D s closed loop
# with 4 keep-alive clients. Figures per run: server CPU per GET (the bench's server cores / req/s, from
# /proc/PID/stat), heap allocated per GET in the closed loop (jstat -gc sampled every 250 ms: eden growth plus
# the eden emptied at each young GC), req/s and latency percentiles. Latency is only meaningful on a quiet machine.
# Ports 23300-23301. Kills what it starts. About 5-6 minutes with the defaults. SEED_DIR=dir keeps the seed for the
# next run; PIN=1 pins the server to core 0 and the bench to core 1 (RUNS=1 for one pinned pair).
set -euo pipefail
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
J=$JAVA_HOME/bin
A_JAR=/tmp/h/base/fleetkeeper-server.jar
B_JAR=${B_JAR:-/tmp/h/webcost/fleetkeeper-server.jar}
A_ARGS=${A_ARGS:-}; B_ARGS=${B_ARGS:-}   # extra server arguments per side (experiments), none by default
BENCH=/tmp/h/base/fleetkeeper-bench.jar
D=${D:-15}; WARMUP=${WARMUP:-15}; RATE=${RATE:-1000}; RUNS=${RUNS:-2}; PORT=23300
work=$(mktemp -d /tmp/webcost-bench.XXXXXX)
# PIN=1: the server on core 0 (G1 forced: on one CPU the JVM would pick Serial), the bench on core 1
SERVER_PIN=""; BENCH_PIN=""; SERVER_GC=""
if [ "${PIN:-0}" = 1 ]; then SERVER_PIN="taskset -c 0"; BENCH_PIN="taskset -c 1"; SERVER_GC="-XX:+UseG1GC"; fi
server=""; stat=""
cleanup() {
  for p in $stat $server; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

start() { # JAR DATA_DIR LOG [platform token] [extra server arguments]
  local token=${4:-} extra=${5:-}
  FLEETKEEPER_AUTH_BOOTSTRAP_TOKEN=$token $SERVER_PIN "$J/java" $SERVER_GC -Xms1g -Xmx1g -jar "$1" --server.port=$PORT \
    --fleetkeeper.device-api.port=-1 --fleetkeeper.mqtt.port=-1 --fleetkeeper.db.data-dir="$2" $extra >"$3" 2>&1 &
  server=$!
  for _ in $(seq 180); do
    curl -sf "http://127.0.0.1:$PORT/actuator/health" >/dev/null && return 0
    kill -0 "$server" 2>/dev/null || { echo "server died, see $3" >&2; exit 1; }
    sleep 0.5
  done
  echo "server not ready, see $3" >&2; exit 1
}
stop() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; server=""; }

# SEED_DIR (optional): keep the seeded data directory and token there, and reuse them on the next run.
if [ -n "${SEED_DIR:-}" ] && [ -f "$SEED_DIR/tenant.token" ]; then
  echo "# $(date -u +%FT%TZ) seed reused from $SEED_DIR; load: $(cut -d' ' -f1-3 /proc/loadavg)"
  cp -r "$SEED_DIR/data" "$work/seed"; cp "$SEED_DIR/tenant.token" "$work/tenant.token"
else
  echo "# $(date -u +%FT%TZ) seed: 10,000 devices through A; load: $(cut -d' ' -f1-3 /proc/loadavg)"
  ptoken=fk_$(head -c 300 /dev/urandom | tr -dc 'A-Za-z0-9' | head -c 48)
  mkdir -p "$work/seed"
  start "$A_JAR" "$work/seed" "$work/seed.log" "$ptoken"
  "$J/java" -Xmx512m -jar "$BENCH" registry --url "http://127.0.0.1:$PORT" --platform-token "$ptoken" \
    --devices 10000 --skip-get --skip-list --save-token "$work/tenant.token" >"$work/seed-bench.txt" 2>&1
  stop
  if [ -n "${SEED_DIR:-}" ]; then
    mkdir -p "$SEED_DIR"; rm -rf "$SEED_DIR/data"; cp -r "$work/seed" "$SEED_DIR/data"; cp "$work/tenant.token" "$SEED_DIR/"
  fi
fi

run() { # LABEL JAR [extra server arguments]
  local label=$1 jar=$2 dir=$work/data-$1-$RANDOM
  cp -r "$work/seed" "$dir"
  start "$jar" "$dir" "$work/$label.log" "" "${3:-}"
  local load; load=$(cut -d' ' -f1-3 /proc/loadavg)
  local out=$work/bench-$label-$RANDOM.txt
  $BENCH_PIN "$J/java" -Xmx512m -jar "$BENCH" registry --url "http://127.0.0.1:$PORT" --tenant-token-file "$work/tenant.token" \
    --skip-list --rate "$RATE" --duration "$D" --warmup "$WARMUP" --concurrency 4 --server-pid "$server" >"$out" 2>&1 &
  local bench=$!
  while kill -0 $bench 2>/dev/null && ! grep -q "max throughput, 4 clients" "$out"; do sleep 0.2; done
  "$J/jstat" -gc "$server" 250 >"$out.gc" 2>/dev/null & stat=$!
  wait $bench
  kill $stat 2>/dev/null || true; wait $stat 2>/dev/null || true; stat=""
  stop
  rm -rf "$dir"
  # heap allocated in the closed loop: eden growth between samples, plus (eden left at the last sample) at a young GC
  local alloc_kb
  alloc_kb=$(awk 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    $1 ~ /^[0-9.]+$/ { eu = $c["EU"]; ec = $c["EC"]; y = $c["YGC"];
      if (seen) { a += (y > py || eu < peu) ? (pec - peu) + eu : eu - peu }
      seen = 1; peu = eu; pec = ec; py = y }
    END { printf "%.0f", a }' "$out.gc")
  awk -v label="$label" -v ld="$load" -v alloc="$alloc_kb" -v raw="$work/raw.txt" '
    function cores(line) { return match(line, /server [0-9.]+ cores/) ? substr(line, RSTART + 7, RLENGTH - 13) + 0 : -1 }
    { gsub(",", "") }
    /^GET \/devices\/\{id\} @/ { orps = $8; op50 = $9; op99 = $11; op999 = $12; oc = cores($0) }
    /^GET \/devices\/\{id\} max/ { req = $6; rps = $7; p50 = $8; p99 = $10; p999 = $11; c = cores($0) }
    END {
      if (rps == "" || orps == "") { print label " FAILED (no result line)"; exit 1 }
      printf "%-3s load %-16s closed 4 clients: %5d req/s  p50 %6.3f  p99 %6.3f  p99.9 %7.3f ms  server %.2f cores  cpu/GET %4.0f us  alloc/GET %5.1f KB | open %d/s: p50 %s  p99 %s  p99.9 %s ms  cpu/GET %.0f us\n",
        label, ld, rps, p50, p99, p999, c, c / rps * 1e6, alloc / req, orps, op50, op99, op999, oc / orps * 1e6
      printf "%s %s %s %s %s %.1f %.2f %s %s %s %.1f\n", label, rps, p50, p99, p999, c / rps * 1e6, alloc / req, op50, op99, op999, oc / orps * 1e6 >> raw
    }' "$out" | tee -a "$work/ab.txt"
}

for r in $(seq "$RUNS"); do
  run A "$A_JAR" "$A_ARGS"
  run B "$B_JAR" "$B_ARGS"
done
echo "# means over the runs (A = base, B = webcost), and B/A:"
awk '{ n[$1]++; for (i = 2; i <= NF; i++) s[$1, i] += $i }
  END { split("x closed-req/s closed-p50-ms closed-p99-ms closed-p99.9-ms closed-cpu/GET-us closed-alloc/GET-KB open-p50-ms open-p99-ms open-p99.9-ms open-cpu/GET-us", name, " ")
    for (i = 2; i <= 11; i++) { a = s["A", i] / n["A"]; b = s["B", i] / n["B"]
      printf "%-22s A %9.3f   B %9.3f   B/A %.2f\n", name[i], a, b, a ? b / a : 0 } }' "$work/raw.txt"
echo "# $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg); outputs in $work"
