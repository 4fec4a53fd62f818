#!/usr/bin/env bash
# The binding service's benchmark (issue 3): release build, a store of 100,000
# applications, measured in process and over loopback HTTP, with wrk for throughput.
#   bash scripts/bench-service.sh [APPLICATIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || bash scripts/setup.sh
cargo build --release -p binddesk-service --bins --examples
exec target/release/examples/service-bench "${1:-100000}"
