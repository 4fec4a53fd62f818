#!/usr/bin/env bash
# The review engine's benchmark (issue 4): release builds of the service and the engine,
# real encrypted cache files, the service on loopback.
#   bash scripts/bench-review.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p binddesk-service --bins
cargo build --release -p binddesk-review --example review-bench
exec target/release/examples/review-bench
