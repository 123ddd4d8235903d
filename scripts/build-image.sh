#!/usr/bin/env bash
# Builds the system-profiler image from the project's Dockerfile on the local dockerd.
#
# Usage: scripts/build-image.sh [tag]   (default $SYSTEM_PROFILER_IMAGE, else system-profiler:latest)
#
# The Dockerfile's base is its only input from outside: NODE_IMAGE when set, else node:24-alpine
# when that image is already here, else a stand-in with Node 24 that scripts/make-base-image.sh
# makes with `docker import` (for machines that cannot reach a registry). Nothing else differs
# from `docker build .`. The build runs on the host's network, because npm ci needs the registry
# and a dockerd started with --bridge=none gives build steps no network of their own.
# Prints the image's tag on stdout; the build log goes to stderr.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TAG="${1:-${SYSTEM_PROFILER_IMAGE:-system-profiler:latest}}"
log() { echo "build-image: $*" >&2; }

docker info >/dev/null 2>&1 || {
  log "no Docker engine answers (bash scripts/ensure-docker.sh starts one)"
  exit 1
}

if [ -n "${NODE_IMAGE:-}" ]; then
  base="$NODE_IMAGE"
elif docker image inspect node:24-alpine >/dev/null 2>&1; then
  base="node:24-alpine"
else
  base="$(bash "$root/scripts/make-base-image.sh")"
fi

log "building $TAG from $root/Dockerfile with NODE_IMAGE=$base"
started=$(date +%s)
docker build --network host --build-arg "NODE_IMAGE=$base" --tag "$TAG" "$root" >&2
size=$(docker image inspect --format '{{.Size}}' "$TAG")
log "built $TAG in $(($(date +%s) - started)) s: $((size / 1000000)) MB ($size bytes)"
echo "$TAG"
