#!/usr/bin/env bash
# Every test and check of the project; CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "setup (npm packages from an empty cache)"
BINDDESK_NPM_FRESH=1 bash scripts/setup.sh

step "cargo fmt --check"
cargo fmt --all --check

step "front end: svelte-check (types) and vitest"
npm --prefix ui run --silent check
npm --prefix ui test --silent -- --reporter=default --reporter=json --outputFile.json=../target/vitest.json
ui_passed=$(node -p 'require("./target/vitest.json").numPassedTests')
ui_failed=$(node -p 'require("./target/vitest.json").numFailedTests')

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "bundle: the Tauri CLI builds a .deb with the config at the root"
rm -rf target/debug/bundle/deb
ui/node_modules/.bin/tauri build --debug --bundles deb --ci
deb=$(ls target/debug/bundle/deb/*.deb)
contents=$(dpkg-deb -c "$deb")
grep -q ' usr/bin/binddesk$' <<<"$contents" || { echo "the .deb holds no usr/bin/binddesk" >&2; exit 1; }
echo "bundle ok: $deb"

step "cargo doc (domain: every public item documented, no broken links)"
RUSTDOCFLAGS="-D warnings" cargo doc -p binddesk-domain --no-deps --locked --quiet

step "cargo test (unit, property, cross-crate and end-to-end tests)"
cargo test --workspace --locked 2>&1 | tee target/cargo-test.log
rs_passed=$(grep -Eo '^test result: .* ([0-9]+) passed' target/cargo-test.log | grep -Eo '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
rs_failed=$(grep -Eo '[0-9]+ failed' target/cargo-test.log | awk '{s+=$1} END {print s+0}')

# One closing line for the whole run: Rust tests plus front-end tests.
echo
echo "total: $((rs_passed + ui_passed)) passed, $((rs_failed + ui_failed)) failed"
