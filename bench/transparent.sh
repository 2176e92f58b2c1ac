#!/usr/bin/env bash
# bench/transparent.sh - `npm run bench -- transparent`: the sensor in transparent mode on a real
# (namespace) gateway, against the same path with no sensor and against mitmproxy's transparent mode.
#
#   client ns ──veth── gateway ns ──veth── server ns (nginx: /1k.bin over HTTP :80 and HTTPS :443)
#   loadgen           REDIRECT (deploy/gateway/honeyproxy-gateway) → :8080
#
# Targets, interleaved and repeated like the shared harness (../shared/bench/bench-proxy.sh, whose
# load generator, loadgen.go, and table code, benchlib.py, are reused):
#   direct      the redirect removed: the client's requests are only forwarded (the topology's limit)
#   mitmdump    mitmdump -q --mode transparent on the same rules, nothing saved
#   mitmdump-w  the same, writing every flow to a file (-w), as a capture sensor does
#   sensor      honeyproxy-sensor (capture + publish every flow to a private JetStream in the gateway)
# The load generator talks to http://198.18.2.2/1k.bin and https://198.18.2.2/1k.bin with no proxy
# settings at all. Afterwards every sensor run's published flows are counted against its requests
# (bench/audit-flows.mjs) and the issue's targets are checked (bench/verdict.mjs: ≥ 1.5× mitmdump,
# ≥ 50% of direct).
#
#   bash bench/transparent.sh [--reps N] [--duration S] [--warmup S] [--conc N] [--cases LIST]
#                             [--targets LIST] [--no-pin] [--out DIR]
#   bash bench/transparent.sh --report bench-results/*/results.csv
#
# Needs root (namespaces, iptables), and installs with apt-get what it lacks (iptables, nginx-light,
# golang-go, mitmproxy, curl, openssl). Everything it creates — three namespaces named hpb<pid>-*,
# their processes, a scratch dir — is removed on exit.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HARNESS="${BENCH_HARNESS:-$ROOT/../shared/bench/bench-proxy.sh}"
HDIR="$(cd "$(dirname "$HARNESS")" 2>/dev/null && pwd || true)"
GATEWAY="$ROOT/deploy/gateway/honeyproxy-gateway"

REPS=3 DURATION=10 WARMUP=2 CONC=16 CASES="http-1k,https-1k" TARGETS="direct,mitmdump,mitmdump-w,sensor"
PIN=1 PROXY_CPUS=1 LOAD_CPUS=0 OUT=""
SENSOR_PORT=8080
die() { echo "bench-transparent: $*" >&2; exit 1; }

while (($# > 0)); do
  case "$1" in
    -h | --help) sed -n '2,27p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --reps) REPS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --conc) CONC=$2; shift 2 ;;
    --cases) CASES=$2; shift 2 ;;
    --targets) TARGETS=$2; shift 2 ;;
    --no-pin) PIN=0; shift ;;
    --out) OUT=$2; shift 2 ;;
    --report) shift; exec python3 "$HDIR/benchlib.py" report "$@" ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

[ -f "$HDIR/loadgen.go" ] && [ -f "$HDIR/benchlib.py" ] \
  || die "the shared harness is not at $HARNESS (loadgen.go, benchlib.py): set BENCH_HARNESS"
[ "$(id -u)" = 0 ] || die "needs root: it creates network namespaces and iptables rules"
[ -f "$ROOT/sensor/dist/main.js" ] && [ -f "$ROOT/analyzer/dist/index.js" ] \
  || die "sensor or analyzer not built: run 'npm run build'"
command -v nats-server >/dev/null || die "nats-server not found (Debian: apt-get install nats-server)"

