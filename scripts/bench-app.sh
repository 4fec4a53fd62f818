#!/usr/bin/env bash
# The desktop app's benchmark (issue 6): 20,000 applications cached, launch to an
# interactive list, filter/search redraws, and PSS memory against an empty window.
# The app is the debug build (as the tests build it; the issue's baseline is a debug
# build too); the service and the harness are release builds.
#   bash scripts/bench-app.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v xvfb-run >/dev/null || bash scripts/setup.sh
npm --prefix ui run build >/dev/null
cargo build -p binddesk
cargo build --release -p binddesk-service --bins
cargo build --release -p binddesk-review --example app-bench
exec xvfb-run -a -s "-screen 0 1400x900x24" target/release/examples/app-bench "$PWD/target/debug/binddesk"
