#!/usr/bin/env bash
# Lighthouse 12.2.3 (mobile preset: a mid-range phone on a throttled 4G link) against the
# parents' first page, served by the real service in demo mode, in Debian's Chromium.
# Prints the scores and the bytes transferred, and fails below the targets:
# performance ≥ 95, accessibility 100, best practices ≥ 95, first page ≤ 100 KB.
# Lighthouse is installed from scripts/lighthouse/package-lock.json (npm ci), not by the
# test command. Usage: bash scripts/bench-parent-pages.sh [runs, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
bash scripts/setup.sh >/dev/null
if [ ! -f scripts/lighthouse/node_modules/.package-lock.json ] || \
   [ scripts/lighthouse/package-lock.json -nt scripts/lighthouse/node_modules/.package-lock.json ]; then
  npm --prefix scripts/lighthouse ci --no-audit --no-fund --loglevel=error
fi
cargo build -q -p binddesk-service --locked
work=$(mktemp -d)
svc_pid=
cleanup() { [ -n "$svc_pid" ] && kill "$svc_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
mkfifo "$work/out"
target/debug/binddesk-service serve --demo --demo-applications 0 --listen 127.0.0.1:0 --db "$work/svc.sqlite" \
  >"$work/out" 2>/dev/null &
svc_pid=$!
exec 3<"$work/out"
read -r line <&3
listen=$(node -e 'console.log(JSON.parse(process.argv[1]).listen)' "$line")
url="http://$listen/"
echo "parents' first page: $url"
for i in $(seq 1 "$runs"); do
  CHROME_PATH=/usr/bin/chromium scripts/lighthouse/node_modules/.bin/lighthouse "$url" \
    --quiet --output=json --output-path="$work/run-$i.json" \
    --only-categories=performance,accessibility,best-practices \
    --chrome-flags="--headless=new --no-sandbox --disable-dev-shm-usage" >/dev/null
done
node - "$work" "$runs" <<'JS'
const fs = require("fs");
const [dir, runs] = process.argv.slice(2);
const rows = [];
for (let i = 1; i <= Number(runs); i++) {
  const r = JSON.parse(fs.readFileSync(`${dir}/run-${i}.json`, "utf8"));
  const c = r.categories, a = r.audits;
  rows.push({
    performance: Math.round(c.performance.score * 100),
    accessibility: Math.round(c.accessibility.score * 100),
    "best-practices": Math.round(c["best-practices"].score * 100),
    "FCP ms": Math.round(a["first-contentful-paint"].numericValue),
    "LCP ms": Math.round(a["largest-contentful-paint"].numericValue),
    "TBT ms": Math.round(a["total-blocking-time"].numericValue),
    CLS: a["cumulative-layout-shift"].numericValue,
    "KB transferred": +(a["total-byte-weight"].numericValue / 1024).toFixed(1),
  });
  const failed = Object.values(a).filter((x) => x.score !== null && x.score < 1 && ["accessibility", "best-practices"].some((k) => c[k].auditRefs.some((ref) => ref.id === x.id && ref.weight > 0)));
  for (const f of failed) console.log(`  run ${i}: ${f.id}: ${f.title}`);
}
console.table(rows);
const worst = (k) => Math.min(...rows.map((r) => r[k]));
const most = Math.max(...rows.map((r) => r["KB transferred"]));
const ok = worst("performance") >= 95 && worst("accessibility") === 100 && worst("best-practices") >= 95 && most <= 100;
console.log(ok ? "targets met" : "TARGETS MISSED (performance ≥ 95, accessibility 100, best practices ≥ 95, ≤ 100 KB)");
process.exit(ok ? 0 : 1);
JS
