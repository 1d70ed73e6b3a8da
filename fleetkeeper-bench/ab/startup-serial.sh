#!/usr/bin/env bash
# startup3 A/B: first start (empty data directory) and second start of the embedded default through ./fleetkeeper.
#   A = main's launcher (a88541c) + /tmp/h/base/fleetkeeper-server.jar (G1 with the periodic collection)
#   B = startup3's launcher (serial collector by default) + /tmp/h/startup3/fleetkeeper-server.jar
# Each side runs from a throw-away copy of the checkout layout, makes its start-up cache first (one after the other,
# "prep" lines), then A, B, A, B each do a first and a second start measured by fleetkeeper-bench/startup.sh
# (ready = readiness 200; cpu_s = server CPU at ready; rss_mb = VmRSS IDLE s after ready). Ports 23300-23302 (A),
# 23350-23352 (B). About 5 minutes on a quiet 2-core machine. Kills what it starts.
set -euo pipefail
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
export PATH="$JAVA_HOME/bin:$PATH"
kit=/tmp/h/startup3/kit
idle=${IDLE:-20}
runs=${RUNS:-2}
work=$(mktemp -d /tmp/startup3-bench.XXXXXX)
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
mkroot "$work/B" /tmp/h/startup3/fleetkeeper /tmp/h/startup3/fleetkeeper-server.jar
echo "# $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# prep: each launcher makes its start-up cache (its first start after a build), one after the other"
"$kit/startup.sh" -r 1 -i 1 -p 23300 A-prep -- "$work/A/fleetkeeper" >"$work/prepA.txt" 2>&1
"$kit/startup.sh" -r 1 -i 1 -p 23350 B-prep -- "$work/B/fleetkeeper" >"$work/prepB.txt" 2>&1
grep -h -E '^[AB]-prep' "$work/prepA.txt" "$work/prepB.txt" | sed 's/^/# (includes the training run: child_s) /'
for r in $(seq 1 "$runs"); do
  "$kit/startup.sh" -r 1 -i "$idle" -p 23300 A-main -- "$work/A/fleetkeeper" | grep -E '^(A-main|label)' | tee -a "$work/ab.txt"
  "$kit/startup.sh" -r 1 -i "$idle" -p 23350 B-startup3 -- "$work/B/fleetkeeper" | grep -E '^B-startup3' | tee -a "$work/ab.txt"
done
echo "# means and ratios B/A, per phase:"
awk '$1 ~ /^(A-main|B-startup3)$/ { k = $1 SUBSEP $2; w[k] += $3; c[k] += $5; m[k] += $7; n[k]++ }
  END { split("first second", P, " ");
    for (i = 1; i <= 2; i++) { a = "A-main" SUBSEP P[i]; b = "B-startup3" SUBSEP P[i];
      if (n[a] && n[b]) printf "%-6s wall %.2f s -> %.2f s (x%.2f)  cpu %.2f s -> %.2f s (x%.2f)  rss %d -> %d MB (x%.2f)\n", P[i],
        w[a]/n[a], w[b]/n[b], (w[b]/n[b])/(w[a]/n[a]), c[a]/n[a], c[b]/n[b], (c[b]/n[b])/(c[a]/n[a]),
        m[a]/n[a], m[b]/n[b], (m[b]/n[b])/(m[a]/n[a]) } }' "$work/ab.txt"
echo "# $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg); logs under /tmp/fk-startup.* and $work"
rm -rf "$work/A/fleetkeeper-server" "$work/B/fleetkeeper-server"
