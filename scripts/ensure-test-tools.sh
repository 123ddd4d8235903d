#!/usr/bin/env bash
# Debian packages that tests and benchmarks run for real: PostgreSQL (the postgres probe),
# promtool (checks /metrics), docker-compose (validates the compose files), wrk and
# prometheus-node-exporter (benchmarks), openssl (a self-signed certificate for the https probe),
# mount, util-linux and e2fsprogs (the history store's disk tests and benchmark).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/apt.sh"
missing=()
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
[ -x /usr/bin/prometheus-node-exporter ] || missing+=(prometheus-node-exporter)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
# The history store's disk-fault tests mount small tmpfs file systems; its benchmark formats an
# ext4 image on a loop device and finds it with findmnt.
command -v mount >/dev/null 2>&1 || missing+=(mount)
command -v findmnt >/dev/null 2>&1 || missing+=(util-linux)
command -v mkfs.ext4 >/dev/null 2>&1 || missing+=(e2fsprogs)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "ensure-test-tools: installing ${missing[*]}" >&2
  apt_update
  # policy-rc.d keeps Debian from starting the packaged services: tests start their own.
  DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
