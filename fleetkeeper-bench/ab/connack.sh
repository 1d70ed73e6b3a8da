#!/bin/bash
# connack A/B: server CPU per full mutual-TLS handshake + CONNECT (first-seen certificates), base jars (/tmp/h/base, A)
# vs connack (/tmp/h/connack, B), with Mosquitto on the same certificates in the same run. (mqtt-connect.sh with
# other ports and candidate; SEED_DIR=DIR keeps the issued devices and Mosquitto's config there between runs.)
# From scratch: fresh SQLite data dir + N devices with P-256 certificates (issued through the base server), Mosquitto's
# config for the same CA; then Mosquitto, A, B, A, B: a fresh server per run (so every measured connection but the
# warm-up's is a certificate the process has not seen), W warm-up connections first (JIT), then N connections at 64 in
# flight. Per run: server CPU per handshake (/proc/PID/stat over the connect phase), handshakes/s, connect p50/p99,
# RSS growth per connection (after a full GC), load average.
# JOPTS: the servers' JVM options (default "-Xms1g -Xmx1g", as in docs/benchmarks.md); MENV: their environment
# (e.g. MENV=MALLOC_ARENA_MAX=2). Ports 23400 (HTTP), 23401 (MQTT), 23402 (Mosquitto). Everything started here is
# killed on exit. Budget: <= 6 min on a quiet 2-core machine (N=4000).
set -u
N=${N:-4000}; W=${W:-800}
BASE=${BASE:-/tmp/h/base}; MINE=${MINE:-/tmp/h/connack}
JOPTS=${JOPTS:--Xms1g -Xmx1g}; MENV=${MENV:-}
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin
if [ -n "${SEED_DIR:-}" ]; then mkdir -p "$SEED_DIR"; D=$SEED_DIR; KEEP=1; else D=$(mktemp -d /tmp/connack-bench.XXXX); fi
T0=$(date +%s)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$D"; }
trap cleanup EXIT
ulimit -n 20000 2>/dev/null
[ -f $D/token ] || echo "fk_$(openssl rand -hex 32)" > $D/token
for p in 23400 23401 23402; do
  if (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "port $p is in use: stop what listens there first"; exit 1; fi
done
server() { # JAR LOG -> pid
  env $MENV $J/java $JOPTS -jar $1 --server.port=23400 --fleetkeeper.mqtt.port=23401 \
    --fleetkeeper.device-api.port=-1 --fleetkeeper.db.data-dir=$D/data --fleetkeeper.auth.bootstrap-token=$(cat $D/token) \
    --logging.level.root=WARN >$2 2>&1 &
  echo $!
}
stop() { kill $1 2>/dev/null; while kill -0 $1 2>/dev/null; do sleep 0.2; done; }
ready() { for i in $(seq 1 ${READY_POLLS:-600}); do kill -0 $1 2>/dev/null || return 1
    curl -sf http://127.0.0.1:23400/actuator/health >/dev/null && return 0; sleep 0.5; done; return 1; }
bench() { # PID EXTRA...
  local pid=$1; shift
  $J/java --enable-native-access=ALL-UNNAMED -Xmx1g -jar $BASE/fleetkeeper-bench.jar mqtt --url http://127.0.0.1:23400 \
    --platform-token $(cat $D/token) --cache $D/cache --devices $N --hold 1 --revoke-percent 0 \
    --warmup-connections $W --concurrency 64 --server-pid $pid "$@"
}
report() { # LABEL LOG
  python3 - "$1" "$2" <<'PY'
import re,sys
L,f=sys.argv[1],sys.argv[2]; b=open(f).read()
m=re.search(r'Connected ([\d,]+) of [\d,]+ in [\d.]+ s: ([\d,]+) handshakes/s.*?p50 ([\d.,]+).*?p99 ([\d.,]+)',b,re.S)
c=re.search(r'server [\d.]+ s \(([\d.]+) ms per handshake\)',b)
r=re.search(r'RSS [^(]*\(\+[^,]*, ([\d.]+) KB per connection\)',b)
ld=re.search(r'Connecting .*?load ([\d.]+)',b)
print(f"{L:10s} connected {m.group(1) if m else '?'}: server CPU {c.group(1) if c else '?'} ms/handshake, "
      f"{m.group(2) if m else '?'}/s, p50 {m.group(3) if m else '?'} ms, p99 {m.group(4) if m else '?'} ms, "
      f"RSS growth {r.group(1) if r else '?'} KB/conn, load {open('/proc/loadavg').read().split()[0]}", flush=True)
open(f+'.cpu','w').write(c.group(1) if c else '')
PY
}
if [ -f $D/mosq/mosquitto.conf ]; then echo "setup: reusing $D"; else
echo "setup: $N devices and certificates through the base server (load $(cut -d' ' -f1-3 /proc/loadavg))"
P=$(server $BASE/fleetkeeper-server.jar $D/setup.log); PIDS+=($P); ready $P || { echo "server did not start"; exit 1; }
bench $P --prepare-mosquitto $D/mosq --mqtt-port 23402 > $D/mosq-prep.log 2>&1 || { tail $D/mosq-prep.log; exit 1; }
stop $P; fi
chmod a+rx $D; chmod -R a+rX $D/mosq   # Mosquitto started as root reads its files as the mosquitto user
echo "setup done in $(( $(date +%s) - T0 )) s; JVM options: $JOPTS ${MENV:+(env $MENV)}"
mosquitto -c $D/mosq/mosquitto.conf > $D/mosq.log 2>&1 & M=$!; PIDS+=($M); sleep 1
bench $M --target mosquitto --mqtt-port 23402 --ca-file $D/mosq/ca.pem > $D/mosq-bench.log 2>&1
report mosquitto $D/mosq-bench.log; stop $M
run() { # LABEL JARDIR
  local P=$(server $2/fleetkeeper-server.jar $D/$1-server.log); PIDS+=($P); ready $P || { echo "$1: server did not start"; stop $P; return; }
  bench $P --mqtt-port 23401 --server-gc > $D/$1-bench.log 2>&1
  report $1 $D/$1-bench.log; stop $P
}
for pair in 1 2; do
  if [ $pair = 2 ] && [ $(( $(date +%s) - T0 )) -gt ${BUDGET:-230} ]; then echo "(second pair skipped: 6-minute budget)"; break; fi
  run A$pair $BASE; run B$pair $MINE
done
python3 - $D <<'PY'
import sys,os
D=sys.argv[1]; g=lambda l: float(open(f"{D}/{l}-bench.log.cpu").read() or 'nan') if os.path.exists(f"{D}/{l}-bench.log.cpu") else float('nan')
a=[x for x in (g('A1'),g('A2')) if x==x]; b=[x for x in (g('B1'),g('B2')) if x==x]; m=g('mosq')
if a and b:
    ma,mb=sum(a)/len(a),sum(b)/len(b)
    print(f"server CPU per handshake, mean: A {ma:.3f} ms, B {mb:.3f} ms, B/A {mb/ma:.3f}; Mosquitto {m:.3f} ms: A/M {ma/m:.2f}, B/M {mb/m:.2f}")
PY
echo "elapsed $(( $(date +%s) - T0 )) s"