# ---------------------------------------------------------------- install what is missing
need=()
command -v iptables >/dev/null || need+=(iptables)
command -v go >/dev/null || need+=(golang-go)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v curl >/dev/null || need+=(curl)
command -v openssl >/dev/null || need+=(openssl)
[[ ",$TARGETS," != *,mitmdump* ]] || command -v mitmdump >/dev/null || need+=(mitmproxy)
if ((${#need[@]} > 0)); then
  echo "bench-transparent: installing ${need[*]} with apt-get" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

[ -n "$OUT" ] || OUT="$ROOT/bench-results/transparent-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT/raw"
OUT="$(cd "$OUT" && pwd)"
LOG="$OUT/run.log"
log() { echo "[$(date +%H:%M:%S)] $*" | tee -a "$LOG" >&2; }
WORK="$(mktemp -d "${TMPDIR:-/tmp}/honeyproxy-bench-transparent.XXXXXX")"
chmod 755 "$WORK" # nginx's workers (user nobody) read the origin's files below it
CACHE="${BENCH_WORK:-${TMPDIR:-/tmp}/bench-proxy}"
mkdir -p "$CACHE"

# ---------------------------------------------------------------- cleanup (always)
NS_C="hpb$$-c" NS_G="hpb$$-g" NS_S="hpb$$-s"
PROXY_SID="" NGINX_SID="" NATS_SID=""
stop_session() { # sid
  local sid="$1"
  [ -n "$sid" ] || return 0
  kill -TERM -- "-$sid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do kill -0 -- "-$sid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL -- "-$sid" 2>/dev/null || true
  sleep 0.2
}
cleanup() {
  stop_session "$PROXY_SID"; stop_session "$NGINX_SID"; stop_session "$NATS_SID"
  for ns in "$NS_C" "$NS_G" "$NS_S"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
    ip netns delete "$ns" 2>/dev/null || true
    rm -rf "/etc/netns/$ns"
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

pin_proxy() { if [ "$PIN" = 1 ]; then echo "taskset -c $PROXY_CPUS"; fi; }
pin_load() { if [ "$PIN" = 1 ]; then echo "taskset -c $LOAD_CPUS"; fi; }
[ "$(nproc)" -ge 2 ] || PIN=0
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
port_open_in() { in_ns "$1" bash -c "exec 3<>/dev/tcp/$2/$3" 2>/dev/null; }

# ---------------------------------------------------------------- topology (as testkit's netns-topology)
C4=198.18.1.2 GC4=198.18.1.1 GS4=198.18.2.1 S4=198.18.2.2
log "topology: $NS_C ($C4) → $NS_G → $NS_S ($S4)"
for ns in "$NS_C" "$NS_G" "$NS_S"; do
  ip netns add "$ns"
  mkdir -p "/etc/netns/$ns"
  printf '127.0.0.1 localhost\n' >"/etc/netns/$ns/hosts"
  printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"/etc/netns/$ns/resolv.conf"
  ip -n "$ns" link set lo up
done
ip -n "$NS_C" link add hp-c0 type veth peer name hp-gw-c netns "$NS_G"
ip -n "$NS_S" link add hp-s0 type veth peer name hp-gw-s netns "$NS_G"
in_ns "$NS_G" sysctl -qw net.ipv4.ip_forward=1
ip -n "$NS_C" addr add "$C4/24" dev hp-c0
ip -n "$NS_G" addr add "$GC4/24" dev hp-gw-c
ip -n "$NS_G" addr add "$GS4/24" dev hp-gw-s
ip -n "$NS_S" addr add "$S4/24" dev hp-s0
for pair in "$NS_C hp-c0" "$NS_G hp-gw-c" "$NS_G hp-gw-s" "$NS_S hp-s0"; do
  read -r ns dev <<<"$pair"
  ip -n "$ns" link set "$dev" up
done
ip -n "$NS_C" route add default via "$GC4"
ip -n "$NS_S" route add default via "$GS4"

rules() { # install|remove
  if [ "$1" = install ]; then
    in_ns "$NS_G" bash "$GATEWAY" install -i hp-gw-c --sensor-port "$SENSOR_PORT" --family ipv4 >>"$LOG"
  else
    in_ns "$NS_G" bash "$GATEWAY" remove --family ipv4 >>"$LOG"
  fi
}

# ---------------------------------------------------------------- load generator (the harness's)
LOADGEN="$CACHE/loadgen-transparent"
if [ ! -x "$LOADGEN" ] || ! cmp -s "$HDIR/loadgen.go" "$CACHE/loadgen-transparent.go"; then
  log "building loadgen.go"
  cp "$HDIR/loadgen.go" "$CACHE/loadgen-transparent.go"
  (cd "$CACHE" && GOCACHE="$CACHE/gocache" GO111MODULE=off go build -o "$LOADGEN" loadgen-transparent.go) \
    >>"$LOG" 2>&1 || die "go build failed, see $LOG"
fi

# ---------------------------------------------------------------- origin: nginx in the server namespace
ODIR="$WORK/origin"
mkdir -p "$ODIR/www" "$ODIR/tmp"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$ODIR/ca.key" -out "$ODIR/ca.pem" -days 30 \
  -subj "/CN=bench transparent origin CA" -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" >>"$LOG" 2>&1
openssl req -newkey rsa:2048 -nodes -keyout "$ODIR/origin.key" -out "$ODIR/origin.csr" \
  -subj "/CN=$S4" >>"$LOG" 2>&1
printf 'subjectAltName=IP:%s,DNS:origin.test\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$S4" >"$ODIR/ext.cnf"
openssl x509 -req -in "$ODIR/origin.csr" -CA "$ODIR/ca.pem" -CAkey "$ODIR/ca.key" -CAcreateserial \
  -out "$ODIR/origin.pem" -days 30 -extfile "$ODIR/ext.cnf" >>"$LOG" 2>&1
head -c 1024 /dev/urandom >"$ODIR/www/1k.bin"
head -c 102400 /dev/urandom >"$ODIR/www/100k.bin"
cat >"$ODIR/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $ODIR/nginx.pid;
error_log $ODIR/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  default_type application/octet-stream;
  sendfile on; tcp_nopush on; tcp_nodelay on;
  keepalive_timeout 120s;
  keepalive_requests 100000000;
  client_body_temp_path $ODIR/tmp/body; proxy_temp_path $ODIR/tmp/proxy;
  fastcgi_temp_path $ODIR/tmp/fcgi; uwsgi_temp_path $ODIR/tmp/uwsgi; scgi_temp_path $ODIR/tmp/scgi;
  ssl_session_cache shared:BENCH:1m;
  server {
    listen 80;
    listen 443 ssl;
    ssl_certificate $ODIR/origin.pem;
    ssl_certificate_key $ODIR/origin.key;
    root $ODIR/www;
  }
}
EOF
$(pin_load) setsid ip netns exec "$NS_S" "$NGINX" -c "$ODIR/nginx.conf" -p "$ODIR" -e "$ODIR/nginx-error.log" \
  >>"$LOG" 2>&1 </dev/null &
NGINX_SID=$!
for _ in $(seq 1 50); do port_open_in "$NS_S" 127.0.0.1 443 && break; sleep 0.1; done
port_open_in "$NS_S" 127.0.0.1 443 || die "nginx did not start, see $ODIR/nginx-error.log"

# ---------------------------------------------------------------- NATS (JetStream) inside the gateway
NATS_URL="nats://127.0.0.1:4222" # the gateway namespace's own loopback
$(pin_load) setsid ip netns exec "$NS_G" nats-server -a 127.0.0.1 -p 4222 -js -sd "$WORK/nats" \
  >"$WORK/nats.log" 2>&1 </dev/null &
NATS_SID=$!
for _ in $(seq 1 100); do grep -q 'Server is ready' "$WORK/nats.log" && break; sleep 0.1; done
grep -q 'Server is ready' "$WORK/nats.log" || die "nats-server did not start: $(tail -5 "$WORK/nats.log")"
(cd "$ROOT" && in_ns "$NS_G" node bench/setup-jetstream.mjs "$NATS_URL") >"$OUT/jetstream.txt" 2>&1 \
  || die "JetStream setup failed: $(cat "$OUT/jetstream.txt")"

# ---------------------------------------------------------------- the sensor as built now (a copy)
SENSOR="$ROOT/node_modules/.cache/honeyproxy-bench/sensor-transparent"
rm -rf "$SENSOR"
mkdir -p "$SENSOR"
cp "$ROOT/sensor/package.json" "$SENSOR/"
cp -rp "$ROOT/sensor/dist" "$SENSOR/dist"
[ -d "$ROOT/sensor/native" ] && cp -rp "$ROOT/sensor/native" "$SENSOR/native"
{
  echo "sensor build: $(cd "$SENSOR/dist" && find . -name '*.js' ! -name '*.test.js' \
    ! -path './testing/*' -print0 | sort -z | xargs -0 cat | sha256sum | cut -c1-16)" \
    "(sha256 of dist/**/*.js without tests and testing/)"
  echo "git: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)" \
    "$(git -C "$ROOT" status --porcelain -- sensor/src 2>/dev/null | wc -l) changed file(s) in sensor/src"
} >"$OUT/sensor-build.txt"

# ---------------------------------------------------------------- targets
# Each runs through `bash -c` in the gateway namespace, in a session of its own, pinned to the proxy
# CPU. The sensor prints its id first (bench/audit-flows.mjs matches runs to FLOWS subjects by it).
SENSOR_CMD="sid=bench-\$(date +%s%N); echo bench-sensor-id=\$sid; \
HONEYPROXY_PROXY_PORT=$SENSOR_PORT HONEYPROXY_DATA_DIR=$WORK/sensor-data \
HONEYPROXY_NATS_URL=$NATS_URL HONEYPROXY_SENSOR_ID=\$sid HONEYPROXY_LOG_LEVEL=warn \
HONEYPROXY_ALLOW_DESTINATIONS=198.18.2.0/24 NODE_EXTRA_CA_CERTS=$ODIR/ca.pem \
exec node --enable-source-maps $SENSOR/dist/main.js"
MITM_CMD="exec mitmdump -q --mode transparent --listen-port $SENSOR_PORT --set confdir=$CACHE/mitmproxy \
--set ssl_verify_upstream_trusted_ca=$ODIR/ca.pem"
target_cmd() {
  case "$1" in
    direct) echo "" ;;
    mitmdump) echo "$MITM_CMD" ;;
    mitmdump-w) echo "$MITM_CMD -w $WORK/flows.mitmdump-w" ;;
    sensor) echo "$SENSOR_CMD" ;;
    *) return 1 ;;
  esac
}
IFS=, read -r -a T_LIST <<<"$TARGETS"
IFS=, read -r -a CASE_LIST <<<"$CASES"
for t in "${T_LIST[@]}"; do target_cmd "$t" >/dev/null || die "unknown target $t"; done
url_for() {
  case "$1" in
    http-1k) echo "http://$S4/1k.bin" ;; http-100k) echo "http://$S4/100k.bin" ;;
    https-1k) echo "https://$S4/1k.bin" ;; https-100k) echo "https://$S4/100k.bin" ;;
    *) return 1 ;;
  esac
}
size_for() { case "$1" in *-1k) echo 1024 ;; *-100k) echo 102400 ;; esac; }
for c in "${CASE_LIST[@]}"; do url_for "$c" >/dev/null || die "unknown case $c"; done

