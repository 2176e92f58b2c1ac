#!/usr/bin/env bash
# Makes sure a Docker engine answers on this machine, for the compose smoke test: installs Debian's
# docker.io / docker-compose / debootstrap when missing and starts dockerd in the background (logs in
# $HONEYPROXY_DOCKERD_LOG) when no engine runs. Exit 0 = `docker info` works; exit 3 = no engine can
# be started here (the caller decides whether that is a skip or a failure); other = a real error.
set -euo pipefail

DOCKERD_LOG=${HONEYPROXY_DOCKERD_LOG:-/var/log/honeyproxy-dockerd.log}
say() { printf 'ensure-docker: %s\n' "$*"; }

if docker info >/dev/null 2>&1; then
  say "engine already running"
  exit 0
fi

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v docker >/dev/null 2>&1 || missing+=(docker.io)
command -v docker-compose >/dev/null 2>&1 || docker compose version >/dev/null 2>&1 || missing+=(docker-compose)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
if ((${#missing[@]} > 0)); then
  if [[ $(id -u) != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    say "missing ${missing[*]} and cannot install (needs root on Debian)"
    exit 3
  fi
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" iptables ca-certificates >/dev/null
fi

if [[ $(id -u) != 0 ]]; then
  say "no engine running and not root: cannot start dockerd"
  exit 3
fi

if ! pgrep -x dockerd >/dev/null 2>&1; then
  say "starting dockerd (log: $DOCKERD_LOG)"
  # setsid: dockerd must outlive this script and not get the caller's signals.
  setsid dockerd >"$DOCKERD_LOG" 2>&1 </dev/null &
fi
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    say "engine up"
    exit 0
  fi
  if ! pgrep -x dockerd >/dev/null 2>&1; then break; fi
  sleep 1
done
say "dockerd did not come up; last log lines:"
tail -n 20 "$DOCKERD_LOG" 2>/dev/null | sed 's/^/  dockerd: /' || true
exit 3
