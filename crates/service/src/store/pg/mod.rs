//! The PostgreSQL implementation of the repositories, for a city's worth of schools and
//! several service instances on one database.
//!
//! # Driver
//! The synchronous `postgres` crate (tokio-postgres underneath): the repository traits are
//! synchronous and run on tokio's blocking pool, as SQLite's do, so the PostgreSQL
//! store is the same shape as the SQLite one, a connection per call taken from a small
//! pool, with no async twin of every trait. sqlx would have brought async traits, a
//! second query style and compile-time checks against a live database that the build
//! does not have.
//!
//! # The change feed under several writers
//! A reviewer's incremental sync asks for "changes after cursor N" and then moves its
//! cursor to the newest number it received. With one global sequence taken at insert,
//! two transactions can take 7 and 8 and commit 8 first: a reader then sees 8, moves its
//! cursor to 8, and never sees 7. So the feed is numbered **per school, under a row
//! lock**: every write to an application takes the next number of its school with
//! `INSERT … ON CONFLICT DO UPDATE … RETURNING` on `feed_counters`, which locks that
//! school's counter row until the transaction ends. A second writer in the same school
//! waits for the first to commit before it gets its number, so within a school numbers
//! commit in order, and a reader never passes a number whose transaction commits later.
//! A staff member's scope is one school (or classes of it), so the cursor is a school's
//! number. Writers in different schools never wait for each other; writers in one school
//! wait only for the few milliseconds of one transaction.
//!
//! A transaction that touches two schools' counters (a parent's e-mail shared across
//! schools) can deadlock with another taking them in the other order; PostgreSQL ends
//! one of them, and [`PgStore::write`] runs it again from the start, as it does for a
//! serialisation failure. Nothing is half-written: the retry starts a new transaction.
//!
//! # Round trips
//! Each connection prepares a SQL text once and keeps the statement ([`Client`] and
//! [`Transaction`] here wrap the driver's and do that), so every later query is one round
//! trip instead of the driver's two (parse, then execute).

mod codes;
mod connection;
mod imports;
mod outbox;
mod parent;
mod registry;
mod review;
mod schema;
mod sessions;
mod staff;

pub use schema::MIGRATIONS as PG_MIGRATIONS;

use super::*;
use crate::mail;
use binddesk_domain::rules::{FlagFacts, compute_flags};
use binddesk_domain::{DecisionAction, Status};
use connection::{Client, GenericClient, Transaction};
use connection::{Connection, Statements};
use postgres::NoTls;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The PostgreSQL store: a few connections, each used by one call at a time.
pub struct PgStore {
    config: postgres::Config,
    connections: Vec<Mutex<Option<Connection>>>,
    next: AtomicUsize,
}

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        use postgres::error::SqlState;
        match e.code() {
            Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED => {
                StoreError::Contention(e.to_string())
            }
            _ => StoreError::Storage(e.to_string()),
        }
    }
}

pub(super) fn internal(e: impl std::fmt::Display) -> StoreError {
    StoreError::Storage(e.to_string())
}

/// Transactions run again after a deadlock or serialisation failure.
const RETRIES: usize = 5;

impl PgStore {
    /// Connects to `url` (`postgres://user@host:port/db`), migrating the schema, with
    /// `connections` connections.
    ///
    /// Only loopback and Unix-socket hosts are accepted: this build speaks to PostgreSQL
    /// without TLS, and children's data never crosses a network in clear text.
    pub fn open(url: &str, connections: usize) -> Result<PgStore, String> {
        let config: postgres::Config = url.parse().map_err(|e| format!("the PostgreSQL URL: {e}"))?;
        for host in config.get_hosts() {
            let local = match host {
                postgres::config::Host::Tcp(h) => {
                    h == "localhost" || h.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
                }
                #[cfg(unix)]
                postgres::config::Host::Unix(_) => true,
            };
            if !local {
                return Err(format!(
                    "PostgreSQL host {host:?} is not on this machine: this build connects without TLS, so only \
                     loopback or a Unix socket (run a local pgbouncer or stunnel to a remote server)"
                ));
            }
        }
        let mut first = config.connect(NoTls).map_err(|e| format!("cannot connect to PostgreSQL: {e}"))?;
        schema::migrate(&mut first).map_err(|e| format!("cannot migrate the PostgreSQL schema: {e}"))?;
        let mut pool = vec![Mutex::new(Some(Connection { client: first, statements: Statements::new() }))];
        pool.extend((1..connections.clamp(1, 64)).map(|_| Mutex::new(None)));
        Ok(PgStore { config, connections: pool, next: AtomicUsize::new(0) })
    }

    /// Runs `f` on a free connection (opening it on first use or after it broke).
    fn with_client<T>(&self, f: impl FnOnce(&mut Connection) -> StoreResult<T>) -> StoreResult<T> {
        let n = self.connections.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        // A free one if there is one, else wait for the next in turn.
        let mut guard = (0..n).find_map(|i| self.connections[(start + i) % n].try_lock().ok()).map_or_else(
            || self.connections[start % n].lock().map_err(|_| internal("pool lock poisoned")),
            Ok,
        )?;
        if guard.as_ref().is_none_or(|c| c.client.is_closed()) {
            *guard = Some(Connection { client: self.config.connect(NoTls)?, statements: Statements::new() });
        }
        let conn = guard.as_mut().ok_or_else(|| internal("no connection"))?;
        let out = f(conn);
        if let Err(StoreError::Storage(_)) = &out {
            // A prepared statement may be what failed (a schema another instance
            // migrated): prepare afresh next time.
            conn.statements.clear();
        }
        out
    }

