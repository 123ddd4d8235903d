#!/usr/bin/env bash
# Runs a command with Node >= 22.19 first on PATH (npm scripts go through here, since the
# machine's own node may be older).
set -euo pipefail
# shellcheck source=scripts/node-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/node-env.sh"
exec "$@"
