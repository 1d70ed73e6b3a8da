#!/usr/bin/env bash
# A/B: device provisioning on the device listener (SQLite, embedded default): server CPU per registration, claim
# and zero-touch bootstrap, base jars (/tmp/h/base) vs candidate (/tmp/h/regcost), alternated A B A B.
# Ports 23100-23199 only. Prints each run's figures with the load average, then CPU/op per case and B/A ratios.
set -euo pipefail
J=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
A=/tmp/h/base/fleetkeeper-server.jar; B=/tmp/h/regcost/fleetkeeper-server.jar
BENCH=/tmp/h/base/fleetkeeper-bench.jar   # the same load generator for both
OUT=${OUT:-/tmp/regcost-ab}; mkdir -p "$OUT"; rm -f "$OUT"/cpu-*.txt
DUR=${DUR:-12}; WARM=${WARM:-5}
pid=""
cleanup() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi; }
trap cleanup EXIT
run() { # $1 label, $2 jar
  local tag=$1 jar=$2 T; T=fk_$(openssl rand -hex 24)
  rm -rf "$OUT/data-$tag"
  $J -Xms1g -Xmx1g -jar "$jar" --server.port=23180 --fleetkeeper.device-api.port=23143 --fleetkeeper.mqtt.port=23183 \
    --fleetkeeper.db.data-dir="$OUT/data-$tag" --fleetkeeper.auth.bootstrap-token="$T" > "$OUT/server-$tag.log" 2>&1 &
  pid=$!
  for i in $(seq 120); do curl -sf http://127.0.0.1:23180/actuator/health >/dev/null && break; sleep 1; done
  echo "== $tag ($(basename "$(dirname "$jar")")) start $(date -u +%T) loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
  $J -Xmx1g -jar "$BENCH" provisioning --url http://127.0.0.1:23180 --device-url https://127.0.0.1:23143 \
    --platform-token "$T" --clients 32 --duration "$DUR" --warmup "$WARM" --csrs 1500 --bootstrap-devices 2000 \
    --bootstrap-warmup 400 --server-pid "$pid" > "$OUT/bench-$tag.log" 2>&1
  # case, requests, req/s, server cores -> CPU ms per operation
  grep -E "^(register|claim|bootstrap) .*server [0-9.]+ cores, load" "$OUT/bench-$tag.log" | sed -E 's/ \(.*\)//' | while read -r name reqs rate rest; do
    cores=$(echo "$rest" | grep -oE 'server [0-9.]+ cores' | grep -oE '[0-9.]+')
    load=$(echo "$rest" | grep -oE 'load [0-9.]+' | grep -oE '[0-9.]+')
    ms=$(awk -v c="$cores" -v r="${rate//,/}" 'BEGIN { printf "%.2f", (r > 0 ? 1000 * c / r : 0) }')
    printf "  %-10s %6s req %5s/s server %s cores  CPU/op %s ms  (load %s)\n" "$name" "$reqs" "$rate" "$cores" "$ms" "$load"
    echo "$name $ms" >> "$OUT/cpu-${tag%[0-9]}.txt"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
}
run A1 $A; run B1 $B; run A2 $A; run B2 $B
echo "== mean server CPU per operation (ms), A = base, B = candidate"
for c in register claim bootstrap; do
  a=$(awk -v c=$c '$1 == c { s += $2; n++ } END { printf "%.2f", s / n }' "$OUT/cpu-A.txt")
  b=$(awk -v c=$c '$1 == c { s += $2; n++ } END { printf "%.2f", s / n }' "$OUT/cpu-B.txt")
  echo "  $c: A $a  B $b  B/A $(awk -v a=$a -v b=$b 'BEGIN { printf "%.3f", b / a }')"
done