    /// A read outside a transaction.
    pub(super) fn read<T>(&self, f: impl FnOnce(&mut Client) -> StoreResult<T>) -> StoreResult<T> {
        self.with_client(|c| f(&mut Client { client: &mut c.client, statements: &mut c.statements }))
    }

    /// A transaction, run again from the start after a deadlock or serialisation failure.
    pub(super) fn write<T>(&self, f: impl Fn(&mut Transaction) -> StoreResult<T>) -> StoreResult<T> {
        let mut tries = 0;
        loop {
            let result = self.with_client(|c| {
                let mut tx = Transaction { tx: c.client.transaction()?, statements: &mut c.statements };
                let out = f(&mut tx)?;
                tx.commit()?;
                Ok(out)
            });
            match result {
                Err(StoreError::Contention(_)) if tries < RETRIES => tries += 1,
                other => return other,
            }
        }
    }
}

impl Drop for PgStore {
    /// The synchronous client runs a small runtime of its own, which must not be dropped
    /// on an async worker: the last `Arc` may go anywhere, so the connections are
    /// closed on a thread of their own.
    fn drop(&mut self) {
        let connections = std::mem::take(&mut self.connections);
        let _ = std::thread::spawn(move || drop(connections)).join();
    }
}

// ------------------------------------------------------------------ helpers in a transaction

pub(super) fn load_app(
    c: &mut impl GenericClient,
    id: &str,
) -> StoreResult<Option<(Application, String, String, String)>> {
    let row =
        c.query_opt("SELECT body, school_code, class_id, owner FROM applications WHERE id = $1", &[&id])?;
    app_of(row)
}

/// [`load_app`], locking the row for the transaction: two instances changing one
/// application take turns, and the second sees the first's version.
pub(super) fn load_app_for_update(
    tx: &mut Transaction,
    id: &str,
) -> StoreResult<Option<(Application, String, String, String)>> {
    let row = tx.query_opt(
        "SELECT body, school_code, class_id, owner FROM applications WHERE id = $1 FOR UPDATE",
        &[&id],
    )?;
    app_of(row)
}

