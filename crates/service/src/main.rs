//! `binddesk-service`: the binding service's command line.

use binddesk_service::server::{ServeOptions, serve};
use binddesk_service::store::StaffRow;
use binddesk_service::store::prelude::*;
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// The binding service (親子綁定服務): parent and staff HTTP API over a SQLite store.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
// Parsed once at start-up: the size of the largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
enum Command {
    /// Serve the HTTP API. The first line on stdout is one JSON object:
    /// {"listen": "127.0.0.1:PORT", "accounts": [...]} (accounts in demo mode only).
    Serve {
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, env = "BINDDESK_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// The store: a SQLite file, or a PostgreSQL URL (postgres://user@host/db) for
        /// several instances. With --demo and no --db, a fresh temporary SQLite store.
        #[arg(long, env = "BINDDESK_DB")]
        db: Option<String>,
        /// Demo mode: fill an empty store with a demo school, print the demo logins,
        /// and answer the demo-only endpoints (/api/v1/dev/...).
        #[arg(long, env = "BINDDESK_DEMO")]
        demo: bool,
        /// Applications in a new demo store.
        #[arg(long, env = "BINDDESK_DEMO_APPLICATIONS", default_value_t = 300)]
        demo_applications: usize,
        /// SMTP server for notices, e.g. smtp://mail.school.example:25; without it mail
        /// stays in the outbox table.
        #[arg(long, env = "BINDDESK_SMTP_URL")]
        smtp_url: Option<String>,
        /// The sender address of notices.
        #[arg(long, env = "BINDDESK_MAIL_FROM", default_value = "親子綁定服務 <no-reply@binddesk.invalid>")]
        mail_from: String,
        /// Seconds between retries of registry checks that were unavailable.
        #[arg(long, env = "BINDDESK_REGISTRY_RETRY_SECS", default_value_t = 60)]
        registry_retry_secs: u64,
        /// Staff session length, minutes.
        #[arg(long, env = "BINDDESK_STAFF_SESSION_MINUTES", default_value_t = 720)]
        staff_session_minutes: i64,
        /// Parent session length, minutes.
        #[arg(long, env = "BINDDESK_PARENT_SESSION_MINUTES", default_value_t = 60)]
        parent_session_minutes: i64,
        /// Read-only SQLite connections.
        #[arg(long, env = "BINDDESK_READERS", default_value_t = 4)]
        readers: usize,
        /// Seconds before an address may get another verification code.
        #[arg(long, env = "BINDDESK_CODE_RESEND_SECS", default_value_t = binddesk_domain::throttle::codes::RESEND_SECS)]
        code_resend_secs: i64,
        /// Verification codes one client address may ask for in an hour.
        #[arg(long, env = "BINDDESK_CLIENT_HOURLY_CODES", default_value_t = binddesk_domain::throttle::codes::CLIENT_CODES_PER_WINDOW)]
        client_hourly_codes: u32,
        /// Wrong verification codes one client address may send in an hour.
        #[arg(long, env = "BINDDESK_CLIENT_HOURLY_GUESSES", default_value_t = binddesk_domain::throttle::codes::CLIENT_TRIES_PER_WINDOW)]
        client_hourly_guesses: u32,
        /// Seconds a connection may take to send a request's headers.
        #[arg(long, env = "BINDDESK_HEADER_TIMEOUT_SECS", default_value_t = 10)]
        header_timeout_secs: u64,
        /// Seconds a request's body may take to arrive.
        #[arg(long, env = "BINDDESK_BODY_TIMEOUT_SECS", default_value_t = 30)]
        body_timeout_secs: u64,
        /// Open connections at most; 0 for the open-files limit less a margin.
        #[arg(long, env = "BINDDESK_MAX_CONNECTIONS", default_value_t = 0)]
        max_connections: usize,
        /// Open connections from one client address at most.
        #[arg(long, env = "BINDDESK_MAX_CONNECTIONS_PER_CLIENT", default_value_t = 256)]
        max_connections_per_client: usize,
        /// Seconds between purges of expired sessions, codes and counters.
        #[arg(long, env = "BINDDESK_PURGE_EVERY_SECS", default_value_t = 300)]
        purge_every_secs: u64,
        /// Stop gracefully when standard input is closed (a stop that works on Windows,
        /// where there is no SIGTERM: the parent process closes the pipe).
        #[arg(long, env = "BINDDESK_STOP_ON_STDIN_CLOSE")]
        stop_on_stdin_close: bool,
        /// Serve HTTPS with this certificate chain (PEM; with --tls-key).
        #[arg(long, env = "BINDDESK_TLS_CERT", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The certificate's private key (PEM; with --tls-cert).
        #[arg(long, env = "BINDDESK_TLS_KEY", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// The bearer token /metrics asks for; without it only loopback clients may read
        /// the metrics.
        #[arg(long, env = "BINDDESK_METRICS_TOKEN")]
        metrics_token: Option<String>,
        /// Seconds between a stop signal and closing the listener, /readyz answering 503
        /// meanwhile (behind a load balancer: a little more than its check interval).
        #[arg(long, env = "BINDDESK_DRAIN_SECS", default_value_t = 0)]
        drain_secs: u64,
    },
    /// Import whole schools' rosters: a CSV (UTF-8, UTF-16 or Big5) or .xlsx with the
    /// columns school_code,school_name,class_id,class_name,school_level,student_id,
    /// student_name (or 學校代碼,學校名稱,班級代碼,班級名稱,學層,身分證字號,學生姓名), in
    /// any order. Students of a school in the file who are not in it have left it; a
    /// child who moved keeps their bindings. Prints a JSON report; any bad line, by its
    /// number, and nothing is imported.
    ImportRoster {
        /// The roster file.
        file: PathBuf,
        /// Work out and report the changes; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Import even if a school would lose more than half its students.
        #[arg(long)]
        allow_many_leavers: bool,
        /// The store: a SQLite file or a PostgreSQL URL.
        #[arg(long, env = "BINDDESK_DB", default_value = "binddesk-service.sqlite")]
        db: String,
    },
    /// Import staff accounts from a CSV with the header
    /// username,name,role,school_code,password,class_ids (class ids separated by ';').
    /// Passwords are hashed with argon2 before they are stored.
    ImportStaff {
        /// The CSV file.
        csv: PathBuf,
        /// The store: a SQLite file or a PostgreSQL URL.
        #[arg(long, env = "BINDDESK_DB", default_value = "binddesk-service.sqlite")]
        db: String,
    },
    /// Back up the SQLite store while the service runs (SQLite's online backup), and
    /// check the copy. For PostgreSQL, use pg_dump (see the README).
    Backup {
        /// Where the copy goes (a new file).
        to: PathBuf,
        /// The store.
        #[arg(long, env = "BINDDESK_DB", default_value = "binddesk-service.sqlite")]
        db: String,
    },
    /// Fill a new store with the demo school and N applications (for benchmarks).
    /// Prints the demo logins as JSON.
    DemoData {
        /// How many applications.
        #[arg(long, default_value_t = 1000)]
        applications: usize,
        /// The store, a SQLite file or a PostgreSQL URL (must not hold demo data yet).
        #[arg(long, env = "BINDDESK_DB", default_value = "binddesk-service.sqlite")]
        db: String,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("BINDDESK_LOG")
                .unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .json()
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve {
            listen,
            db,
            demo,
            demo_applications,
            smtp_url,
            mail_from,
            registry_retry_secs,
            staff_session_minutes,
            parent_session_minutes,
            readers,
            code_resend_secs,
            client_hourly_codes,
            client_hourly_guesses,
            header_timeout_secs,
            body_timeout_secs,
            max_connections,
            max_connections_per_client,
            purge_every_secs,
            stop_on_stdin_close,
            tls_cert,
            tls_key,
            metrics_token,
            drain_secs,
        } => {
            if db.is_none() && !demo {
                Err("give --db (or BINDDESK_DB), or use --demo for a temporary demo store".to_string())
            } else {
                let opts = ServeOptions {
                    listen,
                    db,
                    demo,
                    demo_applications,
                    smtp_url,
                    mail_from,
                    registry_retry_secs,
                    staff_session_minutes,
                    parent_session_minutes,
                    readers,
                    code_limits: binddesk_service::store::CodeLimits {
                        resend_secs: code_resend_secs.max(0),
                        per_window: None,
                        client_codes: client_hourly_codes,
                        client_tries: client_hourly_guesses,
                    },
                    header_timeout_secs: header_timeout_secs.max(1),
                    body_timeout_secs: body_timeout_secs.max(1),
                    max_connections,
                    max_connections_per_client,
                    purge_every_secs: purge_every_secs.max(1),
                    stop_on_stdin_close,
                    tls: tls_cert.zip(tls_key),
                    metrics_token,
                    drain_secs,
                };
                match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
                    Ok(rt) => rt.block_on(serve(opts)).map_err(|e| e.to_string()),
                    Err(e) => Err(format!("cannot start the runtime: {e}")),
                }
            }
        }
        Command::ImportRoster { file, dry_run, allow_many_leavers, db } => {
            import_roster(&file, dry_run, allow_many_leavers, &db)
        }
        Command::ImportStaff { csv, db } => import_staff(&csv, &db),
        Command::DemoData { applications, db } => demo_data(applications, &db),
        Command::Backup { to, db } => backup(&db, &to),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("binddesk-service: {e}");
            ExitCode::FAILURE
        }
    }
}

