#!/usr/bin/env bash
# BindDesk for Windows, built and tested on this Linux machine:
#   1. cross-builds the workspace for x86_64-pc-windows-gnu (mingw-w64);
#   2. runs, as Windows programs under Wine, the tests that need no
#      window: binddesk-domain, binddesk-forms (PDFs read back by the Linux side's
#      poppler), binddesk-service (its API tests against the Windows service) and
#      binddesk-review (the engine against the Windows service);
#   3. builds the installer (binddesk.msi, with wixl) and installs, checks and uninstalls
#      it under Wine.
# It leaves binddesk.exe, binddesk-service.exe, WebView2Loader.dll and binddesk.msi in
# target/windows/. What cannot be tested here: the app's window (it needs Microsoft's
# WebView2 runtime, which Wine lacks) and printing to a real Windows printer.
#
# Usage: bash scripts/windows.sh
# The installer carries the binddesk.exe these tests were built with (the dev profile,
# opt-level 1, debug information stripped): what is shipped is what was tested.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
target=x86_64-pc-windows-gnu
out=$root/target/windows
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
die() { echo "windows.sh: $*" >&2; exit 1; }

for tool in x86_64-w64-mingw32-gcc x86_64-w64-mingw32-strip wine wineboot wineserver winepath wixl msiinfo msibuild iconv node pdftotext Xvfb xdotool import; do
  command -v "$tool" >/dev/null || die "$tool is missing: run scripts/setup.sh (it installs the Windows build's packages)"
done
if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
  rustup target add "$target"
fi
mkdir -p "$out"
started=$SECONDS

step "cross-build for Windows ($target)"
# One build of the whole workspace's tests: it also builds binddesk.exe and
# binddesk-service.exe (the integration tests' programs), with one feature resolution,
# so nothing is compiled twice. The app's end-to-end tests are Linux-only and compile to
# empty programs here.
# (the JSON to build.json, the compiler's words to the terminal and build.log)
{ cargo test --no-run --workspace --locked --target "$target" --message-format=json-render-diagnostics \
  2>&1 1>&3 | tee "$out/build.log" >&2; } 3>"$out/build.json"
# The Windows-only code is held to the same rule as the rest: no warnings (dependencies'
# lints are capped by cargo, so any warning here is ours).
if grep -q '^warning' "$out/build.log"; then
  die "the Windows build has warnings (see above); the project builds with -D warnings"
fi
bin=$root/target/$target/debug
# The test programs of the crates run here: package, its folder, the .exe.
node -e '
  const want = new Set(["binddesk-domain", "binddesk-forms", "binddesk-service", "binddesk-review"]);
  for (const line of require("fs").readFileSync(process.argv[1], "utf8").split("\n")) {
    if (!line.startsWith("{")) continue;
    const m = JSON.parse(line);
    if (m.reason !== "compiler-artifact" || !m.profile.test || !m.executable) continue;
    const pkg = m.package_id.split("#")[1].split("@")[0];
    if (want.has(pkg)) console.log([pkg, require("path").dirname(m.manifest_path), m.executable].join("\t"));
  }' "$out/build.json" | sort >"$out/test-programs.tsv"
echo "cross-build: $((SECONDS - started)) s; $(wc -l <"$out/test-programs.tsv") test programs to run"

