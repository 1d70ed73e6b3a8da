#!/usr/bin/env bash
# A/B: server CPU per certificate issuance (management API and EST simplereenroll), SQLite, base jar
# (/tmp/h/base) vs candidate (/tmp/h/issuance), alternated A B A B. Ports 23500-23599 only. Prints each run's
# rows with the load average, then the mean server CPU per issuance per case and the B/A ratio. ~5 min on a quiet
# machine. Optional C=<jar>: a third build in each round (A B C A B C), reported as C/A.
set -euo pipefail
J=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
A=${A:-/tmp/h/base/fleetkeeper-server.jar}; B=${B:-/tmp/h/issuance/fleetkeeper-server.jar}; C=${C:-}
BENCH=/tmp/h/base/fleetkeeper-bench.jar   # the same load generator for both
OUT=${OUT:-/tmp/issuance-ab}; mkdir -p "$OUT"; rm -f "$OUT"/cpu-*.txt
DUR=${DUR:-15}; WARM=${WARM:-5}; PAIRS=${PAIRS:-2}
pid=""
cleanup() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi; }
trap cleanup EXIT
run() { # $1 label, $2 jar
  local tag=$1 jar=$2 T; T=fk_$(openssl rand -hex 24)
  rm -rf "$OUT/data-$tag"
  $J -Xms1g -Xmx1g -jar "$jar" --server.port=23580 --fleetkeeper.device-api.port=23543 --fleetkeeper.mqtt.port=23583 \
    --fleetkeeper.db.data-dir="$OUT/data-$tag" --fleetkeeper.auth.bootstrap-token="$T" > "$OUT/server-$tag.log" 2>&1 &
  pid=$!
  for i in $(seq 300); do curl -sf http://127.0.0.1:23580/actuator/health >/dev/null && break; sleep 1; done
  echo "== $tag ($(basename "$(dirname "$jar")")) start $(date -u +%T) loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
  $J -Xmx1g -jar "$BENCH" pki --url http://127.0.0.1:23580 --device-url https://127.0.0.1:23543 \
    --platform-token "$T" --devices 2000 --csrs 1000 --clients 16 --duration "$DUR" --warmup "$WARM" \
    --skip-baseline --server-pid "$pid" > "$OUT/bench-$tag.log" 2>&1 || echo "  bench failed, see $OUT/bench-$tag.log"
  (# row: case words..., requests, req/s, p50..max, errors, "machine ..% busy, bench x cores, server y cores, load a b c"
  grep -E "^(API|EST) .*machine .*server [0-9.]+ cores" "$OUT/bench-$tag.log" || true) | while read -r line; do
    name=$(echo "$line" | awk '{print $1}')
    rate=$(echo "$line" | sed -E 's/^[^0-9]*[0-9,]+ +([0-9,.]+) .*/\1/' | tr -d ,)
    cores=$(echo "$line" | grep -oE 'server [0-9.]+ cores' | grep -oE '[0-9.]+')
    load=$(echo "$line" | grep -oE 'load [0-9.]+' | grep -oE '[0-9.]+')
    ms=$(awk -v c="$cores" -v r="$rate" 'BEGIN { printf "%.2f", (r > 0 ? 1000 * c / r : 0) }')
    printf "  %-4s %6s/s server %s cores  CPU/issuance %s ms  (load %s)\n" "$name" "$rate" "$cores" "$ms" "$load"
    echo "$name $ms" >> "$OUT/cpu-${tag%[0-9]}.txt"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
}
for p in $(seq "$PAIRS"); do run "A$p" "$A"; run "B$p" "$B"; if [ -n "$C" ]; then run "C$p" "$C"; fi; done
mean() { awk -v c=$1 '$1 == c { s += $2; n++ } END { printf "%.2f", n ? s / n : 0 }' "$OUT/cpu-$2.txt" 2>/dev/null || echo 0; }
echo "== mean server CPU per issuance (ms), A = base, B = candidate${C:+, C = $C}"
for c in API EST; do
  a=$(mean $c A); b=$(mean $c B)
  line="  $c: A $a  B $b  B/A $(awk -v a=$a -v b=$b 'BEGIN { printf "%.3f", (a > 0 ? b / a : 0) }')"
  if [ -n "$C" ]; then x=$(mean $c C); line="$line  C $x  C/A $(awk -v a=$a -v b=$x 'BEGIN { printf "%.3f", (a > 0 ? b / a : 0) }')"; fi
  echo "$line"
done
