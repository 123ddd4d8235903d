#!/usr/bin/env bash
# The one command that runs the service on a fresh machine: Node 24 and dependencies when
# missing, then the server. Configuration comes from the environment (see README).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/install-deps.sh"
# shellcheck source=scripts/node-env.sh
source "$root/scripts/node-env.sh"
# The stored history's directory: the checkout's ./data wherever the script is started from.
export SYSTEM_PROFILER_DATA_DIR="${SYSTEM_PROFILER_DATA_DIR:-$root/data}"
exec node "$root/src/main.ts"
