#!/usr/bin/env bash
# The main job: set up and build everything, start the binding service with demo data
# on a free localhost port, and open the desktop app connected to it.
#   BINDDESK_SKIP_BUILD=1  use what is built already (the end-to-end test sets it)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${BINDDESK_SKIP_BUILD:-}" ]; then
  bash scripts/setup.sh
  cargo build --workspace --bins
fi

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "No display to open a window on. On a headless machine: xvfb-run -a bash scripts/run.sh" >&2
  exit 1
fi

# The service prints one JSON line first: where it listens and the demo logins.
mkdir -p target
startup=$(mktemp)
target/debug/binddesk-service serve --demo --listen 127.0.0.1:0 >"$startup" 2>target/binddesk-service.log &
service_pid=$!
trap 'kill "$service_pid" 2>/dev/null || true; rm -f "$startup"' EXIT
# About 1.5 s on an idle machine; allow a minute on a busy one.
for _ in $(seq 1 1200); do
  [ -s "$startup" ] && break
  kill -0 "$service_pid" 2>/dev/null || { echo "the service did not start; see target/binddesk-service.log" >&2; exit 1; }
  sleep 0.05
done
[ -s "$startup" ] || { echo "the service did not start within a minute; see target/binddesk-service.log" >&2; exit 1; }
line=$(head -n 1 "$startup")
listen=$(node -p 'JSON.parse(process.argv[1]).listen' "$line")
echo "Binding service (demo) at http://$listen — its log: target/binddesk-service.log"
echo "Parents' pages (apply as a parent; codes appear in the demo outbox, http://$listen/api/v1/dev/outbox): http://$listen/"
echo "Demo logins:"
node -e 'for (const a of JSON.parse(process.argv[1]).accounts)
  console.log(`  ${a.username.padEnd(16)} ${a.password}  ${a.role === "admin" ? "admin of " + a.school : a.classes.join(", ")}`)' "$line"

BINDDESK_SERVICE_URL="http://$listen" target/debug/binddesk
