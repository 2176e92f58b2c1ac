#!/usr/bin/env bash
# Compose smoke test: builds both images and runs docker-compose.yml on a local Docker engine, with
# locally built stand-ins for the base images (no registry is reachable here; nothing is pulled).
# One flow is sent THROUGH the sensor and must come back from the analyzer's API, with NATS
# authentication on (the nats service made the analyzer's and the sensor's users on its first start):
# a client without credentials is refused, and the sensor's user may not read flows. Ends with
# "1 passed, 0 failed" or "0 passed, 1 failed"; exits 3 when no Docker engine can be started.
# Env: HONEYPROXY_KEEP_DOCKERD=1 leaves a dockerd this script started running (faster reruns).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE=$ROOT/tests/compose
PROJECT=hpsmoke
T0=$SECONDS
say() { printf '[compose-smoke %3ds] %s\n' $((SECONDS - T0)) "$*"; }

# ---- Docker engine ---------------------------------------------------------------------------
owned_dockerd=
if ! docker info >/dev/null 2>&1; then
  rc=0
  bash "$HERE/ensure-docker.sh" || rc=$?
  if ((rc == 3)); then
    say "SKIP: no Docker engine can be started on this machine"
    exit 3
  elif ((rc != 0)); then
    say "FAIL: could not set up Docker (exit $rc)"
    echo "0 passed, 1 failed"
    exit 1
  fi
  owned_dockerd=$(cat /var/run/docker.pid 2>/dev/null || true)
fi

if docker compose version >/dev/null 2>&1; then
  DC=(docker compose)
else
  DC=(docker-compose)
fi
dc() { timeout "${DC_TIMEOUT:-120}" "${DC[@]}" -p "$PROJECT" -f "$ROOT/docker-compose.yml" --profile sensor "$@"; }