{
  echo "date: $(date -Is)"
  echo "host: $(uname -srm); $(. /etc/os-release 2>/dev/null; echo "$PRETTY_NAME")"
  echo "cpus: $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "load before start: $(cut -d' ' -f1-3 /proc/loadavg) (a shared machine: other work may run beside this)"
  echo "pinning: $([ "$PIN" = 1 ] && echo "proxy on CPU $PROXY_CPUS; loadgen, nginx, nats-server on CPU $LOAD_CPUS" || echo none)"
  echo "topology: client $C4 → gateway (REDIRECT tcp 80,443 → :$SENSOR_PORT via $GATEWAY) → server $S4 (nginx)"
  echo "load generator: loadgen.go ($(go version | awk '{print $3}')); nginx: $("$NGINX" -v 2>&1 | sed 's/.*\///')"
  command -v mitmdump >/dev/null && echo "mitmproxy: $(mitmdump --version 2>/dev/null | head -1 | awk '{print $2}')"
  echo "node: $(node --version); nats-server: $(nats-server --version | awk '{print $2}'); iptables: $(iptables --version)"
  echo "settings: reps=$REPS duration=${DURATION}s warmup=${WARMUP}s conc=$CONC cases=$CASES"
  for t in "${T_LIST[@]}"; do echo "target $t: $(target_cmd "$t" | sed 's/^$/(no sensor: redirect removed)/')"; done
} >"$OUT/machine.txt"
cat "$OUT/machine.txt" | tee -a "$LOG" >&2

