#!/usr/bin/env bash
# The binding service's benchmarks, release build:
#   bash scripts/bench-service.sh [APPLICATIONS]             SQLite (default 100,000), then
#                                                            PostgreSQL with 1,000,000
#   bash scripts/bench-service.sh --postgres [APPLICATIONS]  PostgreSQL only (default 1,000,000)
# SQLite: one process, in process and over loopback HTTP (issue 3). PostgreSQL (issue 13):
# filled with COPY, two instances over loopback HTTP, and the change feed's requests per
# second next to an axum hello-world's in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
{ command -v wrk && command -v psql; } >/dev/null || bash scripts/setup.sh
cargo build --release -p binddesk-service --bins --examples
# PostgreSQL as the tests start it, but with its durable defaults (fsync on).
export BINDDESK_PG_DURABLE=1
if [ "${1:-}" = --postgres ]; then
  exec target/release/examples/pg-bench "${2:-1000000}"
fi
target/release/examples/service-bench "${1:-100000}"
echo
exec target/release/examples/pg-bench 1000000