WORK=$(mktemp -d /tmp/hp-compose-smoke.XXXXXX)
cleanup() {
  local rc=$?
  set +e
  if ((rc != 0)) && [[ -n ${DC_STARTED:-} ]]; then
    say "logs of the stack (last lines per service):"
    dc logs --no-color --tail=60 2>&1 | sed 's/^/  | /'
  fi
  [[ -n ${DC_STARTED:-} ]] && dc down -v --remove-orphans >/dev/null 2>&1
  if [[ -n $owned_dockerd && -z ${HONEYPROXY_KEEP_DOCKERD:-} ]]; then
    say "stopping the dockerd this test started (pid $owned_dockerd)"
    kill "$owned_dockerd" 2>/dev/null
    for _ in $(seq 1 40); do kill -0 "$owned_dockerd" 2>/dev/null || break; sleep 0.5; done
  fi
  rm -rf "$WORK"
  # The summary is the last line, after the cleanup's own messages.
  if ((rc == 0)); then
    echo "1 passed, 0 failed"
  elif ((rc != 3)); then
    echo "0 passed, 1 failed"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

export HONEYPROXY_NODE_IMAGE=honeyproxy-standin/node:latest
export HONEYPROXY_NATS_IMAGE=honeyproxy-standin/nats:debian
export HONEYPROXY_POSTGRES_IMAGE=honeyproxy-standin/postgres:debian
export HONEYPROXY_ANALYZER_IMAGE=$PROJECT/analyzer:latest
export HONEYPROXY_SENSOR_IMAGE=$PROJECT/sensor:latest
export HONEYPROXY_ANALYZER_BIND=127.0.0.1 HONEYPROXY_SENSOR_BIND=127.0.0.1 HONEYPROXY_NATS_BIND=127.0.0.1
HONEYPROXY_ANALYZER_PORT=$(free_port)
HONEYPROXY_SENSOR_PORT=$(free_port)
HONEYPROXY_NATS_PORT=$(free_port)
export HONEYPROXY_ANALYZER_PORT HONEYPROXY_SENSOR_PORT HONEYPROXY_NATS_PORT
export HONEYPROXY_SENSOR_ID=smoke
export HONEYPROXY_BOOTSTRAP_USER=smoke:smoke-$RANDOM$RANDOM
export HONEYPROXY_POSTGRES_PASSWORD=smoke-$RANDOM$RANDOM

fail() {
  say "FAIL: $*"
  exit 1
}

# ---- images ----------------------------------------------------------------------------------
say "stand-in base images"
timeout 900 bash "$HERE/build-standins.sh" || fail "stand-in images could not be built"

say "building Dockerfile.analyzer and Dockerfile.sensor"
old_images=$(docker image inspect -f '{{.Id}}' "$HONEYPROXY_ANALYZER_IMAGE" "$HONEYPROXY_SENSOR_IMAGE" 2>/dev/null || true)
if ! DC_TIMEOUT=1200 dc build analyzer sensor >"$WORK/build.log" 2>&1; then
  tail -n 40 "$WORK/build.log" | sed 's/^/  | /'
  fail "image build failed"
fi
# The previous build of the same tag is dangling now: drop it, so reruns don't fill the disk. Older
# dangling build stages made from the stand-ins (they carry the stand-in label) go after a day; the
# recent ones are the layer cache of the next run.
for id in $old_images; do
  if [[ $(docker image inspect -f '{{.RepoTags}}' "$id" 2>/dev/null) == '[]' ]]; then
    docker rmi "$id" >/dev/null 2>&1 || true
  fi
done
docker image prune -f --filter label=org.honeyproxy.standin.hash --filter until=24h >/dev/null 2>&1 || true
for image in "$HONEYPROXY_ANALYZER_IMAGE" "$HONEYPROXY_SENSOR_IMAGE"; do
  user=$(docker image inspect -f '{{.Config.User}}' "$image")
  say "image $image: $(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}'), user ${user:-root}"
  if [[ $user =~ ^(|root|0|0:.*)$ ]]; then fail "$image runs as root"; fi
done

# ---- stack -----------------------------------------------------------------------------------
say "starting nats, postgres, analyzer"
DC_STARTED=1
DC_TIMEOUT=300 dc up -d nats postgres analyzer >"$WORK/up.log" 2>&1 || {
  sed 's/^/  | /' "$WORK/up.log"
  fail "docker compose up failed"
}
analyzer=$(dc ps -q analyzer)
status=
for _ in $(seq 1 90); do
  status=$(docker inspect -f '{{.State.Health.Status}}' "$analyzer" 2>/dev/null || echo gone)
  [[ $status == healthy || $status == gone ]] && break
  sleep 2
done
[[ $status == healthy ]] || fail "analyzer not healthy (status: $status)"
say "analyzer healthy on 127.0.0.1:$HONEYPROXY_ANALYZER_PORT"

# The sensor refuses private destinations by default; allow the compose network for this test.
network=$(docker network ls -q --filter "label=com.docker.compose.project=$PROJECT" | head -n 1)
subnet=$(docker network inspect -f '{{range .IPAM.Config}}{{.Subnet}} {{end}}' "$network" | awk '{print $1}')
[[ -n $subnet ]] || fail "could not find the compose network"
export HONEYPROXY_ALLOW_DESTINATIONS=$subnet
say "starting sensor (allowed destinations: $subnet)"
DC_TIMEOUT=120 dc up -d --no-deps sensor >"$WORK/up-sensor.log" 2>&1 || {
  sed 's/^/  | /' "$WORK/up-sensor.log"
  fail "starting the sensor failed"
}

# ---- one flow through the sensor, back from the API ------------------------------------------
token=smoke-$RANDOM$RANDOM
target="http://analyzer:8081/healthz?token=$token"
code=000
for _ in $(seq 1 60); do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -x "http://127.0.0.1:$HONEYPROXY_SENSOR_PORT" "$target" || true)
  [[ $code == 200 ]] && break
  sleep 1
done
[[ $code == 200 ]] || fail "no 200 through the sensor for $target (last status $code)"
say "sent $target through the sensor (200)"

found=0
for _ in $(seq 1 30); do
  if curl -s --noproxy "*" --max-time 5 -u "$HONEYPROXY_BOOTSTRAP_USER" \
    "http://127.0.0.1:$HONEYPROXY_ANALYZER_PORT/api/flows?limit=10" >"$WORK/flows.json" &&
    node -e '
      const page = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      const hit = page.flows.find((f) => f.url.includes(process.argv[2]));
      process.exit(hit ? 0 : 1);
    ' "$WORK/flows.json" "$token" 2>/dev/null; then
    found=1
    break
  fi
  sleep 2
done
((found)) || {
  say "last /api/flows answer: $(head -c 600 "$WORK/flows.json" 2>/dev/null)"
  fail "the flow did not appear in GET /api/flows within 60 s"
}
say "flow found in GET /api/flows"

# A body over the inline limit (64 KiB) goes through the BODIES object store: the GUI bundle, fetched
# through the sensor, must come back byte for byte from the flow's body endpoint.
big="http://analyzer:8081/app.js?token=$token-big"
api=(-s --noproxy "*" --max-time 10 -u "$HONEYPROXY_BOOTSTRAP_USER")
curl "${api[@]}" -o "$WORK/app.js" "http://127.0.0.1:$HONEYPROXY_ANALYZER_PORT/app.js" || fail "no /app.js from the analyzer"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -u "$HONEYPROXY_BOOTSTRAP_USER" \
  -x "http://127.0.0.1:$HONEYPROXY_SENSOR_PORT" "$big" || true)