CSV="$OUT/results.csv"
echo "rep,case,target,status,rps,p50_ms,p99_ms,ok,non2xx,errors,dials,proxy_rss_mb,proxy_hwm_mb,proxy_cpu_pct,origin_cpu_pct,loadgen_cpu_pct,other_cpu_pct,cores_busy,warmup_requests,flow_file_mb" >"$CSV"
TCK="$(getconf CLK_TCK)"

start_proxy() { # name cmd raw -> PROXY_SID
  local name=$1 cmd=$2 raw=$3
  # shellcheck disable=SC2046 # pin_proxy is empty or "taskset -c N"
  $(pin_proxy) setsid ip netns exec "$NS_G" bash -c "$cmd" >"$raw.proxy.log" 2>&1 </dev/null &
  PROXY_SID=$!
  for _ in $(seq 1 600); do
    port_open_in "$NS_G" 127.0.0.1 "$SENSOR_PORT" && return 0
    kill -0 "$PROXY_SID" 2>/dev/null || { log "$name exited at start, see $raw.proxy.log"; PROXY_SID=""; return 1; }
    sleep 0.1
  done
  log "$name did not listen on $SENSOR_PORT within 60 s"
  return 1
}

check_path() { # case
  local out
  out="$(in_ns "$NS_C" curl -sk --max-time 20 -o /dev/null -w '%{http_code} %{size_download}' "$(url_for "$1")" 2>&1)"
  [ "$out" = "200 $(size_for "$1")" ] || { log "check $1 failed: $out"; return 1; }
}