fn open(db: &str) -> Result<std::sync::Arc<dyn Store>, String> {
    binddesk_service::store::open(db, 1)
}

/// Reads a small UTF-8 CSV (a BOM allowed, quoted fields) with a required header.
fn read_csv(path: &std::path::Path, header: &[&str]) -> Result<Vec<Vec<String>>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .trim(csv::Trim::All)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let mut records = reader.records();
    let head = records.next().transpose().map_err(|e| format!("{}: {e}", path.display()))?;
    if head.is_none_or(|h| h.iter().ne(header.iter().copied())) {
        return Err(format!("{}: the header must be {}", path.display(), header.join(",")));
    }
    records
        .map(|r| {
            let r = r.map_err(|e| format!("{}: {e}", path.display()))?;
            let line = r.position().map_or(0, |p| p.line());
            if r.len() == header.len() {
                Ok(r.iter().map(String::from).collect())
            } else {
                Err(format!("{} line {line}: expected {} fields", path.display(), header.len()))
            }
        })
        .collect()
}

fn import_roster(
    file: &std::path::Path,
    dry_run: bool,
    allow_many_leavers: bool,
    db: &str,
) -> Result<(), String> {
    let roster = binddesk_service::roster::read(file)?;
    let store = open(db)?;
    // A file with bad lines is still worked out, so the report is complete, but nothing
    // is written. One transaction works out the plan and writes it, or not.
    let mode = if dry_run || !roster.errors.is_empty() {
        binddesk_service::store::RosterWrite::DryRun
    } else {
        binddesk_service::store::RosterWrite::Import { allow_many_leavers }
    };
    let report = store.import_roster(&roster.rows, mode, chrono::Utc::now()).map_err(|e| e.to_string())?;
    let departures = report.plan.mass_departures(&roster.rows);
    let (added, updated, moved, unchanged) = report.plan.counts();
    let moved_lines: Vec<usize> = roster
        .lines
        .iter()
        .zip(&report.plan.changes)
        .filter(|(_, c)| matches!(c, binddesk_domain::rules::roster::Change::Moved { .. }))
        .map(|(l, _)| *l)
        .collect();
    let imported = report.imported;
    println!(
        "{}",
        serde_json::json!({
            "file": {"format": roster.format, "students": roster.rows.len() + roster.errors.len()},
            "dry_run": dry_run,
            "imported": imported,
            "errors": roster.errors,
            "added": added, "updated": updated, "moved": moved, "unchanged": unchanged,
            "left": report.plan.left.len(),
            "left_by_school": report.plan.left_by_school(),
            "moved_lines": moved_lines,
            "applications_moved": report.applications_moved,
            "mass_departures": departures.iter().map(|(s, left, before)| serde_json::json!({"school": s, "leaving": left, "enrolled": before})).collect::<Vec<_>>(),
        })
    );
    if !roster.errors.is_empty() {
        return Err(format!("{} bad lines; nothing was imported", roster.errors.len()));
    }
    if let Some((school, left, before)) = departures.first().filter(|_| !dry_run && !imported) {
        return Err(format!(
            "school {school} would lose {left} of its {before} students; is the file complete? \
             (--allow-many-leavers imports it anyway); nothing was imported"
        ));
    }
    Ok(())
}

