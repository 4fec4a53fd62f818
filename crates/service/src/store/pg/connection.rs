//! A pooled connection and the statements it has prepared: [`Client`] (outside a
//! transaction) and [`Transaction`] wrap the driver's and prepare each SQL text once per
//! connection, so a query is one round trip instead of two. The repositories call them
//! through [`GenericClient`], as they would the driver's.

use postgres::types::ToSql;
use std::collections::HashMap;

/// The statements a connection has prepared, by SQL text.
pub(in crate::store) type Statements = HashMap<String, postgres::Statement>;

/// A connection and its prepared statements: each SQL text is parsed once per
/// connection, so a query is one round trip (the driver's plain `query(&str)` takes two).
pub(in crate::store) struct Connection {
    pub(in crate::store) client: postgres::Client,
    pub(in crate::store) statements: Statements,
}

/// The calls the repositories make, on a connection ([`Client`]) or in a transaction
/// ([`Transaction`]); both prepare each SQL text once.
pub(in crate::store) trait GenericClient {
    /// Rows of a query.
    fn query(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<postgres::Row>, postgres::Error>;
    /// Exactly one row.
    fn query_one(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<postgres::Row, postgres::Error>;
    /// At most one row.
    fn query_opt(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<postgres::Row>, postgres::Error>;
    /// Rows changed.
    fn execute(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64, postgres::Error>;
}

fn prepared(
    c: &mut impl postgres::GenericClient,
    statements: &mut Statements,
    sql: &str,
) -> Result<postgres::Statement, postgres::Error> {
    if let Some(s) = statements.get(sql) {
        return Ok(s.clone());
    }
    let s = c.prepare(sql)?;
    statements.insert(sql.to_string(), s.clone());
    Ok(s)
}

/// The driver's client and the statement cache of a wrapper.
trait Parts {
    type Raw: postgres::GenericClient;
    fn parts(&mut self) -> (&mut Self::Raw, &mut Statements);
}

impl<T: Parts> GenericClient for T {
    fn query(&mut self, sql: &str, p: &[&(dyn ToSql + Sync)]) -> Result<Vec<postgres::Row>, postgres::Error> {
        let (c, st) = self.parts();
        let s = prepared(c, st, sql)?;
        postgres::GenericClient::query(c, &s, p)
    }
    fn query_one(&mut self, sql: &str, p: &[&(dyn ToSql + Sync)]) -> Result<postgres::Row, postgres::Error> {
        let (c, st) = self.parts();
        let s = prepared(c, st, sql)?;
        postgres::GenericClient::query_one(c, &s, p)
    }
    fn query_opt(
        &mut self,
        sql: &str,
        p: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<postgres::Row>, postgres::Error> {
        let (c, st) = self.parts();
        let s = prepared(c, st, sql)?;
        postgres::GenericClient::query_opt(c, &s, p)
    }
    fn execute(&mut self, sql: &str, p: &[&(dyn ToSql + Sync)]) -> Result<u64, postgres::Error> {
        let (c, st) = self.parts();
        let s = prepared(c, st, sql)?;
        postgres::GenericClient::execute(c, &s, p)
    }
}

/// A connection outside a transaction (reads).
pub(in crate::store) struct Client<'a> {
    pub(in crate::store) client: &'a mut postgres::Client,
    pub(in crate::store) statements: &'a mut Statements,
}

/// A transaction.
pub(in crate::store) struct Transaction<'a> {
    pub(in crate::store) tx: postgres::Transaction<'a>,
    pub(in crate::store) statements: &'a mut Statements,
}

impl Parts for Client<'_> {
    type Raw = postgres::Client;
    fn parts(&mut self) -> (&mut postgres::Client, &mut Statements) {
        (&mut *self.client, &mut *self.statements)
    }
}

impl<'a> Parts for Transaction<'a> {
    type Raw = postgres::Transaction<'a>;
    fn parts(&mut self) -> (&mut postgres::Transaction<'a>, &mut Statements) {
        (&mut self.tx, &mut *self.statements)
    }
}

impl Transaction<'_> {
    /// Commits.
    pub(in crate::store) fn commit(self) -> Result<(), postgres::Error> {
        self.tx.commit()
    }
}
