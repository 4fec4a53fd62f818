//! Reading PDFs back with poppler (pdftotext, pdfinfo, pdffonts, pdfimages, pdftoppm).
//!
//! On Linux the programs run directly. The Windows build of the tests runs under Wine,
//! from which poppler's Linux programs cannot be started: there the request goes through
//! a folder that `scripts/windows.sh` watches from the Linux side ([`POPPLER_BRIDGE`]), so
//! the PDFs the Windows program wrote are read back by the real poppler all the same.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The folder through which the Windows build asks the Linux side to run poppler.
pub const POPPLER_BRIDGE: &str = "BINDDESK_POPPLER_BRIDGE";

/// What a poppler program printed.
pub struct Ran {
    /// It exited with status 0.
    pub ok: bool,
    /// Its standard output.
    pub stdout: Vec<u8>,
    /// Its standard error.
    pub stderr: Vec<u8>,
}

/// Runs poppler's `cmd` with `args` (paths may be Windows paths under Wine: see
/// [`arg`] for a path).
pub fn poppler(cmd: &str, args: &[&str]) -> Ran {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    if let Some(dir) = std::env::var_os(POPPLER_BRIDGE) {
        return on_the_linux_side(Path::new(&dir), cmd, &args);
    }
    let out = Command::new(cmd).args(&args).output().unwrap_or_else(|e| panic!("{cmd}: {e} (poppler-utils)"));
    Ran { ok: out.status.success(), stdout: out.stdout, stderr: out.stderr }
}

/// A path as an argument for [`poppler`] (the tests' paths are UTF-8).
pub fn arg(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// The text of a PDF (`pdftotext -enc UTF-8 FILE -`).
pub fn pdf_text(pdf: &Path) -> String {
    String::from_utf8_lossy(&poppler("pdftotext", &["-enc", "UTF-8", &arg(pdf), "-"]).stdout).into_owned()
}

/// Writes `ID.req` (the command and its arguments, NUL-separated, with forward slashes:
/// the bridge maps `C:/…` to the Wine prefix's drive and `/…` is the same path on both
/// sides) and waits for `ID.done` beside `ID.out`, `ID.err` and `ID.status`.
fn on_the_linux_side(dir: &Path, cmd: &str, args: &[String]) -> Ran {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let id = format!("{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    let mut req = cmd.to_string();
    for a in args {
        req.push('\0');
        req.push_str(&a.replace('\\', "/"));
    }
    let tmp = dir.join(format!("{id}.tmp"));
    std::fs::write(&tmp, req).expect("write a poppler request");
    std::fs::rename(&tmp, dir.join(format!("{id}.req"))).expect("hand the request over");
    let done = dir.join(format!("{id}.done"));
    let deadline = Instant::now() + Duration::from_secs(120);
    while !done.exists() {
        assert!(Instant::now() < deadline, "no answer from the poppler bridge in {}", dir.display());
        std::thread::sleep(Duration::from_millis(20));
    }
    let read = |ext: &str| std::fs::read(dir.join(format!("{id}.{ext}"))).unwrap_or_default();
    Ran { ok: read("status").trim_ascii() == b"0", stdout: read("out"), stderr: read("err") }
}
