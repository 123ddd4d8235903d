#!/usr/bin/env bash
# Makes a Node 24 base image with `docker import`, for machines that cannot pull node:24-alpine
# (no registry reachable). It is only a stand-in for the Dockerfile's NODE_IMAGE build arg: the
# Dockerfile needs nothing from it that node:24-alpine lacks (node, npm, /bin/sh with rm, a
# root user), and it adds the `node` user (uid/gid 1000) that node:24-alpine has too.
#
# The root filesystem holds:
#   - node, from the npm package node-linux-<arch>@24 (it ships only the binary, linked against
#     glibc), and the glibc libraries that `ldd` says it needs, copied from this (Debian) host;
#   - npm, from the npm package npm@11, with /usr/local/bin/npm and npx as small sh wrappers;
#   - /bin/sh and the usual applets from busybox-static;
#   - /etc/passwd and /etc/group with root and node, CA certificates, /tmp.
#
# Usage: scripts/make-base-image.sh [image]   (default system-profiler/node-base:24)
# The image is cached: nothing is done when it exists, unless FORCE=1.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IMAGE="${1:-${BASE_IMAGE:-system-profiler/node-base:24}}"
log() { echo "make-base-image: $*" >&2; }

if [ "${FORCE:-0}" != 1 ] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
  log "$IMAGE exists (FORCE=1 rebuilds it)"
  echo "$IMAGE"
  exit 0
fi

case "$(uname -m)" in
  x86_64) node_arch=x64 ;;
  aarch64 | arm64) node_arch=arm64 ;;
  armv7l) node_arch=armv7l ;;
  *)
    log "no node-linux package for $(uname -m)"
    exit 1
    ;;
esac

# The host's npm installs the two packages (any Node >= 22.19 runs npm here).
# shellcheck source=scripts/node-env.sh
source "$root/scripts/node-env.sh"
for tool in ldd tar /bin/busybox; do
  command -v "$tool" >/dev/null 2>&1 || {
    log "$tool is missing (bash scripts/ensure-docker.sh installs busybox-static)"
    exit 1
  }
done

cache="$root/.tools/base-image"
mkdir -p "$cache"
# Its own package.json, or npm would climb to the repo's and install there.
[ -f "$cache/package.json" ] || echo '{"private":true}' >"$cache/package.json"
if [ ! -x "$cache/node_modules/node-linux-$node_arch/bin/node" ] || [ ! -f "$cache/node_modules/npm/bin/npm-cli.js" ]; then
  log "installing node-linux-$node_arch@24 and npm@11 into $cache"
  (cd "$cache" && npm install --silent --no-save --no-package-lock --no-audit --no-fund \
    "node-linux-$node_arch@24" npm@11 >&2)
fi
node_bin="$cache/node_modules/node-linux-$node_arch/bin/node"
node_version="$("$node_bin" --version)"
case "$node_version" in
  v24.*) ;;
  *)
    log "expected Node 24, got $node_version"
    exit 1
    ;;
esac

rootfs="$(mktemp -d)"
trap 'rm -rf "$rootfs"' EXIT
mkdir -p "$rootfs"/{bin,etc/ssl/certs,usr/local/bin,usr/local/lib/node_modules,tmp,root,home/node,proc,sys,dev}
chmod 1777 "$rootfs/tmp"
chmod 700 "$rootfs/root"

cp "$node_bin" "$rootfs/usr/local/bin/node"
# Every library the dynamic linker resolves for node, at the same path as here (the interpreter
# path is baked into the binary), with symlinks resolved to the real file.
while read -r lib; do
  mkdir -p "$rootfs$(dirname "$lib")"
  cp -L "$lib" "$rootfs$lib"
done < <(ldd "$node_bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\/.*ld-linux/ { print $1 }')
# The rest of glibc's runtime beside libc.so.6 (librt, libdl, libpthread, ...), as any glibc base
# image has it: native addons that a build step loads (the bundler's binding) link against them.
libc_dir="$(dirname "$(ldd "$node_bin" | awk '$1 == "libc.so.6" { print $3 }')")"
for lib in libc.so.6 libm.so.6 libdl.so.2 libpthread.so.0 librt.so.1 libresolv.so.2 libutil.so.1 libgcc_s.so.1; do
  if [ -e "$libc_dir/$lib" ] && [ ! -e "$rootfs$libc_dir/$lib" ]; then
    mkdir -p "$rootfs$libc_dir"
    cp -L "$libc_dir/$lib" "$rootfs$libc_dir/$lib"
  fi
done
cp -a "$cache/node_modules/npm" "$rootfs/usr/local/lib/node_modules/npm"
printf '#!/bin/sh\nexec node /usr/local/lib/node_modules/npm/bin/npm-cli.js "$@"\n' >"$rootfs/usr/local/bin/npm"
printf '#!/bin/sh\nexec node /usr/local/lib/node_modules/npm/bin/npx-cli.js "$@"\n' >"$rootfs/usr/local/bin/npx"
chmod 755 "$rootfs/usr/local/bin/npm" "$rootfs/usr/local/bin/npx"

cp /bin/busybox "$rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do
  [ "$applet" = busybox ] || ln -s busybox "$rootfs/bin/$applet"
done

cat >"$rootfs/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
node:x:1000:1000:node:/home/node:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$rootfs/etc/group" <<'EOF'
root:x:0:
node:x:1000:
nogroup:x:65534:
EOF
chown 1000:1000 "$rootfs/home/node"
# The host's CA bundle, trusted by node on top of its own (NODE_EXTRA_CA_CERTS below): npm ci in
# the Dockerfile reaches the registry through whatever this host trusts (a TLS-inspecting proxy
# here). This trust belongs to the stand-in base image, so the Dockerfile needs nothing of it.
ca_env=()
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/"
  ca_env=(-c 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt')
fi

tar -C "$rootfs" --numeric-owner -c . | docker import \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c "ENV NODE_VERSION=${node_version#v}" \
  "${ca_env[@]}" \
  -c 'CMD ["node"]' \
  -m "Node $node_version (node-linux-$node_arch) and npm on glibc from $(. /etc/os-release && echo "$PRETTY_NAME")" \
  - "$IMAGE" >/dev/null
log "built $IMAGE: node $node_version, npm $(node "$cache/node_modules/npm/bin/npm-cli.js" --version 2>/dev/null)"
echo "$IMAGE"