[[ $code == 200 ]] || fail "no 200 through the sensor for $big (status $code)"
id=
for _ in $(seq 1 30); do
  if curl "${api[@]}" "http://127.0.0.1:$HONEYPROXY_ANALYZER_PORT/api/flows?limit=10" >"$WORK/flows.json"; then
    id=$(node -e '
      const page = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      const hit = page.flows.find((f) => f.url.includes(process.argv[2]));
      if (hit) console.log(hit.id);
    ' "$WORK/flows.json" "$token-big" 2>/dev/null || true)
    [[ -n $id ]] && break
  fi
  sleep 2
done
[[ -n $id ]] || fail "the flow with a large body did not appear in GET /api/flows within 60 s"
curl "${api[@]}" -o "$WORK/body.bin" "http://127.0.0.1:$HONEYPROXY_ANALYZER_PORT/api/flows/$id/response/body" ||
  fail "no response body for flow $id"
cmp -s "$WORK/app.js" "$WORK/body.bin" ||
  fail "the stored body ($(wc -c <"$WORK/body.bin") bytes) is not /app.js ($(wc -c <"$WORK/app.js") bytes)"
say "a $(wc -c <"$WORK/app.js")-byte body went through the BODIES object store intact"

# ---- NATS is authenticated ------------------------------------------------------------------
# Speaks the NATS text protocol itself (CONNECT, optional SUB, PING) and prints the server's first
# answer after INFO: "PONG" when accepted, "-ERR '...'" when refused.
nats_probe() { # port user password [subject-to-subscribe]
  node -e '
    const [port, user, pass, sub] = process.argv.slice(1);
    const s = require("net").connect(Number(port), "127.0.0.1");
    let buf = "", sent = false;
    const done = (line) => { console.log(line); s.destroy(); };
    setTimeout(() => done("timeout"), 5000).unref();
    s.on("data", (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf("\r\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (line.startsWith("INFO ") && !sent) {
          sent = true;
          const opts = { verbose: false, pedantic: false, ...(user && { user, pass }) };
          s.write(`CONNECT ${JSON.stringify(opts)}\r\n` + (sub ? `SUB ${sub} 1\r\n` : "") + "PING\r\n");
        } else if (line.startsWith("-ERR") || line === "PONG") return done(line);
      }
    });
    s.on("error", (e) => done(`error ${e.message}`));
  ' "$@"
}
answer=$(nats_probe "$HONEYPROXY_NATS_PORT" "" "")
say "NATS without credentials: $answer"
[[ $answer == *"Authorization Violation"* ]] || fail "NATS accepted a client without credentials ($answer)"
answer=$(nats_probe "$HONEYPROXY_NATS_PORT" nobody not-a-password)
[[ $answer == *"Authorization Violation"* ]] || fail "NATS accepted a made-up user ($answer)"

# The sensor container holds its own credentials and nobody else's; they cannot read flows.
dc exec -T sensor cat /run/honeyproxy/nats.env >"$WORK/sensor-nats.env" 2>/dev/null || fail "no credentials in the sensor"
grep -qx "HONEYPROXY_NATS_USER=sensor-$HONEYPROXY_SENSOR_ID" "$WORK/sensor-nats.env" || fail "the sensor's credentials are not its own"
if dc exec -T sensor sh -c 'ls -A /run/honeyproxy; cat /etc/nats-auth/auth.conf' 2>/dev/null | grep -q -e analyzer -e 'users ='; then
  fail "the sensor container can see other NATS credentials"
fi
sensor_pw=$(sed -n 's/^HONEYPROXY_NATS_PASSWORD=//p' "$WORK/sensor-nats.env")
answer=$(nats_probe "$HONEYPROXY_NATS_PORT" "sensor-$HONEYPROXY_SENSOR_ID" "$sensor_pw")
[[ $answer == PONG ]] || fail "the sensor's credentials were refused ($answer)"
answer=$(nats_probe "$HONEYPROXY_NATS_PORT" "sensor-$HONEYPROXY_SENSOR_ID" "$sensor_pw" 'honeyproxy.flows.v1.>')
say "sensor user subscribing to every flow: $answer"
[[ $answer == *"Permissions Violation"* ]] || fail "the sensor's user may subscribe to flows ($answer)"

say "PASS: compose stack captured a flow end to end with NATS authentication on ($((SECONDS - T0)) s)"