step "a Wine prefix like a school PC: fonts, and the ProcessPrng stand-in"
export WINEDEBUG=-all DISPLAY=
# No Mono or Gecko install prompts: nothing here needs them.
export WINEDLLOVERRIDES="mscoree,mshtml="
# Uses (and, the first time, makes) the Wine prefix $1; sets drive_c and local_appdata.
use_prefix() {
  export WINEPREFIX=$1
  # One server for the prefix (each wine start then takes ~0.1 s); it fails harmlessly
  # when one is already running.
  wineserver -p 2>/dev/null || true
  if [ ! -f "$WINEPREFIX/system.reg" ]; then
    wineboot -i >/dev/null 2>&1 || true
  fi
  drive_c=$WINEPREFIX/drive_c
  local_appdata=$(winepath -u "$(wine cmd /c 'echo %LOCALAPPDATA%' | tr -d '\r')")
  local_appdata=${local_appdata%/}
}
trap 'wineserver -k >/dev/null 2>&1 || true; [ -n "${bridge_pid:-}" ] && kill "$bridge_pid" 2>/dev/null || true' EXIT
use_prefix "$out/wineprefix"
# Wine 8 lacks ProcessPrng (bcryptprimitives.dll), which every Rust .exe imports: a
# stand-in forwarding to BCryptGenRandom, for this test prefix only (never shipped).
x86_64-w64-mingw32-gcc -O2 -shared -o "$drive_c/windows/system32/bcryptprimitives.dll" \
  scripts/windows/processprng.c scripts/windows/processprng.def -lbcrypt
# Fonts as on a real PC: Debian's TrueType kai/sung faces stand in for 標楷體 in
# C:\windows\Fonts; the Extension B and Plus faces go to the user's own font folder
# (%LOCALAPPDATA%\Microsoft\Windows\Fonts), so the per-user lookup is exercised too.
user_fonts=$local_appdata/Microsoft/Windows/Fonts
mkdir -p "$drive_c/windows/Fonts" "$user_fonts"
for f in /usr/share/fonts/truetype/arphic/ukai.ttc /usr/share/fonts/truetype/cns11643/TW-{Kai,Sung}-98_1.ttf; do
  cp -u "$f" "$drive_c/windows/Fonts/"
done
cp -u /usr/share/fonts/truetype/cns11643/TW-{Kai,Sung}-{Ext-B,Plus}-98_1.ttf "$user_fonts/"
wine cmd /c ver | tr -d '\r'

