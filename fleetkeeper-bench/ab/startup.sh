#!/usr/bin/env bash
# startup2 A/B: start-up time and idle RSS of the embedded default through ./fleetkeeper.
#   A = main's launcher (commit a061fac) + /tmp/h/base/fleetkeeper-server.jar
#   B = startup2's launcher + /tmp/startup2/fleetkeeper-server.jar (Spring AOT + the JDK's AOT cache)
# Each side runs from a throw-away copy of the checkout layout (launcher, .mvn/find-jdk25, the jar), so both
# make their start-up cache first (in parallel; "prep" lines), then A, B, A, B each do a first start (empty data
# directory) and a second start (same directory) measured by fleetkeeper-bench/startup.sh (ready = readiness
# 200; cpu_s = server CPU at ready; rss_mb = VmRSS after IDLE s). Ports 22100-22102 and 22200-22202.
# Takes about 4-5 minutes on a quiet 2-core machine. Kills what it starts.
set -euo pipefail
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
export PATH="$JAVA_HOME/bin:$PATH"
kit=/tmp/startup2/kit
idle=${IDLE:-30}
work=$(mktemp -d /tmp/startup2-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
mkroot() { # DIR LAUNCHER JAR
  mkdir -p "$1/.mvn" "$1/fleetkeeper-server/target"
  cp "$2" "$1/fleetkeeper"; chmod +x "$1/fleetkeeper"
  cp "$kit/find-jdk25" "$1/.mvn/find-jdk25"
  cp "$3" "$1/fleetkeeper-server/target/fleetkeeper-server.jar"
}
mkroot "$work/A" "$kit/fleetkeeper-base" /tmp/h/base/fleetkeeper-server.jar
mkroot "$work/B" /tmp/startup2/fleetkeeper /tmp/startup2/fleetkeeper-server.jar
echo "# $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# prep: each launcher makes its start-up cache (its first start after a build), both at once"
"$kit/startup.sh" -r 1 -i 1 -p 22100 A-prep -- "$work/A/fleetkeeper" >"$work/prepA.txt" 2>&1 & pids+=($!)
"$kit/startup.sh" -r 1 -i 1 -p 22200 B-prep -- "$work/B/fleetkeeper" >"$work/prepB.txt" 2>&1 & pids+=($!)
wait "${pids[@]}"; pids=()
grep -h -E '^[AB]-prep' "$work/prepA.txt" "$work/prepB.txt" | sed 's/^/# (parallel, not comparable) /'
for r in 1 2; do
  "$kit/startup.sh" -r 1 -i "$idle" -p 22100 A-main -- "$work/A/fleetkeeper" | tee -a "$work/ab.txt"
  "$kit/startup.sh" -r 1 -i "$idle" -p 22200 B-startup2 -- "$work/B/fleetkeeper" | tee -a "$work/ab.txt"
done
echo "# ratios B/A (mean of the runs above), per phase:"
awk '$1 ~ /^(A-main|B-startup2)$/ { k = $1 SUBSEP $2; w[k] += $3; c[k] += $5; m[k] += $7; n[k]++ }
  END { split("first second", P, " ");
    for (i = 1; i <= 2; i++) { a = "A-main" SUBSEP P[i]; b = "B-startup2" SUBSEP P[i];
      if (n[a] && n[b]) printf "%-6s wall %.2f s -> %.2f s (x%.2f)  cpu %.2f s -> %.2f s (x%.2f)  rss %d -> %d MB (x%.2f)\n", P[i],
        w[a]/n[a], w[b]/n[b], (w[b]/n[b])/(w[a]/n[a]), c[a]/n[a], c[b]/n[b], (c[b]/n[b])/(c[a]/n[a]),
        m[a]/n[a], m[b]/n[b], (m[b]/n[b])/(m[a]/n[a]) } }' "$work/ab.txt"
echo "# $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg); logs under /tmp/fk-startup.* and $work"
