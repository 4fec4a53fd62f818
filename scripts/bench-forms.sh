#!/usr/bin/env bash
# The forms benchmark (issue 5): release build; one form, 1,000 forms, and the same pages
# through headless Chromium's print-to-PDF for comparison.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq --no-install-recommends chromium >/dev/null
  else echo "Chromium is needed for the comparison: sudo apt-get install chromium" >&2; exit 1; fi
fi
cargo build --release -p binddesk-forms --examples
exec target/release/examples/forms-bench
