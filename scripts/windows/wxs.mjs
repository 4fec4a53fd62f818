// Writes the Windows Installer source of the desktop app for wixl, from tauri.conf.json:
// node scripts/windows/wxs.mjs STAGE_DIR, where STAGE_DIR holds binddesk.exe,
// WebView2Loader.dll and icon.ico. It writes there:
// - binddesk.wxs, for `wixl` run in STAGE_DIR (it takes sources relative to the folder);
// - codepage.idt and after-wixl.sql: wixl (msitools 0.101) stores table strings in code
//   page 0, where Chinese text comes out empty (a blank name in "Apps & features"). So
//   the .wxs carries ASCII stand-ins, and scripts/windows.sh then sets the database's
//   code page to 950 (Big5, the zh-TW ANSI code page) with `msibuild -i codepage.idt` and
//   runs after-wixl.sql with `msibuild -q`, a statement a line: the Chinese strings, and
//   what wixl cannot say (same-version upgrades).
//
// Why not the Tauri bundler: its MSI target needs WiX 3 (Windows only) and its NSIS
// target downloads a plugin from GitHub at bundle time; wixl (msitools) builds an .msi
// here from a small .wxs. What the installer does:
// - per machine, into Program Files\BindDesk, with a Start-menu shortcut named as the
//   window is (綁定審核台 BindDesk); zh-TW (LCID 1028, code page 950);
// - silent for deployment: msiexec /i binddesk.msi /qn;
// - WebView2: if the Evergreen runtime is missing (Windows 11 and updated Windows 10 have
//   it), downloads Microsoft's bootstrapper and runs it silently; offline that step
//   fails without failing the install, and the app says at start that WebView2 is needed;
// - uninstall leaves every user's encrypted cache and settings (Local AppData) unless
//   REMOVEUSERDATA=1 is given, which removes those of the user who uninstalls.
import { readFileSync, writeFileSync, existsSync, statSync } from "node:fs";
import { createHash } from "node:crypto";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const conf = JSON.parse(readFileSync(join(root, "tauri.conf.json"), "utf8"));
const binDir = process.argv[2];
if (!binDir) {
  console.error("usage: node scripts/windows/wxs.mjs STAGE_DIR (the folder holding binddesk.exe)");
  process.exit(2);
}

// A name-based (v5) UUID: the same identifier always gives the same upgrade code, so a
// newer .msi replaces an older one.
function uuid5(name) {
  const ns = Buffer.from("6ba7b8119dad11d180b400c04fd430c8", "hex"); // the URL namespace
  const h = createHash("sha1").update(ns).update(name).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`.toUpperCase();
}
const xml = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const productName = conf.app.windows[0].title; // 綁定審核台 BindDesk
const upgradeCode = uuid5(conf.identifier);
const description = conf.bundle.shortDescription;
const downgrade = "已安裝較新版本的 [ProductName]。 A newer [ProductName] is already installed.";
// The Chinese strings, set after wixl (see the top): table, column, key column, key, text.
const sqlText = (s) => `'${String(s).replace(/'/g, "''")}'`;
const zhTW = [
  ["Property", "Value", "Property", "ProductName", productName],
  ["Shortcut", "Name", "Shortcut", "StartMenu", `BINDDESK|${productName}`],
  ["Shortcut", "Description", "Shortcut", "StartMenu", description],
  ["Feature", "Title", "Feature", "App", productName],
  ["LaunchCondition", "Description", "Condition", "NOT WIX_DOWNGRADE_DETECTED", downgrade],
].map(([t, col, key, id, text]) => `UPDATE \`${t}\` SET \`${col}\` = ${sqlText(text)} WHERE \`${key}\` = ${sqlText(id)}`);
// A rebuilt .msi of the same version replaces the installed one, never sits beside it
// (WiX's AllowSameVersionUpgrades, which wixl lacks): the upgrade row's maximum version
// becomes inclusive (msidbUpgradeAttributesVersionMaxInclusive, 0x200).
// Attributes is part of the table's key, so the row is replaced rather than updated.
const upgradeSameVersion = [
  "DELETE FROM `Upgrade` WHERE `ActionProperty` = 'WIX_UPGRADE_DETECTED'",
  "INSERT INTO `Upgrade` (`UpgradeCode`, `VersionMax`, `Attributes`, `ActionProperty`) VALUES " +
    `('{${upgradeCode}}', ${sqlText(conf.version)}, 513, 'WIX_UPGRADE_DETECTED')`,
];
const exe = `${conf.mainBinaryName}.exe`;
const files = [exe, "WebView2Loader.dll"].filter((f) => existsSync(join(binDir, f)));
if (!files.includes(exe)) {
  console.error(`no ${exe} in ${binDir}`);
  process.exit(1);
}
const dataFolder = conf.identifier; // Local AppData\<identifier>, as Tauri's app_local_data_dir
const webview2Client = "{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}";
const bootstrapper = "https://go.microsoft.com/fwlink/p/?LinkId=2124703";
// PowerShell as -EncodedCommand (UTF-16LE, base64): no quoting, and no "$" for the
// installer's own [Property] and $(var) syntax to eat.
const fetchWebView2 = Buffer.from(
  "$f = Join-Path $env:TEMP 'MicrosoftEdgeWebview2Setup.exe'; " +
    `Invoke-WebRequest -UseBasicParsing -Uri '${bootstrapper}' -OutFile $f; ` +
    "Start-Process -FilePath $f -ArgumentList '/silent','/install' -Wait",
  "utf16le",
).toString("base64");
// The main program's file id is MainExe; the others File1, File2, ...
const fileIds = files.map((_, i) => (i === 0 ? "MainExe" : `File${i}`));
const fileXml = files
  .map((f, i) => {
    const id = fileIds[i];
    const size = statSync(join(binDir, f)).size;
    return `          <Component Id="C${id}" Guid="${uuid5(`${conf.identifier}/${f}`)}" Win64="yes">
            <File Id="${id}" Name="${xml(f)}" Source="${xml(f)}" KeyPath="yes" /><!-- ${size} bytes -->
          </Component>`;
  })
  .join("\n");

