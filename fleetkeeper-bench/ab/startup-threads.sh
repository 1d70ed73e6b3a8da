#!/usr/bin/env bash
# startup-threads.sh LABEL PORT IDLE -- extra JVM opts... (as run: /tmp/h/startup4/probe.sh): first + second start of the
# unpacked jar with the cache in $AOTDIR (default: a cache made by main's launcher under /tmp/h/startup4/L),
# per-thread CPU at ready (main, C1, C2, GC/VM, rest), first-request latency, RSS IDLE s after ready.
set -euo pipefail
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
label=$1 port=$2 idle=$3; shift 3; [ "${1:-}" = -- ] && shift
aot=${AOTDIR:-/tmp/h/startup4/L/fleetkeeper-server/target/fleetkeeper-server-aot}
base=${BASEOPTS:--XX:+UseSerialGC -Xms32m -XX:MaxHeapFreeRatio=30 -XX:MinHeapFreeRatio=10 -XX:TrimNativeHeapInterval=15000}
dir=$(mktemp -d /tmp/h/startup4/run.XXXXXX)
tick=$(getconf CLK_TCK)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; true' EXIT
for phase in first second; do
  t0=$(date +%s%N)
  ( cd "$dir" && exec $JAVA_HOME/bin/java $base -Dspring.aot.enabled=true -XX:AOTCache=$aot/app.aot "$@" -jar $aot/fleetkeeper-server.jar \
     --server.port=$port --fleetkeeper.device-api.port=$((port+1)) --fleetkeeper.mqtt.port=$((port+2)) ) >>"$dir/server.log" 2>&1 &
  pid=$!
  until curl -fso /dev/null "http://127.0.0.1:$port/actuator/health/readiness"; do
    kill -0 $pid 2>/dev/null || { echo "exited"; tail -30 $dir/server.log; exit 1; }; sleep 0.05; done
  t1=$(date +%s%N)
  thr=$(for t in /proc/$pid/task/*; do s=$(cat $t/stat 2>/dev/null) || continue; n=${s#*(}; n=${n%%)*}; r=${s##*) }; set -- $r; echo "$n|$(( ${12} + ${13} ))"; done \
    | awk -F'|' -v tk=$tick '{ if ($1=="main" || $1=="java") m+=$2; else if ($1 ~ /^C2 /) c2+=$2; else if ($1 ~ /^C1 /) c1+=$2; else if ($1 ~ /GC|VM Thread|VM Periodic/) g+=$2; else o+=$2; a+=$2 }
      END { printf "%6.2f %5.2f %5.2f %5.2f %5.2f %5.2f", a/tk, m/tk, c2/tk, c1/tk, g/tk, o/tk }')
  load=$(cut -d' ' -f1 /proc/loadavg)
  # first request: an authenticated-less endpoint the console would hit first; info on the API
  fr=$(curl -so /dev/null -w '%{time_total}' "http://127.0.0.1:$port/api/v1/devices" || true)
  sleep "$idle"
  rss=$(awk '$1=="VmRSS:"{printf "%.0f",$2/1024}' /proc/$pid/status)
  printf '%-18s %-6s wall %5.2f cpu/main/c2/c1/gc/rest %s first_req %s rss %s load %s\n' "$label" $phase \
    $(echo "($t1-$t0)/1000000000" | bc -l) "$thr" "$fr" "$rss" "$load"
  kill -TERM $pid; wait $pid || true; pid=
done
grep -h '\[aot\]\|warning' "$dir/server.log" | head -3 || true
rm -rf "$dir"