step "tests as Windows programs under Wine"
# poppler cannot be started from inside Wine: the tests hand their requests to this loop
# (crates/testkit/src/poppler.rs), which reads the PDFs back with the Linux programs.
bridge=$out/poppler-bridge
rm -rf "$bridge" && mkdir -p "$bridge"
export BINDDESK_POPPLER_BRIDGE=$bridge
unix_path() { # C:/x -> the prefix's drive; /x stays as it is
  if [[ $1 =~ ^([A-Za-z]):/(.*)$ ]]; then
    printf '%s/dosdevices/%s:/%s' "$WINEPREFIX" "${BASH_REMATCH[1],,}" "${BASH_REMATCH[2]}"
  else
    printf '%s' "$1"
  fi
}
poppler_bridge() {
  shopt -s nullglob
  while :; do
    for req in "$bridge"/*.req; do
      local id=${req%.req} argv=() args=()
      mapfile -d '' -t argv <"$req"
      case ${argv[0]:-} in
        pdftotext | pdfinfo | pdffonts | pdfimages | pdftoppm)
          for a in "${argv[@]:1}"; do args+=("$(unix_path "$a")"); done
          set +e
          "${argv[0]}" "${args[@]}" >"$id.out" 2>"$id.err"
          echo $? >"$id.status"
          set -e
          ;;
        *) echo "not a poppler program: ${argv[0]:-}" >"$id.err" && echo 1 >"$id.status" ;;
      esac
      rm -f "$req"
      touch "$id.done"
    done
    sleep 0.02
  done
}
poppler_bridge &
bridge_pid=$!

# Each test program runs as cargo would run it (from its package's folder), under Wine.
declare -A passed=() seconds=()
while IFS=$'\t' read -r pkg dir exe; do
  log=$out/test-$(basename "$exe" .exe).log
  t0=$SECONDS
  if ! (cd "$dir" && wine "$exe") >"$log" 2>&1; then
    cat "$log"
    die "$pkg: $(basename "$exe") failed under Wine (log: $log)"
  fi
  grep -E '^test result' "$log" | sed "s|^|$pkg $(basename "$exe" .exe): |"
  n=$(grep -Eo '^test result: ok\. [0-9]+ passed' "$log" | awk '{s+=$4} END {print s+0}')
  passed[$pkg]=$((${passed[$pkg]:-0} + n))
  seconds[$pkg]=$((${seconds[$pkg]:-0} + SECONDS - t0))
done <"$out/test-programs.tsv"
summary=()
for pkg in binddesk-domain binddesk-forms binddesk-service binddesk-review; do
  summary+=("$pkg: ${passed[$pkg]:-0} passed as Windows programs under Wine (${seconds[$pkg]:-0} s)")
done

step "the installer (wixl) and its contents"
# webview2-com-sys's build puts the loader DLL beside the .exe.
loader=$bin/WebView2Loader.dll
[ -f "$loader" ] || die "no WebView2Loader.dll beside $bin/binddesk.exe (webview2-com-sys's build)"
cp "$bin/binddesk.exe" "$bin/binddesk-service.exe" "$loader" "$out/"
stage=$out/msi-stage
rm -rf "$stage" && mkdir -p "$stage"
cp "$loader" icons/icon.ico "$stage/"
# The installed program carries no debug information (a debug build's is most of its size).
x86_64-w64-mingw32-strip -o "$stage/binddesk.exe" "$bin/binddesk.exe"
node scripts/windows/wxs.mjs "$stage"
(cd "$stage" && wixl -a x64 -o "$out/binddesk.msi" binddesk.wxs)
# The Chinese strings in code page 950, and same-version upgrades (see
# scripts/windows/wxs.mjs for why these come after wixl).
msibuild "$out/binddesk.msi" -i "$stage/codepage.idt"
while IFS= read -r statement; do
  msibuild "$out/binddesk.msi" -q "$statement"
done <"$stage/after-wixl.sql"
name=$(msiinfo export "$out/binddesk.msi" Property | grep -a '^ProductName' | cut -f2 | tr -d '\r')
[ "$name" = "綁定審核台 BindDesk" ] || die "the installer's product name is '$name'"
echo "files in binddesk.msi:"
msiinfo export "$out/binddesk.msi" File | tail -n +4 | awk -F'\t' '{printf "  %-22s %10s bytes\n", $3, $4}'
ls -l "$out/binddesk.msi"

step "install, check and uninstall under Wine (msiexec /qn)"
# A PC it was never installed on: a fresh prefix, with a private X display (the app's
# message box needs one; Wine picks its display driver when its server starts).
wineserver -k >/dev/null 2>&1 || true
Xvfb -displayfd 4 -screen 0 1024x600x24 4>"$out/xvfb.display" >/dev/null 2>&1 &
xvfb_pid=$!
for _ in $(seq 50); do [ -s "$out/xvfb.display" ] && break; sleep 0.1; done
[ -s "$out/xvfb.display" ] || die "Xvfb did not start"
export DISPLAY=:$(cat "$out/xvfb.display")
trap 'wineserver -k >/dev/null 2>&1 || true; kill "$xvfb_pid" "${bridge_pid:-}" 2>/dev/null || true' EXIT
rm -rf "$out/wineprefix-install"
use_prefix "$out/wineprefix-install"
cp "$out/wineprefix/drive_c/windows/system32/bcryptprimitives.dll" "$drive_c/windows/system32/"
program_dir="$drive_c/Program Files/BindDesk"
user_data=$local_appdata/tw.binddesk.desktop
wine msiexec /i "$(winepath -w "$out/binddesk.msi")" /qn
cmp "$program_dir/binddesk.exe" "$stage/binddesk.exe" || die "binddesk.exe was not installed"
[ -f "$program_dir/WebView2Loader.dll" ] || die "WebView2Loader.dll was not installed"
# The Start-menu shortcut (Wine puts a per-machine one in the user's Start menu).
shortcut=$(find "$drive_c/ProgramData" "$drive_c/users" -path '*Start Menu/Programs/*' -name '綁定審核台 BindDesk.lnk' | head -1)
[ -n "$shortcut" ] || die "no Start-menu shortcut 綁定審核台 BindDesk"
wine reg export 'HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall' "$(winepath -w "$out/uninstall.reg")" /y
display_name=$(iconv -f utf-16 -t utf-8 "$out/uninstall.reg" | tr -d '\r' | grep -a '"DisplayName"="綁定' | cut -d'"' -f4)
[ "$display_name" = "綁定審核台 BindDesk" ] || die "Apps & features would not show 綁定審核台 BindDesk"
echo "installed: ${program_dir#"$drive_c"/}; shortcut: ${shortcut##*/}; in Apps & features as $display_name"
wine reg query 'HKLM\Software\BindDesk' /v installed | grep -q 0x1 || die "no per-machine registry value"
# The installed app on a PC without WebView2 (Wine has none): a message box says what IT
# installs, instead of no window at all. Read back by its title, saved as
# target/windows/no-webview2.png, closed with Enter.
rm -f "$out/no-webview2.png"
BINDDESK_DATA_DIR=$(winepath -w "$out/app-data") timeout 120 wine "$(winepath -w "$program_dir/binddesk.exe")" \
  >"$out/no-webview2.log" 2>&1 &
