#!/bin/bash
# conn-mem A/B: memory per idle mutual-TLS MQTT connection, baseline jars (/tmp/h/base) vs conn-mem (/tmp/conn-mem/v3).
# From scratch: fresh SQLite data dir + N devices with P-256 certificates (issued through the baseline server),
# then alternating runs base, conn-mem, base, conn-mem (a fresh server per run: every connection a first-seen
# certificate). Per run, after a full GC: live heap per connection (class-histogram delta, 0 -> N connections),
# glibc bytes in use per connection (at N minus after the N closed: BoringSSL/tcnative), RSS delta per connection.
# Ports 23080 (HTTP) and 23883 (MQTT). Every process started here is killed on exit. Needs gdb (malloc_stats).
set -u
N=${N:-3000}
BASE=${BASE:-/tmp/h/base}; MINE=${MINE:-/tmp/conn-mem/v3}
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin
W=$(mktemp -d /tmp/conn-mem-bench.XXXX); T0=$(date +%s)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
ulimit -n 20000 2>/dev/null
echo "fk_$(openssl rand -hex 32)" > $W/token
server() { # JAR LOG -> pid
  MALLOC_ARENA_MAX=2 $J/java -Xms512m -Xmx512m -jar $1 --server.port=23080 --fleetkeeper.mqtt.port=23883 \
    --fleetkeeper.device-api.port=-1 --fleetkeeper.db.data-dir=$W/data --fleetkeeper.auth.bootstrap-token=$(cat $W/token) \
    --logging.level.root=WARN >$2 2>&1 &
  echo $!
}
stop() { kill $1 2>/dev/null; while kill -0 $1 2>/dev/null; do sleep 0.2; done; }
ready() { # PID: its health answers (and it is still alive: not another process on the port)
  for i in $(seq 1 240); do kill -0 $1 2>/dev/null || return 1
    curl -sf http://127.0.0.1:23080/actuator/health >/dev/null && return 0; sleep 0.5; done; return 1; }
if (exec 3<>/dev/tcp/127.0.0.1/23080) 2>/dev/null || (exec 3<>/dev/tcp/127.0.0.1/23883) 2>/dev/null; then
  echo "port 23080 or 23883 is in use: stop what listens there first"; exit 1
fi
bench() { # JAR HOLD PID EXTRA... (exec: run it in a subshell or in the background, whose pid is then java's)
  local jar=$1 hold=$2 pid=$3; shift 3
  exec $J/java --enable-native-access=ALL-UNNAMED -Xmx1g -jar $jar mqtt --url http://127.0.0.1:23080 \
    --platform-token $(cat $W/token) --cache $W/cache --devices $N --mqtt-port 23883 --hold $hold --revoke-percent 0 \
    --warmup-connections 300 --concurrency 64 --server-pid $pid --server-gc "$@"
}
probe() { # PID LABEL DIR
  $J/jcmd $1 GC.run >/dev/null; $J/jcmd $1 GC.class_histogram > $3/histo-$2.txt
  grep -E '^Rss:' /proc/$1/smaps_rollup | awk '{print $2}' > $3/rss-$2.txt
  gdb -p $1 -batch -ex 'handle all nostop noprint pass' -ex 'call (void) malloc_stats()' >/dev/null 2>&1
}
echo "setup: $N devices and certificates through the baseline server (load $(cut -d' ' -f1-3 /proc/loadavg))"
P=$(server $BASE/fleetkeeper-server.jar $W/setup.log); PIDS+=($P); ready $P || { echo "server did not start"; exit 1; }
( bench $BASE/fleetkeeper-bench.jar 1 $P ) > $W/setup-bench.log 2>&1 || { tail $W/setup-bench.log; exit 1; }
stop $P
run() { # LABEL JARDIR
  local O=$W/$1; mkdir -p $O
  local P=$(server $2/fleetkeeper-server.jar $O/server.log); PIDS+=($P); ready $P || { echo "$1: server did not start"; return; }
  bench $BASE/fleetkeeper-bench.jar 5 $P > $O/bench.log 2>&1 &
  local B=$!; PIDS+=($B)
  until grep -q "^Server before connecting" $O/bench.log || ! kill -0 $B 2>/dev/null; do sleep 0.2; done
  kill -STOP $B; probe $P 0 $O; kill -CONT $B
  until grep -q "^Holding for" $O/bench.log || ! kill -0 $B 2>/dev/null; do sleep 0.2; done
  sleep 1; probe $P N $O
  wait $B; sleep 1; probe $P closed $O
  stop $P
  python3 - $O $1 <<'PY'
import re,sys
O,L=sys.argv[1],sys.argv[2]
def hist(f):
    t=0
    for line in open(f):
        m=re.match(r'\s*\d+:\s+(\d+)\s+(\d+)\s+\S+',line)
        if m: t+=int(m.group(2))
    return t
b=open(O+'/bench.log').read()
n=int(re.search(r'Connected ([\d,]+) of',b).group(1).replace(',',''))
heap=(hist(O+'/histo-N.txt')-hist(O+'/histo-0.txt'))/n/1024
ms=[int(x) for x in re.findall(r'Total \(incl. mmap\):\s*\nsystem bytes\s*=\s*\d+\s*\nin use bytes\s*=\s*(\d+)',open(O+'/server.log').read())]
nat=(ms[1]-ms[2])/n/1024 if len(ms)==3 else float('nan')
rss=(int(open(O+'/rss-N.txt').read())-int(open(O+'/rss-0.txt').read()))/n
load=open('/proc/loadavg').read().split()[:3]
print(f"{L:6s} connected {n}: live heap {heap:.2f} KB/conn, native (glibc in use, N - closed) {nat:.2f} KB/conn, "
      f"sum {heap+nat:.2f} KB; RSS growth {rss:.1f} KB/conn; load {' '.join(load)}")
open(O+'/fig','w').write(f"{heap} {nat}")
PY
}
for pair in 1 2; do
  if [ $pair = 2 ] && [ $(( $(date +%s) - T0 )) -gt 170 ]; then echo "(second pair skipped: 5-minute budget)"; break; fi
  run base$pair $BASE; run mine$pair $MINE
done
python3 - $W <<'PY'
import sys,os
W=sys.argv[1]; f=lambda l: tuple(map(float,open(f"{W}/{l}/fig").read().split())) if os.path.exists(f"{W}/{l}/fig") else None
b=[f(l) for l in ('base1','base2') if f(l)]; m=[f(l) for l in ('mine1','mine2') if f(l)]
if b and m:
    avg=lambda xs,i: sum(x[i] for x in xs)/len(xs)
    bh,mh=avg(b,0),avg(m,0)
    nats=sorted(x[1] for x in b+m); nat=nats[len(nats)//2] if len(nats)%2 else (nats[len(nats)//2-1]+nats[len(nats)//2])/2
    # native: both jars make the same BoringSSL/tcnative calls; glibc readings are noisy (Netty direct buffers
    # are malloc'ed too), so the median of every run stands for both
    print(f"live heap per connection: base {bh:.2f} KB, conn-mem {mh:.2f} KB, ratio {mh/bh:.2f}")
    print(f"native per connection (median of all runs, same code in both jars): {nat:.2f} KB (readings {', '.join(f'{x:.2f}' for x in nats)})")
    print(f"heap + native: base {bh+nat:.2f} KB, conn-mem {mh+nat:.2f} KB, ratio {(mh+nat)/(bh+nat):.2f}; "
          f"target <= 12.5 KB/conn: {'met' if mh+nat<=12.5 else 'missed'}")
PY
echo "elapsed $(( $(date +%s) - T0 )) s"
