#!/usr/bin/env bash
# Proves the production shape on the local Docker engine (issue 8): builds the image from the
# Dockerfile (scripts/build-image.sh), starts it with what docker-compose.yml +
# docker-compose.prod.yml give it, and checks from outside the container that it becomes healthy,
# reports the host (not itself), lists the stack's containers through the socket as a non-root
# user, and stops in under 2 s; prints the image size and the stop time. Also validates the
# merged compose files. The same tests run in CI as part of `bash scripts/test.sh`.
#
# Usage: scripts/container-check.sh   (NODE_IMAGE=node:24-alpine to build on the real base)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup-tests.sh
# shellcheck source=scripts/node-env.sh
source scripts/node-env.sh
exec npx vitest run test/container/ test/compose.test.ts