app=$!
box=$(timeout 60 xdotool search --sync --name '^綁定審核台 BindDesk$' | head -1) || true
if [ -n "$box" ]; then
  sleep 1
  import -window root "$out/no-webview2.png"
  xdotool key --window "$box" Return
fi
wait "$app" && rc=0 || rc=$?
grep -q 'WebView2 Runtime is missing' "$out/no-webview2.log" && [ "$rc" = 1 ] ||
  { cat "$out/no-webview2.log"; die "binddesk.exe without WebView2 did not say so and stop (exit $rc)"; }
[ -s "$out/no-webview2.png" ] || die "no message box appeared"
echo "binddesk.exe without WebView2: a message box, then exit 1 (target/windows/no-webview2.png)"
# A rebuilt .msi of the same version (a new product code) replaces the installed one.
cp "$out/binddesk.msi" "$out/rebuilt.msi"
msibuild "$out/rebuilt.msi" -q "UPDATE \`Property\` SET \`Value\` = '{$(cat /proc/sys/kernel/random/uuid | tr a-z A-Z)}' WHERE \`Property\` = 'ProductCode'"
wine msiexec /i "$(winepath -w "$out/rebuilt.msi")" /qn
wine reg export 'HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall' "$(winepath -w "$out/uninstall.reg")" /y
entries=$(iconv -f utf-16 -t utf-8 "$out/uninstall.reg" | grep -a -c '"DisplayName"="綁定審核台 BindDesk"')
[ "$entries" = 1 ] || die "after a same-version reinstall Apps & features lists BindDesk $entries times"
[ -f "$program_dir/binddesk.exe" ] || die "the same-version upgrade removed the program"
echo "a rebuilt .msi of the same version replaced the installed one (one entry in Apps & features)"
# A user's encrypted cache survives an ordinary uninstall ...
mkdir -p "$user_data/caches" && echo "stand-in for an encrypted cache" >"$user_data/caches/stand-in.sqlite"
wine msiexec /x "$(winepath -w "$out/rebuilt.msi")" /qn
[ ! -e "$program_dir/binddesk.exe" ] || die "binddesk.exe is still there after uninstall"
[ -f "$user_data/caches/stand-in.sqlite" ] || die "the uninstall removed the user's cache"
echo "uninstalled; the user's data stayed in %LOCALAPPDATA%\\tw.binddesk.desktop"
# ... and goes when asked for.
wine msiexec /i "$(winepath -w "$out/binddesk.msi")" /qn
wine msiexec /x "$(winepath -w "$out/binddesk.msi")" /qn REMOVEUSERDATA=1
[ ! -e "$user_data" ] || die "REMOVEUSERDATA=1 left the user's data"
echo "uninstalled with REMOVEUSERDATA=1: the user's data is gone"

step "windows.sh done in $((SECONDS - started)) s"
printf '%s\n' "${summary[@]}"
ls -l "$out"/*.exe "$out"/*.dll "$out"/*.msi
