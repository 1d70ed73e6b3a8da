#!/usr/bin/env bash
# Start-up and idle-memory benchmark of the server: a shell script, not a Java mode of the bench, so that no
# second JVM competes with the one being measured for the CPU while it starts.
#
#   fleetkeeper-bench/startup.sh [-r RUNS] [-i IDLE_SECONDS] [-n] [-p BASE_PORT] LABEL -- COMMAND [ARG ...]
#
# For each run: a fresh, empty working directory (so ./data is new: migrations, platform CA, bootstrap token),
# COMMAND started there with the three ports appended (--server.port=BASE, --fleetkeeper.device-api.port=BASE+1,
# --fleetkeeper.mqtt.port=BASE+2), then stopped with SIGTERM after IDLE_SECONDS idle; then a second start on the
# same directory. Per start it prints one line:
#   wall_s      exec → GET /actuator/health/readiness answers 200 (polled every 50 ms)
#   started_s   Spring's own "Started ... in X seconds"
#   cpu_s       user + system CPU seconds of the server process at ready (the launcher's shell before its exec
#               included); child_s: CPU of the children it waited for before (a JDK probe, an AOT training run)
#   rss_mb      VmRSS IDLE_SECONDS after ready; anon_mb/file_mb: its RssAnon and RssFile parts; threads
#   load        1-minute load average at ready (the machine is shared: figures at high load are not comparable)
# -n adds -XX:NativeMemoryTracking=summary (through JDK_JAVA_OPTIONS) and prints `jcmd VM.native_memory summary`
# at the idle point (committed MB per category). JVM options of a run: JDK_JAVA_OPTIONS in the environment.
# Examples:
#   fleetkeeper-bench/startup.sh jar -- java -jar fleetkeeper-server/target/fleetkeeper-server.jar
#   fleetkeeper-bench/startup.sh launcher -- ./fleetkeeper
#   JDK_JAVA_OPTIONS='-XX:+UseSerialGC' fleetkeeper-bench/startup.sh -r 1 -n serial -- ./fleetkeeper
set -euo pipefail

runs=3 idle=30 nmt=0 port=19200
while getopts "r:i:np:" o; do
  case $o in
    r) runs=$OPTARG ;;
    i) idle=$OPTARG ;;
    n) nmt=1 ;;
    p) port=$OPTARG ;;
    *) sed -n '4,5p' "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
label=${1:?label}
shift
[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || { echo "no command" >&2; exit 2; }
cmd=("$@")
# Resolve a relative command path before the runs change directory.
case ${cmd[0]} in */*) cmd[0]=$(cd "$(dirname "${cmd[0]}")" && pwd)/$(basename "${cmd[0]}") ;; esac

jdk=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}
if [ $nmt = 1 ]; then
  export JDK_JAVA_OPTIONS="${JDK_JAVA_OPTIONS:-} -XX:NativeMemoryTracking=summary"
fi
tick=$(getconf CLK_TCK)
base=$(mktemp -d "${TMPDIR:-/tmp}/fk-startup.XXXXXX")
pid=
cleanup() { if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" || true; fi; }
trap cleanup EXIT

now() { date +%s%N; }
stat_field() { # CPU ticks of fields 14+15 (own) or 16+17 (waited-for children) of /proc/PID/stat
  local s mode=$2
  s=$(cat "/proc/$1/stat")
  s=${s##*) }
  # shellcheck disable=SC2086
  set -- $s
  if [ "$mode" = own ]; then echo $(( ${12} + ${13} )); else echo $(( ${14} + ${15} )); fi
}
status_mb() { awk -v k="$2:" '$1 == k { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

start_once() { # $1 = run directory, $2 = phase name
  local dir=$1 phase=$2 t0 t1 own kids started load rss anon file threads
  t0=$(now)
  ( cd "$dir" && exec "${cmd[@]}" --server.port=$port --fleetkeeper.device-api.port=$((port + 1)) \
      --fleetkeeper.mqtt.port=$((port + 2)) ) >>"$dir/server.log" 2>&1 &
  pid=$!
  until curl -fso /dev/null "http://127.0.0.1:$port/actuator/health/readiness"; do
    if ! kill -0 "$pid" 2>/dev/null; then echo "server exited; see $dir/server.log" >&2; tail -20 "$dir/server.log" >&2; exit 1; fi
    sleep 0.05
  done
  t1=$(now)
  own=$(stat_field "$pid" own)
  kids=$(stat_field "$pid" children)
  load=$(cut -d' ' -f1 /proc/loadavg)
  sleep "$idle"
  rss=$(status_mb "$pid" VmRSS) anon=$(status_mb "$pid" RssAnon) file=$(status_mb "$pid" RssFile)
  threads=$(awk '$1 == "Threads:" { print $2 }' "/proc/$pid/status")
  started=$(grep -o 'Started [A-Za-z]* in [0-9.]* seconds' "$dir/server.log" | tail -1 | awk '{ print $4 }')
  printf '%-22s %-6s %7.2f %9s %6.2f %7.2f %6s %7s %7s %7s %5s\n' "$label" "$phase" \
    "$(echo "($t1 - $t0) / 1000000000" | bc -l)" "${started:--}" "$(echo "$own / $tick" | bc -l)" \
    "$(echo "$kids / $tick" | bc -l)" "$rss" "$anon" "$file" "$threads" "$load"
  if [ $nmt = 1 ]; then
    "$jdk/bin/jcmd" "$pid" VM.native_memory summary scale=MB >"$dir/nmt-$phase.txt" 2>&1 || true
    grep -E '^(Total|-  *[A-Za-z ]+ \(reserved)' "$dir/nmt-$phase.txt" \
      | sed -E 's/^- *//; s/\(reserved=[0-9]+MB, committed=([0-9]+)MB\).*/\1 MB/; s/^Total: reserved=[0-9]+MB, committed=([0-9]+)MB.*/Total committed \1 MB/' \
      | tr '\n' ';' | sed 's/;$/\n/; s/;/; /g'
  fi
  kill -TERM "$pid"
  wait "$pid" || true
  pid=
}

echo "# $(date -u +%FT%TZ) $(uptime | sed 's/^ *//')"
echo "# JDK_JAVA_OPTIONS=${JDK_JAVA_OPTIONS:-} command: ${cmd[*]}"
printf '%-22s %-6s %7s %9s %6s %7s %6s %7s %7s %7s %5s\n' label phase wall_s started_s cpu_s child_s rss_mb \
  anon_mb file_mb threads load
for r in $(seq 1 "$runs"); do
  dir="$base/run$r"
  mkdir -p "$dir"
  start_once "$dir" first
  start_once "$dir" second
done
echo "# logs under $base"
