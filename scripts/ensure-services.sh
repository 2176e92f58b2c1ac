#!/usr/bin/env bash
# Installs (Debian packages) and starts what the tests and the dev setup need, when it is missing:
# PostgreSQL on 127.0.0.1:5432 (user postgres, trust over TCP), nats-server (binary for the tests'
# private servers, plus the shared one on 127.0.0.1:4222 for dev), Chromium (browser tests), curl,
# a C compiler (the sensor's native addon), iproute2 and iptables (transparent-mode namespace tests).
# Idempotent and quick when everything is there; needs root on Debian 12 only when something is not.
# Prints what it did.
set -euo pipefail

say() { printf 'ensure-services: %s\n' "$*"; }
did_update=0
apt_install() {
  if [[ $(id -u) != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    say "missing $*: install it (apt-get install $*) — this script needs root on Debian to do it"
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  if ((did_update == 0)); then
    say "apt-get update"
    apt-get update -qq
    did_update=1
  fi
  say "installing $*"
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { # port seconds
  local i
  for ((i = 0; i < $2 * 4; i++)); do
    port_open "$1" && return 0
    sleep 0.25
  done
  return 1
}

# ---- curl, chromium, a C compiler (npm ci builds the sensor's original-destination addon) ---------
command -v curl >/dev/null 2>&1 || apt_install curl ca-certificates
{ command -v cc >/dev/null 2>&1 && [[ -e /usr/include/stdio.h ]]; } || apt_install gcc libc6-dev
[[ -x /usr/bin/chromium ]] || apt_install chromium
# ---- iproute2, iptables (the transparent-mode tests build network namespaces with REDIRECT rules)
command -v ip >/dev/null 2>&1 || apt_install iproute2
{ command -v iptables >/dev/null 2>&1 && command -v ip6tables >/dev/null 2>&1; } || apt_install iptables

# ---- PostgreSQL ----------------------------------------------------------------------------------
fresh_pg=0
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  apt_install postgresql postgresql-contrib
  fresh_pg=1
fi
# shellcheck disable=SC2012 # version directory names are plain numbers
pg_version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1 || true)
if [[ -z $pg_version ]]; then
  say "no PostgreSQL cluster found: creating one"
  # shellcheck disable=SC2012
  pg_version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  pg_createcluster "$pg_version" main >/dev/null
  fresh_pg=1
fi
if ((fresh_pg)); then
  # The tests connect as postgres over TCP without a password (a throwaway test server).
  hba=/etc/postgresql/$pg_version/main/pg_hba.conf
  say "configuring $hba: trust for local TCP connections"
  sed -i -E '/^host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s/d' "$hba"
  printf 'host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n' >>"$hba"
fi
if ! port_open 5432; then
  say "starting PostgreSQL $pg_version"
  pg_ctlcluster --skip-systemctl-redirect "$pg_version" main start
  wait_port 5432 30 || { say "PostgreSQL did not open 127.0.0.1:5432"; exit 1; }
elif ((fresh_pg)); then
  pg_ctlcluster --skip-systemctl-redirect "$pg_version" main reload
fi
if ! psql -h 127.0.0.1 -U postgres -w -d postgres -tAc 'select 1' >/dev/null 2>&1; then
  say "WARNING: cannot connect as postgres to 127.0.0.1:5432 without a password; the tests need trust"
  say "         auth for 127.0.0.1 in /etc/postgresql/$pg_version/main/pg_hba.conf"
fi

# ---- nats-server ---------------------------------------------------------------------------------
command -v nats-server >/dev/null 2>&1 || apt_install nats-server
if ! port_open 4222; then
  say "starting nats-server on 127.0.0.1:4222 (JetStream)"
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  wait_port 4222 15 || { say "nats-server did not open 127.0.0.1:4222"; exit 1; }
fi

say "ok: PostgreSQL $pg_version on 5432, $(nats-server --version 2>&1 | head -n 1) on 4222, chromium, curl"
