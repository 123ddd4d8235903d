#!/usr/bin/env bash
# Makes sure a Docker engine answers on /var/run/docker.sock and that the busybox test image
# exists. Installs docker.io and busybox-static from Debian when missing, starts dockerd the way
# this kind of machine allows (no bridge, no iptables), and builds the image with `docker import`
# because no registry can be reached. Idempotent: a second run does nothing.
set -euo pipefail

BUSYBOX_IMAGE="${BUSYBOX_IMAGE:-system-profiler/busybox:latest}"
log() { echo "ensure-docker: $*" >&2; }

source "$(dirname "${BASH_SOURCE[0]}")/apt.sh"

if ! command -v dockerd >/dev/null 2>&1 || ! [ -x /bin/busybox ] || ! command -v docker >/dev/null 2>&1; then
  log "installing docker.io and busybox-static"
  apt_update
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq docker.io busybox-static >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  log "starting dockerd"
  as_root bash -c 'nohup dockerd --bridge=none --iptables=false >/tmp/system-profiler-dockerd.log 2>&1 &'
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 0.5
  done
  docker info >/dev/null 2>&1 || { log "dockerd did not start; see /tmp/system-profiler-dockerd.log"; exit 1; }
fi

if ! docker image inspect "$BUSYBOX_IMAGE" >/dev/null 2>&1; then
  log "building $BUSYBOX_IMAGE from busybox-static"
  rootfs="$(mktemp -d)"
  trap 'rm -rf "$rootfs"' EXIT
  mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp" "$rootfs/www" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev"
  cp /bin/busybox "$rootfs/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -s busybox "$rootfs/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
  echo ok >"$rootfs/www/index.html"
  chmod 1777 "$rootfs/tmp"
  tar -C "$rootfs" -c . | docker import -c 'ENV PATH=/bin' -c 'CMD ["/bin/sh"]' - "$BUSYBOX_IMAGE" >/dev/null
fi
log "docker ready ($(docker version --format '{{.Server.Version}} API {{.Server.APIVersion}}'), image $BUSYBOX_IMAGE)"
