#!/usr/bin/env bash
# The one command that runs the service on a fresh machine: Node 24 and dependencies when
# missing, then the server. Configuration comes from the environment (see README).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/install-deps.sh"
# shellcheck source=scripts/node-env.sh
source "$root/scripts/node-env.sh"
exec node "$root/src/main.ts"
