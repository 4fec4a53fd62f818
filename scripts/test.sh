#!/usr/bin/env bash
# Every test and check of the project; CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "setup"
bash scripts/setup.sh

step "cargo fmt --check"
cargo fmt --all --check

step "front end: svelte-check (types) and vitest"
npm --prefix ui run --silent check
npm --prefix ui test --silent

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "bundle: the Tauri CLI builds a .deb with the config at the root"
rm -rf target/debug/bundle/deb
ui/node_modules/.bin/tauri build --debug --bundles deb --ci
deb=$(ls target/debug/bundle/deb/*.deb)
dpkg-deb -c "$deb" | grep -q ' \./usr/bin/binddesk$' || { echo "the .deb holds no usr/bin/binddesk" >&2; exit 1; }
echo "bundle ok: $deb"

step "cargo test (unit, property, cross-crate and end-to-end tests)"
cargo test --workspace --locked
