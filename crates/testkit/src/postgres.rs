//! A real PostgreSQL for tests: one server per test process, from Debian's `postgresql`
//! package, in a temporary data folder on a free loopback port, started on first use
//! and stopped (its folder removed) when the test process ends.
//!
//! PostgreSQL refuses to run as root, and CI runs as root: then the server runs as the
//! `postgres` user the package created (`runuser`). A keeper shell holds a pipe from the
//! test process; when the process ends, however it ends, the pipe closes and the keeper
//! stops the server.
//!
//! Tests run it without fsync; `BINDDESK_PG_DURABLE=1` (the benchmark) keeps the defaults.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};

/// The running test server.
pub struct PgServer {
    port: u16,
    _keeper: Mutex<Child>,
}

static SERVER: OnceLock<Result<PgServer, String>> = OnceLock::new();

/// The folder of PostgreSQL's server programs: `BINDDESK_PG_BIN`, else the newest
/// `/usr/lib/postgresql/N/bin` (Debian's layout).
fn bin_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("BINDDESK_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|_| {
            "PostgreSQL is not installed (scripts/setup.sh installs Debian's postgresql)".to_string()
        })?
        .filter_map(|e| e.ok())
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, p)| p.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop().map(|(_, p)| p).ok_or_else(|| "no /usr/lib/postgresql/N/bin/initdb".into())
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// `program args…`, as the `postgres` user when we are root.
fn as_server_user(program: &Path, root: bool) -> Command {
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn run(mut c: Command, what: &str) -> Result<(), String> {
    let out = c.output().map_err(|e| format!("{what}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed: {}", String::from_utf8_lossy(&out.stderr)))
    }
}

fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

fn start() -> Result<PgServer, String> {
    let bin = bin_dir()?;
    let dir = std::env::temp_dir().join(format!("binddesk-pg-{}", uuid::Uuid::new_v4()));
    let started = start_in(&bin, &dir);
    if started.is_err() {
        // Nothing is left behind by a server that did not start.
        let _ = std::fs::remove_dir_all(&dir);
    }
    started
}

fn start_in(bin: &Path, dir: &Path) -> Result<PgServer, String> {
    let root = is_root();
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    if root {
        run(
            {
                let mut c = Command::new("chown");
                c.arg("postgres:postgres").arg(dir);
                c
            },
            "chown",
        )?;
    }
    let data = dir.join("data");
    let mut initdb = as_server_user(&bin.join("initdb"), root);
    initdb.args(["-A", "trust", "-U", "binddesk", "-E", "UTF8", "--locale=C.UTF-8", "-D"]).arg(&data);
    run(initdb, "initdb")?;
    let port = free_port()?;
    // Tests trade durability for speed; a benchmark (BINDDESK_PG_DURABLE=1) keeps
    // PostgreSQL's defaults, with room for the working set.
    let settings = if std::env::var_os("BINDDESK_PG_DURABLE").is_some() {
        "-c shared_buffers=1GB -c max_connections=300"
    } else {
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
    };
    let mut pg_ctl = as_server_user(&bin.join("pg_ctl"), root);
    pg_ctl
        .args(["-w", "-D"])
        .arg(&data)
        .arg("-l")
        .arg(dir.join("server.log"))
        .arg("-o")
        .arg(format!("-p {port} -k {} -c listen_addresses=127.0.0.1 {settings}", dir.display()))
        .arg("start");
    run(pg_ctl, "pg_ctl start")?;
    // The keeper: when this process ends, its end of the pipe closes, `read` returns,
    // and the server is stopped and its folder removed.
    let stop = format!(
        "read _; {runuser}{bin}/pg_ctl -D {data} -m fast stop >/dev/null 2>&1; rm -rf {dir}",
        runuser = if root { "runuser -u postgres -- " } else { "" },
        bin = bin.display(),
        data = data.display(),
        dir = dir.display(),
    );
    let keeper = Command::new("sh")
        .args(["-c", &stop])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("the keeper: {e}"))?;
    Ok(PgServer { port, _keeper: Mutex::new(keeper) })
}

/// The test process's server, started on first use.
pub fn pg_server() -> Result<&'static PgServer, String> {
    SERVER.get_or_init(start).as_ref().map_err(Clone::clone)
}

impl PgServer {
    /// The URL of database `name`, created if it does not exist yet.
    pub fn database(&self, name: &str) -> Result<String, String> {
        let safe: String = name.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        let psql = |sql: &str| {
            Command::new("psql")
                .args([
                    "-X",
                    "-q",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-h",
                    "127.0.0.1",
                    "-U",
                    "binddesk",
                    "-d",
                    "postgres",
                ])
                .args(["-p", &self.port.to_string(), "-tAc", sql])
                .output()
                .map_err(|e| format!("psql: {e}"))
        };
        let exists = psql(&format!("SELECT 1 FROM pg_database WHERE datname = '{safe}'"))?;
        if !exists.stdout.starts_with(b"1") {
            let out = psql(&format!("CREATE DATABASE {safe}"))?;
            if !out.status.success() {
                return Err(format!("CREATE DATABASE: {}", String::from_utf8_lossy(&out.stderr)));
            }
        }
        Ok(format!("postgres://binddesk@127.0.0.1:{}/{safe}", self.port))
    }
}
