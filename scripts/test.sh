#!/usr/bin/env bash
# The one command that runs every check on a fresh machine: it installs what the tests need
# (Node 24, dependencies, a Docker engine with the busybox test image, PostgreSQL, Prometheus's
# promtool), then runs typecheck, lint and the test suite.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup-tests.sh
# shellcheck source=scripts/node-env.sh
source scripts/node-env.sh
npm run --silent typecheck
npm run --silent lint
npx vitest run "$@"
