#!/usr/bin/env bash
# bench/run.sh - `npm run bench`: the sensor, capturing and publishing every flow to JetStream,
# against mitmdump (-w), a bare mockttp pass-through and a direct connection, with the shared
# harness ../shared/bench/bench-proxy.sh (HTTP and HTTPS 1 KiB, 16 keep-alive connections).
# It runs a private nats-server with the analyzer's topology for the sensor, then checks that every
# request sent through the sensor arrived in the FLOWS stream as one decodable flow.
#
#   bash bench/run.sh [harness options: --reps N --duration S --cases LIST --builtins LIST ...]
#   bash bench/run.sh --cpu-prof [harness options]   # profile: only the sensor and bare mockttp,
#                                                      # both under node --cpu-prof, then summarised
#   bash bench/run.sh transparent [options]          # transparent mode on a namespace gateway
#                                                      # (bench/transparent.sh; --help for options)
#   node bench/memory-bench.mjs [options]              # sensor memory vs bare mockttp: 500 conns,
#                                                      # 1 GiB downloads (BENCHMARKS.md "Sensor memory")
#
# Results: bench-results/<date-time>/ (summary.md, flow-check.md, results.csv, machine.txt, raw/,
# sensor-build.txt naming the sensor build measured, and with --cpu-prof
# cpuprofile/<target>/*.cpuprofile and profile-<target>-<case>.md).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# `npm run bench -- transparent ...`: the transparent-mode benchmark has its own topology and targets.
if [ "${1:-}" = transparent ]; then
  shift
  exec bash "$ROOT/bench/transparent.sh" "$@"
fi
HARNESS="${BENCH_HARNESS:-$ROOT/../shared/bench/bench-proxy.sh}"
SENSOR_PORT="${BENCH_SENSOR_PORT:-18090}"

die() { echo "bench: $*" >&2; exit 1; }

[ -f "$HARNESS" ] || die "harness not found at $HARNESS: it lives in shared/bench beside the
  repository (../shared/bench/bench-proxy.sh); set BENCH_HARNESS=/path/to/bench-proxy.sh otherwise"
[ -f "$ROOT/sensor/dist/main.js" ] && [ -f "$ROOT/analyzer/dist/index.js" ] \
  || die "sensor or analyzer not built: run 'npm run build' (npm run bench does it)"
command -v nats-server >/dev/null || die "nats-server not found (Debian: apt-get install nats-server)"

# What the harness will be told; our defaults come first so the caller's options win.
OUT="" LOAD_CPUS=0 PIN=1 PROFILE=0 args=()
for a in "$@"; do [ "$a" = --cpu-prof ] && PROFILE=1 || args+=("$a"); done
set -- "${args[@]}"
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --report) exec bash "$HARNESS" "$@" ;;
    -h | --help) exec bash "$HARNESS" --help ;;
    --out) OUT="${args[$((i + 1))]:-}" ;;
    --load-cpus) LOAD_CPUS="${args[$((i + 1))]:-0}" ;;
    --no-pin) PIN=0 ;;
  esac
done
[ -n "$OUT" ] || OUT="$ROOT/bench-results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)" # absolute: the harness runs from $ROOT and is given this one last

# ---------------------------------------------------------------- the sensor as built now
# A copy, so a rebuild during the run (others work in this tree) cannot change what is measured.
# Inside the repository, so its imports still resolve to the workspace's node_modules.
SENSOR="$ROOT/node_modules/.cache/honeyproxy-bench/sensor"
rm -rf "$SENSOR"
mkdir -p "$SENSOR"
cp "$ROOT/sensor/package.json" "$SENSOR/"
cp -rp "$ROOT/sensor/dist" "$SENSOR/dist"
# the original-destination addon (transparent mode), where it was built
[ -d "$ROOT/sensor/native/build" ] && mkdir -p "$SENSOR/native" && cp -rp "$ROOT/sensor/native/build" "$SENSOR/native/build"
{
  echo "sensor build: $(cd "$SENSOR/dist" && find . -name '*.js' ! -name '*.test.js' \
    ! -path './testing/*' -print0 | sort -z | xargs -0 cat | sha256sum | cut -c1-16)" \
    "(sha256 of dist/**/*.js without tests and testing/)"
  echo "built: $(date -r "$SENSOR/dist/main.js" -Is)"
  echo "git: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)" \
    "$(git -C "$ROOT" status --porcelain -- sensor/src 2>/dev/null | wc -l) changed file(s) in sensor/src"
} >"$OUT/sensor-build.txt"

# ---------------------------------------------------------------- private NATS with JetStream
NATS_DIR="$(mktemp -d "${TMPDIR:-/tmp}/honeyproxy-bench-nats.XXXXXX")"
NATS_PID=""
cleanup() {
  if [ -n "$NATS_PID" ] && kill -0 "$NATS_PID" 2>/dev/null; then
    kill -TERM "$NATS_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$NATS_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$NATS_PID" 2>/dev/null || true
  fi
  rm -rf "$NATS_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

NATS_PORT="$(node -e "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => {
  process.stdout.write(String(s.address().port)); s.close(); });")"
NATS_URL="nats://127.0.0.1:$NATS_PORT"
# On the load generator's core, so it never takes CPU from the proxy under test.
pin=()
[ "$PIN" = 1 ] && [ "$(nproc)" -ge 2 ] && pin=(taskset -c "$LOAD_CPUS")
"${pin[@]}" nats-server -a 127.0.0.1 -p "$NATS_PORT" -js -sd "$NATS_DIR/store" \
  >"$NATS_DIR/nats.log" 2>&1 </dev/null &
