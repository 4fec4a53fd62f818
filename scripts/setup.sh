#!/usr/bin/env bash
# Installs everything BindDesk needs on a Debian/Ubuntu machine, then builds the front end.
# Safe to run again: it only installs what is missing. Called by run.sh and test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages: building and running the Tauri app, headless end-to-end tests
# (WebKitWebDriver for the app, Chromium and its driver for the parents' pages, a
# private D-Bus bus for the one-instance test, a window manager to maximize a window),
# reading PDFs back, the CJK fonts of the printed forms (TW-Kai/TW-Sung carry the
# CNS 11643 full character set, rare name characters included), the load generator, and
# PostgreSQL for the service tests on its second store, the Windows build (scripts/windows.sh): the mingw-w64 cross-compiler, Wine to run the
# Windows programs, wixl and msiinfo for the installer.
DEB_PACKAGES=(
  build-essential pkg-config libssl-dev libdbus-1-dev
  libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev
  xvfb xauth x11-utils xdotool imagemagick webkit2gtk-driver
  chromium chromium-driver dbus openbox
  poppler-utils
  fonts-cns11643-kai fonts-cns11643-sung fonts-arphic-ukai fonts-noto-cjk
  wrk postgresql systemd openssl
  gcc-mingw-w64-x86-64 wine wine64 wixl msitools
)

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v node >/dev/null 2>&1 || missing+=(nodejs npm)
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ]; then
    SUDO=()
  elif command -v sudo >/dev/null 2>&1 && { sudo -n true 2>/dev/null || [ -t 0 ]; }; then
    SUDO=(sudo)
  else
    echo "These system packages are missing; install them and run this again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  say "installing ${missing[*]}"
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "No Rust toolchain (cargo) on PATH. Install Rust 1.89 or newer (https://rustup.rs) and run this again." >&2
  exit 1
fi

# The Windows target's standard library, for scripts/windows.sh (rustup's, when Rust came
# from rustup; otherwise windows.sh says what is missing).
if command -v rustup >/dev/null 2>&1 && ! rustup target list --installed | grep -qx x86_64-pc-windows-gnu; then
  say "rustup target add x86_64-pc-windows-gnu"
  rustup target add x86_64-pc-windows-gnu
fi

# Vite 8 needs Node.js 20.19 or newer.
node_version=$(node -p 'process.versions.node')
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
  echo "Node.js $node_version is too old: the front end needs 20.19 or newer (e.g. from the nodejs package of a newer Debian, or nvm)." >&2
  exit 1
fi

# npm packages exactly as locked (`npm ci`), skipped when node_modules matches the lock.
# The lock holds the Tauri CLI's optional build for every platform (a Windows machine
# needs its own to bundle), as a fresh machine's npm writes it; `npm ci` never rewrites
# it, and fails when it is out of date with ui/package.json.
# BINDDESK_NPM_FRESH=1 (the test command sets it) installs from an empty npm cache, to
# prove that a fresh machine gets the same packages.
if [ "${BINDDESK_NPM_FRESH:-}" = 1 ]; then
  fresh_cache=$(mktemp -d)
  trap 'rm -rf "$fresh_cache"' EXIT
  say "npm ci (ui/, as locked, from an empty npm cache)"
  npm_config_cache="$fresh_cache" npm --prefix ui ci --no-audit --no-fund --loglevel=error
elif [ ! -f ui/node_modules/.package-lock.json ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  say "npm ci (ui/, as locked)"
  npm --prefix ui ci --no-audit --no-fund --loglevel=error
fi

# tauri-driver, for the WebDriver end-to-end tests: built from crates.io into .tools/.
if [ ! -x .tools/bin/tauri-driver ]; then
  say "cargo install tauri-driver (about 30 s)"
  cargo install tauri-driver --version 2.1.0 --locked --root .tools --quiet
fi

# The front ends: the desktop app's (ui/dist, embedded by Tauri) and the parents' pages
# (ui/dist-parent, embedded in binddesk-service by its build script).
say "building the front end"
npm --prefix ui run --silent build
