#!/usr/bin/env bash
# startup4 A/B: first start (empty data directory) and second start of the embedded default through ./fleetkeeper.
#   A = main's launcher (3ed8404) + /tmp/h/base/fleetkeeper-server.jar
#   B = startup4's launcher (sqlite-jdbc's native library unpacked once into the start-up cache directory and
#       loaded from there: -Dorg.sqlite.lib.path) + /tmp/h/startup4/fleetkeeper-server.jar (same sources as A)
# Each side runs from a throw-away copy of the checkout layout, makes its start-up cache first (one after the other,
# "prep" lines), then A, B, A, B each do a first and a second start measured by fleetkeeper-bench/startup.sh
# (wall_s = exec -> readiness 200; cpu_s = server CPU at ready, from /proc/PID/stat; rss_mb = VmRSS IDLE s after
# ready; load = 1-min load average at ready). Ports 23330-23332 (A), 23333-23335 (B). About 5 minutes on a quiet
# 2-core machine. Kills what it starts.
set -euo pipefail
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
export PATH="$JAVA_HOME/bin:$PATH"
kit=/tmp/h/startup4/kit
idle=${IDLE:-20}
runs=${RUNS:-2}
work=$(mktemp -d /tmp/startup4-bench.XXXXXX)
cleanup() { wait 2>/dev/null || true; }
trap cleanup EXIT
mkroot() { # DIR LAUNCHER JAR
  mkdir -p "$1/.mvn" "$1/fleetkeeper-server/target"
  cp "$2" "$1/fleetkeeper"; chmod +x "$1/fleetkeeper"
  cp "$kit/find-jdk25" "$1/.mvn/find-jdk25"
  cp "$3" "$1/fleetkeeper-server/target/fleetkeeper-server.jar"
}
mkroot "$work/A" "$kit/fleetkeeper-base" /tmp/h/base/fleetkeeper-server.jar
mkroot "$work/B" /tmp/h/startup4/fleetkeeper /tmp/h/startup4/fleetkeeper-server.jar
echo "# $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# prep: each launcher makes its start-up cache (its first start after a build), one after the other"
"$kit/startup.sh" -r 1 -i 1 -p 23330 A-prep -- "$work/A/fleetkeeper" >"$work/prepA.txt" 2>&1
"$kit/startup.sh" -r 1 -i 1 -p 23333 B-prep -- "$work/B/fleetkeeper" >"$work/prepB.txt" 2>&1
grep -h -E '^[AB]-prep' "$work/prepA.txt" "$work/prepB.txt" | sed 's/^/# (includes the training run: child_s) /'
if [ -f "$work/B/fleetkeeper-server/target/fleetkeeper-server-aot/libsqlitejdbc.so" ]; then
  echo "# B: libsqlitejdbc.so in its cache directory"
else
  echo "# B: no libsqlitejdbc.so in its cache directory (B runs as A)"
fi
for r in $(seq 1 "$runs"); do
  "$kit/startup.sh" -r 1 -i "$idle" -p 23330 A-main -- "$work/A/fleetkeeper" | grep -E '^(A-main|label)' | tee -a "$work/ab.txt"
  "$kit/startup.sh" -r 1 -i "$idle" -p 23333 B-startup4 -- "$work/B/fleetkeeper" | grep -E '^B-startup4' | tee -a "$work/ab.txt"
done
echo "# means and ratios B/A, per phase:"
awk '$1 ~ /^(A-main|B-startup4)$/ { k = $1 SUBSEP $2; w[k] += $3; c[k] += $5; m[k] += $7; n[k]++ }
  END { split("first second", P, " ");
    for (i = 1; i <= 2; i++) { a = "A-main" SUBSEP P[i]; b = "B-startup4" SUBSEP P[i];
      if (n[a] && n[b]) printf "%-6s wall %.2f s -> %.2f s (x%.2f)  cpu %.2f s -> %.2f s (x%.2f)  rss %d -> %d MB (x%.2f)\n", P[i],
        w[a]/n[a], w[b]/n[b], (w[b]/n[b])/(w[a]/n[a]), c[a]/n[a], c[b]/n[b], (c[b]/n[b])/(c[a]/n[a]),
        m[a]/n[a], m[b]/n[b], (m[b]/n[b])/(m[a]/n[a]) } }' "$work/ab.txt"
# The lever alone: sqlite-jdbc's native library load in a bare JVM (the server's first connection does this),
# copied to the temporary directory (A, sqlite-jdbc's default) or loaded from B's cache directory, alternated.
aotB="$work/B/fleetkeeper-server/target/fleetkeeper-server-aot"
sqjar=$(ls "$aotB"/lib/sqlite-jdbc-*.jar | head -1)
mkdir -p "$work/sq"
cat >"$work/sq/SqlTime.java" <<'JAVA'
import java.lang.management.ManagementFactory;
public class SqlTime { public static void main(String[] a) throws Exception {
  var mx = ManagementFactory.getThreadMXBean();
  Class.forName("org.sqlite.JDBC");
  long c0 = mx.getCurrentThreadCpuTime(), t0 = System.nanoTime();
  org.sqlite.SQLiteJDBCLoader.initialize();
  long c1 = mx.getCurrentThreadCpuTime(), t1 = System.nanoTime();
  System.out.printf("wall %7.1f ms  cpu %6.1f ms%n", (t1 - t0) / 1e6, (c1 - c0) / 1e6);
}}
JAVA
javac -cp "$sqjar" -d "$work/sq" "$work/sq/SqlTime.java"
echo "# native library load alone (main thread), A = copied to the temporary directory, B = from the cache directory:"
for r in 1 2 3 4 5 6; do
  printf 'A-copy  %s  load %s\n' "$(java --enable-native-access=ALL-UNNAMED -cp "$sqjar:$work/sq" SqlTime)" "$(cut -d' ' -f1 /proc/loadavg)"
  printf 'B-cache %s  load %s\n' "$(java --enable-native-access=ALL-UNNAMED -cp "$sqjar:$work/sq" \
    -Dorg.sqlite.lib.path="$aotB" -Dorg.sqlite.lib.name=libsqlitejdbc.so SqlTime)" "$(cut -d' ' -f1 /proc/loadavg)"
done
echo "# $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg); logs under /tmp/fk-startup.* and $work"
rm -rf "$work/A/fleetkeeper-server" "$work/B/fleetkeeper-server"