run_one() { # rep case target
  local rep=$1 c=$2 t=$3 cmd raw="$OUT/raw/r$1.$2.$3" status=ok fields flow="" proxied=""
  cmd="$(target_cmd "$t")"
  log "rep $rep  $c  $t"
  # shellcheck disable=SC2207
  local lg=($(pin_load) ip netns exec "$NS_C" "$LOADGEN" -url "$(url_for "$c")" -size "$(size_for "$c")"
    -c "$CONC" -d "${DURATION}s" -warmup "${WARMUP}s" -hz "$TCK" -origin-sid "$NGINX_SID")
  if [ -n "$cmd" ]; then
    proxied=proxied
    rules install
    start_proxy "$t" "$cmd" "$raw" || status='start-failed'
    [ -n "$PROXY_SID" ] && lg+=(-watch-sid "$PROXY_SID")
  else
    rules remove
  fi
  [ "$status" = ok ] && { check_path "$c" || status='check-failed'; }
  if [ "$status" = ok ]; then
    "${lg[@]}" >"$raw.json" 2>"$raw.txt" || status=no-success
    fields="$(python3 "$HDIR/benchlib.py" row "$raw.json" $proxied)"
  else
    fields="0,nan,nan,0,0,0,,,,,,,,,"
  fi
  stop_session "$PROXY_SID"; PROXY_SID=""
  if [ -f "$WORK/flows.$t" ]; then
    flow="$(awk -v b="$(stat -c %s "$WORK/flows.$t")" 'BEGIN{printf "%.1f", b/1048576}')"
    rm -f "$WORK/flows.$t"
  fi
  echo "$rep,$c,$t,$status,$fields,$flow" >>"$CSV"
  log "   -> $status  $(tail -c 600 "$raw.txt" 2>/dev/null | sed -n 's/.*": //p' | head -1)"
  sleep 1
}

nt=${#T_LIST[@]}
for rep in $(seq 1 "$REPS"); do
  for c in "${CASE_LIST[@]}"; do
    for k in $(seq 0 $((nt - 1))); do
      run_one "$rep" "$c" "${T_LIST[$(((k + rep - 1) % nt))]}"
    done
  done
done
rules remove

{
  echo
  echo "Transparent mode, namespace gateway. Medians over $REPS repetitions; $CONC connections," \
    "${DURATION}s each; results in $OUT"
  echo
  python3 "$HDIR/benchlib.py" report "$CSV"
} | tee "$OUT/summary.md"

if [[ ",$TARGETS," == *,sensor,* ]]; then
  {
    echo
    echo "Targets (the sensor in transparent mode, capturing and publishing every flow):"
    echo
    node "$ROOT/bench/verdict.mjs" "$CSV" sensor mitmdump:1.5,direct:0.5 || true
  } | tee -a "$OUT/summary.md"
  echo >&2
  check=0
  (cd "$ROOT" && in_ns "$NS_G" node bench/audit-flows.mjs "$NATS_URL" "$OUT" sensor) \
    >"$OUT/flow-check.md" || check=$?
  {
    echo
    echo "Published flows (private NATS in the gateway namespace, FLOWS stream as the analyzer creates it):"
    echo
    cat "$OUT/flow-check.md"
  } | tee -a "$OUT/summary.md"
  [ "$check" = 0 ] || log "FLOW CHECK FAILED (see $OUT/flow-check.md)"
fi
log "results in $OUT"