fn import_staff(csv: &std::path::Path, db: &str) -> Result<(), String> {
    let header = ["username", "name", "role", "school_code", "password", "class_ids"];
    let mut rows = Vec::new();
    for (i, c) in read_csv(csv, &header)?.into_iter().enumerate() {
        let role = binddesk_domain::Role::from_wire(&c[2])
            .ok_or_else(|| format!("line {}: role must be teacher or admin", i + 2))?;
        if c[4].chars().count() < 8 {
            return Err(format!("line {}: the password must have at least 8 characters", i + 2));
        }
        rows.push(StaffRow {
            username: c[0].clone(),
            name: c[1].clone(),
            role,
            school_code: c[3].clone(),
            password_hash: binddesk_service::auth::hash_password(&c[4])?,
            class_ids: c[5].split(';').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect(),
        });
    }
    let n = open(db)?.import_staff(&rows).map_err(|e| e.to_string())?;
    println!("imported {n} staff accounts");
    Ok(())
}

fn backup(db: &str, to: &std::path::Path) -> Result<(), String> {
    if binddesk_service::store::is_postgres_url(db) {
        return Err(
            "a PostgreSQL store is backed up with pg_dump: pg_dump -Fc -f binddesk.dump DATABASE_URL".into(),
        );
    }
    let started = std::time::Instant::now();
    let report = binddesk_service::store::SqliteStore::backup(std::path::Path::new(db), to)?;
    eprintln!("backed up in {:.1} s", started.elapsed().as_secs_f64());
    println!(
        "{}",
        serde_json::json!({ "to": to.display().to_string(), "pages": report.0, "bytes": report.1, "integrity": "ok" })
    );
    Ok(())
}

fn demo_data(applications: usize, db: &str) -> Result<(), String> {
    let store = open(db)?;
    let started = std::time::Instant::now();
    let accounts =
        binddesk_service::demo::ensure_demo(store.as_ref(), applications).map_err(|e| e.to_string())?;
    eprintln!("filled the store in {:.1} s", started.elapsed().as_secs_f64());
    println!("{}", serde_json::json!({ "accounts": accounts }));
    Ok(())
}