fn app_of(row: Option<postgres::Row>) -> StoreResult<Option<(Application, String, String, String)>> {
    match row {
        None => Ok(None),
        Some(r) => {
            let body: String = r.try_get(0)?;
            Ok(Some((serde_json::from_str(&body)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
        }
    }
}

/// The two-account count of the domain, over the student's applications.
pub(super) fn bound_accounts(
    c: &mut impl GenericClient,
    student_id: &str,
    parent_id: &str,
) -> StoreResult<u32> {
    let rows = c.query("SELECT parent_id, status FROM applications WHERE student_id = $1", &[&student_id])?;
    let rows: Vec<(String, String)> =
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect::<Result<_, postgres::Error>>()?;
    let apps = rows.iter().filter_map(|(p, s)| {
        Status::from_wire(s).map(|status| binddesk_domain::rules::StudentApplication { parent_id: p, status })
    });
    Ok(binddesk_domain::rules::bound_accounts(apps, parent_id))
}

pub(super) fn live() -> String {
    binddesk_domain::rules::sql_list(&binddesk_domain::rules::LIVE)
}

pub(super) fn open_statuses() -> String {
    binddesk_domain::rules::sql_list(&binddesk_domain::rules::OPEN)
}

/// The SQL test "the e-mail (parameter `$e`) is another parent's (not `$p`)": one of
/// their live applications or their account uses it.
fn email_in_use_sql(e: u8, p: u8) -> String {
    format!(
        "(EXISTS(SELECT 1 FROM applications WHERE parent_email = ${e} AND parent_id <> ${p} AND status IN {live})
          OR EXISTS(SELECT 1 FROM parent_accounts WHERE email = ${e} AND parent_id <> ${p}))",
        live = live()
    )
}

pub(super) fn email_used_by_another(
    c: &mut impl GenericClient,
    email: &str,
    parent_id: &str,
) -> StoreResult<bool> {
    Ok(c.query_one(&format!("SELECT {}", email_in_use_sql(1, 2)), &[&email, &parent_id])?.try_get(0)?)
}

/// The facts the flags need, in one round trip: the signature's ink, whether the e-mail
/// is another parent's, and the student's applications for the two-account count.
pub(super) fn facts_for(c: &mut impl GenericClient, app: &Application) -> StoreResult<FlagFacts> {
    let email = app.parent.email.to_lowercase();
    let r = c.query_one(
        &format!(
            "SELECT (SELECT ink_ratio FROM signatures WHERE sha256 = $1),
                    {email_in_use},
                    s.parents, s.statuses
             FROM (SELECT array_agg(parent_id) AS parents, array_agg(status) AS statuses
                   FROM applications WHERE student_id = $4) s",
            email_in_use = email_in_use_sql(2, 3)
        ),
        &[&app.signature.sha256, &email, &app.parent.id_number, &app.student.id_number],
    )?;
    let ink: Option<f64> = r.try_get(0)?;
    let parents: Option<Vec<String>> = r.try_get(2)?;
    let statuses: Option<Vec<String>> = r.try_get(3)?;
    let apps = parents.unwrap_or_default().into_iter().zip(statuses.unwrap_or_default()).collect::<Vec<_>>();
    let others = apps.iter().filter_map(|(p, s)| {
        Status::from_wire(s).map(|status| binddesk_domain::rules::StudentApplication { parent_id: p, status })
    });
    Ok(FlagFacts {
        bound_accounts: binddesk_domain::rules::bound_accounts(others, &app.parent.id_number),
        email_used_by_another_parent: r.try_get(1)?,
        signature_ink_ratio: ink.unwrap_or(0.0),
    })
}

/// Writes an application (new or changed) with fresh flags and the next number of its
/// school's change feed (taken under the counter's row lock: see the module doc).
pub(super) fn save_app(
    tx: &mut Transaction,
    app: &mut Application,
    owner: &str,
    now: Timestamp,
) -> StoreResult<()> {
    let facts = facts_for(tx, app)?;
    save_app_with_facts(tx, app, owner, now, &facts)
}

/// [`save_app`] with the facts already read in this transaction.
pub(super) fn save_app_with_facts(
    tx: &mut Transaction,
    app: &mut Application,
    owner: &str,
    now: Timestamp,
    facts: &FlagFacts,
) -> StoreResult<()> {
    app.flags = compute_flags(app, facts);
    let seq: i64 = tx
        .query_one(
            "INSERT INTO feed_counters (school_code, last) VALUES ($1, 1)
             ON CONFLICT (school_code) DO UPDATE SET last = feed_counters.last + 1 RETURNING last",
            &[&app.student.school_code],
        )?
        .try_get(0)?;
    let body = serde_json::to_string(app)?;
    tx.execute(
        "INSERT INTO applications (id, version, status, school_code, class_id, student_id, parent_id, parent_email,
                                   owner, batch_id, registry_result, signature_sha256, change_seq, changed_at, body)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, status = excluded.status,
             school_code = excluded.school_code, class_id = excluded.class_id, student_id = excluded.student_id,
             parent_id = excluded.parent_id, parent_email = excluded.parent_email,
             registry_result = excluded.registry_result, signature_sha256 = excluded.signature_sha256,
             change_seq = excluded.change_seq, changed_at = excluded.changed_at, body = excluded.body",
        &[
            &app.id,
            &i64::from(app.version),
            &app.status.as_str(),
            &app.student.school_code,
            &app.student.class_id,
            &app.student.id_number,
            &app.parent.id_number,
            &app.parent.email.to_lowercase(),
            &owner,
            &app.batch_id,
            &app.registry_check.result.as_str(),
            &app.signature.sha256,
            &seq,
            &now.to_rfc3339(),
            &body,
        ],
    )?;
    Ok(())
}

/// Recomputes the flags of the other undecided applications that share a student or an
/// e-mail with a changed one, and publishes those whose flags changed (their version
/// stays; see the SQLite store's twin).
pub(super) fn refresh_related(
    tx: &mut Transaction,
    students: &[String],
    emails: &[String],
    now: Timestamp,
) -> StoreResult<()> {
    let sql = format!(
        "SELECT id FROM applications WHERE (student_id = ANY($1) OR parent_email = ANY($2)) AND status IN {}",
        open_statuses()
    );
    let mut ids: Vec<String> =
        tx.query(&sql, &[&students, &emails])?.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?;
    ids.sort();
    ids.dedup();
    for id in ids {
        if let Some((mut app, _, _, owner)) = load_app(tx, &id)? {
            let before = app.flags.clone();
            let facts = facts_for(tx, &app)?;
            if compute_flags(&app, &facts) != before {
                save_app(tx, &mut app, &owner, now)?;
            }
        }
    }
    Ok(())
}

pub(super) fn queue_mail(tx: &mut impl GenericClient, m: &mail::Message, now: Timestamp) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO mail_outbox (channel, to_address, kind, subject, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        &[&m.channel, &m.to, &m.kind, &m.subject, &m.body, &now.to_rfc3339()],
    )?;
    Ok(())
}

/// On approval: the parent's account exists afterwards (its first password is hashed by
/// a background task), and the approval notice is queued.
pub(super) fn ensure_account_and_notify(
    tx: &mut Transaction,
    app: &Application,
    now: Timestamp,
) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO parent_accounts (email, parent_id, name, password_hash, must_change_password, created_at)
         VALUES ($1, $2, $3, NULL, TRUE, $4) ON CONFLICT (email) DO NOTHING",
        &[&app.parent.email.to_lowercase(), &app.parent.id_number, &app.parent.name, &now.to_rfc3339()],
    )?;
    queue_mail(tx, &mail::approved_notice(app), now)
}
