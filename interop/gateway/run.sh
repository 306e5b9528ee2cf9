#!/usr/bin/env bash
# Gateway client vs real OpenClaw gateways (called by interop/run.sh, which installs Node and the
# OpenClaw releases and exports INTEROP_NODE_BIN / INTEROP_OPENCLAW_<version>).
#
# Extra arguments go to check_gateways.py, e.g. `--sessions 0` to skip the 10,000-session
# listing or `--skip-netns` to skip the pairing check (it needs root for `ip netns`).
# GATEWAY_INTEROP_JSON=path also writes the results and figures as JSON.
# Then check_tui_e2e.py: the real openclaw-tui in tmux on a 2026.7.35 and a 2026.9.6 gateway at
# once (both rows on screen, an edit lands in one gateway only, patch-to-screen time).
# Then check_turns.py: real agent turns on each release against interop/fake_model.py (run state,
# transcript, stop_run closing the model stream, the app in tmux), in a loopback-only netns.
# Then check_bulk.py: update_entries / delete_entries on each release (sessions.patchMany on
# 2026.9.6, 8 in flight on 2026.7.35), with the gateways' own refusals per session.
# Then check_usage.py: usage.cost / sessions.usage after real turns, read by our usage_report.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$(dirname "$HERE")")"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
args=("$@")
if [ -n "${GATEWAY_INTEROP_JSON:-}" ]; then args+=(--json "$GATEWAY_INTEROP_JSON"); fi
status=0
"$PYTHON" "$HERE/check_gateways.py" "${args[@]}" || status=1
"$PYTHON" "$HERE/check_tui_e2e.py" || status=1
"$PYTHON" "$HERE/check_turns.py" || status=1
"$PYTHON" "$HERE/check_bulk.py" || status=1
"$PYTHON" "$HERE/check_usage.py" || status=1
exit "$status"