NATS_PID=$!
for _ in $(seq 1 100); do
  grep -q 'Server is ready' "$NATS_DIR/nats.log" 2>/dev/null && break
  kill -0 "$NATS_PID" 2>/dev/null || { cat "$NATS_DIR/nats.log" >&2; die "nats-server exited at start"; }
  sleep 0.1
done
grep -q 'Server is ready' "$NATS_DIR/nats.log" || die "nats-server did not start: $NATS_DIR/nats.log"
echo "bench: private nats-server $(nats-server --version | awk '{print $2}') on $NATS_URL" \
  "${pin[*]:+(${pin[*]})}, store $NATS_DIR/store" >&2
(cd "$ROOT" && node bench/setup-jetstream.mjs "$NATS_URL") | tee "$OUT/jetstream.txt" >&2

# ---------------------------------------------------------------- the harness
# Every run of the sensor gets its own sensor id (so its own subject in FLOWS), printed first in its
# proxy log: that lets the flow check compare each run's published flows with its requests.
prof() { if [ "$PROFILE" = 1 ]; then echo "--cpu-prof --cpu-prof-dir=$OUT/cpuprofile/$1"; fi; }
SENSOR_CMD="sid=bench-\$(date +%s%N); echo bench-sensor-id=\$sid; echo bench-pid=\$\$; \
HONEYPROXY_PROXY_PORT=\$BENCH_PORT HONEYPROXY_DATA_DIR=\$BENCH_WORK/sensor-data \
HONEYPROXY_NATS_URL=$NATS_URL HONEYPROXY_SENSOR_ID=\$sid HONEYPROXY_LOG_LEVEL=warn \
HONEYPROXY_ALLOW_DESTINATIONS=127.0.0.0/8,::1/128 \
exec node --enable-source-maps $(prof sensor) $SENSOR/dist/main.js"
builtins=(--with-mockttp) targets=()
if [ "$PROFILE" = 1 ]; then
  # The harness's own mockttp cannot be profiled; run its script as a named target instead, from
  # a folder where 'mockttp' resolves to the repository's (the same pinned 4.6.5).
  passthrough="$ROOT/node_modules/.cache/honeyproxy-bench/mockttp-passthrough.mjs"
  mkdir -p "$(dirname "$passthrough")"
  cp "$(dirname "$HARNESS")/mockttp-passthrough.mjs" "$passthrough"
  builtins=(--builtins none)
  targets=(--name mockttp
    "echo bench-pid=\$\$; exec node $(prof mockttp) $passthrough \$BENCH_PORT" 18083)
fi

nats_cpu() { awk '{print $14 + $15}' "/proc/$NATS_PID/stat"; }
nats_before="$(nats_cpu)"
status=0
(cd "$ROOT" && bash "$HARNESS" --cases http-1k,https-1k "${builtins[@]}" "$@" --out "$OUT" \
  "${targets[@]}" --name sensor "$SENSOR_CMD" "$SENSOR_PORT") || status=$?
[ "$status" = 0 ] || echo "bench: the harness exited with $status" >&2
nats_ticks=$(($(nats_cpu) - nats_before))

# ---------------------------------------------------------------- the issue's targets
if [ "$PROFILE" = 0 ] && [ -s "$OUT/results.csv" ]; then
  {
    echo
    echo "Targets (the sensor, capturing and publishing every flow):"
    echo
    node "$ROOT/bench/verdict.mjs" "$OUT/results.csv" sensor || true
  } | tee -a "$OUT/summary.md"
fi

# ---------------------------------------------------------------- capture check
echo >&2
echo "bench: checking that every request through the sensor became a published flow" >&2
check=0
(cd "$ROOT" && node bench/audit-flows.mjs "$NATS_URL" "$OUT" sensor) >"$OUT/flow-check.md" || check=$?
{
  echo
  echo "Published flows (private NATS $NATS_URL, FLOWS stream as the analyzer creates it):"
  echo
  cat "$OUT/flow-check.md"
} | tee -a "$OUT/summary.md"
# nats-server ran on the load core: its work is not in the proxy's CPU column (it is in 'other')
flows="$(sed -n 's/^Total: [0-9]* requests sent through .*, \([0-9]*\) flows published.*/\1/p' "$OUT/flow-check.md")"
flows="${flows:-0}"
nats_ms=$((nats_ticks * 1000 / $(getconf CLK_TCK)))
per_flow=$((flows > 0 ? nats_ms * 1000 / flows : 0))
{
  echo
  echo "nats-server CPU during the harness: ${nats_ms} ms for ${flows} flows" \
    "(${per_flow} us per flow), on the load generator's core."
} | tee -a "$OUT/summary.md"
if [ "$PROFILE" = 1 ]; then
  IFS=, read -r -a cases <<<"$(sed -n 's/^settings: .* cases=\([^ ]*\).*/\1/p' "$OUT/machine.txt")"
  for t in mockttp sensor; do
    for c in "${cases[@]}"; do
      node "$ROOT/bench/cpuprofile-top.mjs" --results "$OUT" --target "$t" --case "$c" \
        >"$OUT/profile-$t-$c.md" || { echo "bench: no profile for $t $c" >&2; continue; }
      echo "bench: profile of $t, $c in $OUT/profile-$t-$c.md" >&2
    done
  done
fi
[ "$check" = 0 ] || echo "bench: FLOW CHECK FAILED (see $OUT/flow-check.md)" >&2
echo "bench: results in $OUT" >&2
[ "$status" = 0 ] || exit "$status"
exit "$check"