writeFileSync(join(binDir, "after-wixl.sql"), [...zhTW, ...upgradeSameVersion].join("\n") + "\n");
writeFileSync(join(binDir, "codepage.idt"), "\r\n\r\n950\t_ForceCodepage\r\n");
writeFileSync(join(binDir, "binddesk.wxs"), `<?xml version="1.0" encoding="utf-8"?>
<!-- Generated by scripts/windows/wxs.mjs from tauri.conf.json: edit those, not this. -->
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="*" Name="BindDesk" Language="1028"
           Version="${xml(conf.version)}" Manufacturer="${xml(conf.bundle.publisher ?? "BindDesk")}"
           UpgradeCode="${upgradeCode}">
    <Package InstallerVersion="500" Compressed="yes" InstallScope="perMachine"
             Languages="1028"
             Description="BindDesk ${xml(conf.version)} installer" Comments="BindDesk: review parent-child binding applications" />
    <Media Id="1" Cabinet="binddesk.cab" EmbedCab="yes" />
    <MajorUpgrade DowngradeErrorMessage="A newer [ProductName] is already installed." />

    <Property Id="ARPPRODUCTICON" Value="AppIcon" />
    <Icon Id="AppIcon" SourceFile="icon.ico" />
    <!-- The programs the custom actions start, found on the PATH (type 50 actions). -->
    <Property Id="POWERSHELL" Value="powershell.exe" />
    <Property Id="CMD" Value="cmd.exe" />
    <Property Id="WEBVIEW2VERSION">
      <RegistrySearch Id="WebView2Machine" Root="HKLM" Key="SOFTWARE\\WOW6432Node\\Microsoft\\EdgeUpdate\\Clients\\${webview2Client}" Name="pv" Type="raw" Win64="yes" />
    </Property>

    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="ProgramFiles64Folder">
        <Directory Id="INSTALLDIR" Name="BindDesk">
${fileXml}
        </Directory>
      </Directory>
      <Directory Id="ProgramMenuFolder">
        <Component Id="CShortcut" Guid="${uuid5(`${conf.identifier}/shortcut`)}" Win64="yes">
          <Shortcut Id="StartMenu" Name="BindDesk" Description="BindDesk"
                    Target="[INSTALLDIR]${xml(exe)}" WorkingDirectory="INSTALLDIR" />
          <RegistryValue Root="HKLM" Key="Software\\BindDesk" Name="installed" Type="integer" Value="1" KeyPath="yes" />
        </Component>
      </Directory>
    </Directory>

    <Feature Id="App" Title="BindDesk" Level="1">
${fileIds.map((id) => `      <ComponentRef Id="C${id}" />`).join("\n")}
      <ComponentRef Id="CShortcut" />
    </Feature>

    <!-- WebView2 missing: fetch Microsoft's bootstrapper and run it silently. Offline it
         fails and is ignored: the app is installed, and says at start what is missing. -->
    <CustomAction Id="InstallWebView2" Property="POWERSHELL" Execute="deferred" Impersonate="no" Return="ignore"
                  ExeCommand="-NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand ${fetchWebView2}" />
    <!-- Uninstall with REMOVEUSERDATA=1: the uninstalling user's cache, settings and log go too. -->
    <CustomAction Id="RemoveUserData" Property="CMD" Execute="deferred" Impersonate="yes" Return="ignore"
                  ExeCommand="/c rd /s /q &quot;[LocalAppDataFolder]${xml(dataFolder)}&quot;" />
    <InstallExecuteSequence>
      <Custom Action="InstallWebView2" Before="InstallFinalize">NOT WEBVIEW2VERSION AND NOT REMOVE</Custom>
      <Custom Action="RemoveUserData" Before="InstallFinalize">REMOVE="ALL" AND REMOVEUSERDATA="1"</Custom>
    </InstallExecuteSequence>
  </Product>
</Wix>
`);
