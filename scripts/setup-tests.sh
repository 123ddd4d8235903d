#!/usr/bin/env bash
# Everything the tests need on a fresh machine: Node 24 and the locked dependencies, the Debian
# tools the tests run for real, and a Docker engine with the busybox test image.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/install-deps.sh"
bash "$root/scripts/ensure-test-tools.sh"
bash "$root/scripts/ensure-docker.sh"
