#!/usr/bin/env bash
# Bundles the service for production (what the Docker image runs): src/main.ts and
# src/healthcheck.ts, with effect and @effect/platform-node inlined, into dist/ as plain
# ESM JavaScript that needs no node_modules at run time, and the /docs page's script beside them. Why: running the .ts sources makes
# Node strip types at start and load the whole effect library through its barrel; the bundle
# holds only the modules the service reaches, which halves the RSS (bench/README.md). Node
# builtins are required rather than imported (see scripts/build.ts for why).
#
# Usage: scripts/build.sh [outdir]   (default dist/; needs the dev dependencies: npm ci)
# dist/ must sit one directory below package.json: src/version.ts reads ../package.json
# relative to the module, which in the bundle is dist/main.js.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
node scripts/build.ts "$@"
echo "build: $(du -sh "${1:-$root/dist}" | cut -f1) in ${1:-$root/dist}" >&2
