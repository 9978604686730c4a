//! The embedded default: SQLite through rusqlite, WAL mode, a small connection pool. Write
//! transactions begin IMMEDIATE so that writers queue on SQLite's lock instead of failing late.

use crate::core::db::{Backend, BulkRows, Row, Shape, Tx, Val};
use crate::StoreError;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

impl rusqlite::ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Val::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Val::Int(v) => ToSqlOutput::Borrowed(ValueRef::Integer(*v)),
            Val::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        })
    }
}

fn db_err(e: rusqlite::Error) -> StoreError {
    match e.sqlite_error().map(|c| c.extended_code) {
        Some(rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY | rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE) => StoreError::Duplicate(e.to_string()),
        _ => StoreError::Db(e.to_string()),
    }
}

pub struct Manager {
    path: PathBuf,
    /// Bulk builds write a file that is renamed into place only when complete, so they can
    /// skip the journal: a crash leaves a partial file that is thrown away.
    bulk: bool,
}

impl r2d2::ManageConnection for Manager {
    type Connection = Connection;
    type Error = rusqlite::Error;

    fn connect(&self) -> Result<Connection, rusqlite::Error> {
        let c = Connection::open(&self.path)?;
        c.busy_timeout(Duration::from_secs(10))?;
        if self.bulk {
            c.execute_batch("PRAGMA page_size = 8192; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -200000; PRAGMA temp_store = MEMORY; PRAGMA locking_mode = EXCLUSIVE;")?;
        } else {
            c.pragma_update(None, "journal_mode", "WAL")?;
            // temp_store: the statement journal of a multi-row insert stays in memory, not in a
            // temporary file. mmap: key-range reads of a county's files map the pages instead
            // of copying each one with a read call.
            c.execute_batch(
                "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -64000; \
                 PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 4294967296;",
            )?;
        }
        c.set_prepared_statement_cache_capacity(64);
        Ok(c)
    }

    fn is_valid(&self, c: &mut Connection) -> Result<(), rusqlite::Error> {
        c.execute_batch("")
    }

    fn has_broken(&self, _: &mut Connection) -> bool {
        false
    }
}

pub struct Sqlite {
    pool: r2d2::Pool<Manager>,
}

impl Sqlite {
    pub fn open(path: &Path) -> Result<Sqlite, StoreError> {
        Self::with_manager(Manager { path: path.to_path_buf(), bulk: false }, 8)
    }

    /// A single-connection handle for building a database file from scratch.
    pub fn open_for_bulk_build(path: &Path) -> Result<Sqlite, StoreError> {
        Self::with_manager(Manager { path: path.to_path_buf(), bulk: true }, 1)
    }

    fn with_manager(m: Manager, size: u32) -> Result<Sqlite, StoreError> {
        let pool = r2d2::Pool::builder().max_size(size).build(m).map_err(|e| StoreError::Db(e.to_string()))?;
        Ok(Sqlite { pool })
    }

    fn conn(&self) -> Result<r2d2::PooledConnection<Manager>, StoreError> {
        self.pool.get().map_err(|e| StoreError::Db(e.to_string()))
    }
}

struct SqliteTx<'a>(&'a rusqlite::Transaction<'a>);

impl Tx for SqliteTx<'_> {
    /// A failing statement here always fails its whole transaction, so a multi-row insert need
    /// not be undone on its own: `OR FAIL` spares SQLite the statement journal (a copy of every
    /// page the statement touches).
    fn insert_verb(&self) -> &'static str {
        "INSERT OR FAIL"
    }

    fn exec(&mut self, sql: &str, params: &[Val]) -> Result<u64, StoreError> {
        let mut st = self.0.prepare_cached(sql).map_err(db_err)?;
        let params = by_number(&st, params)?;
        st.execute(rusqlite::params_from_iter(params)).map(|n| n as u64).map_err(db_err)
    }

    fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Row>, StoreError> {
        let mut st = self.0.prepare_cached(sql).map_err(db_err)?;
        let n = st.column_count();
        let shape = std::sync::Arc::new(Shape::new(sql, st.column_names().into_iter().map(String::from).collect()));
        let params = by_number(&st, params)?;
        let mut rows = st.query(rusqlite::params_from_iter(params)).map_err(db_err)?;
        let mut out = vec![];
        while let Some(r) = rows.next().map_err(db_err)? {
            let mut vals = Vec::with_capacity(n);
            for i in 0..n {
                vals.push(match r.get_ref(i).map_err(db_err)? {
                    ValueRef::Null => Val::Null,
                    ValueRef::Integer(v) => Val::Int(v),
                    ValueRef::Real(f) => Val::Int(f as i64),
                    ValueRef::Text(t) | ValueRef::Blob(t) => Val::Text(String::from_utf8_lossy(t).into_owned()),
                });
            }
            out.push(Row::new(vals, shape.clone()));
        }
        Ok(out)
    }
}

/// The values in the order SQLite binds them. SQLite numbers `$N` parameters in the order they
/// first appear in the statement, not by N, so a statement naming `$2` before `$1` would bind
/// the wrong values; binding by the number keeps `$N` the N-th value, as on PostgreSQL.
fn by_number<'p>(st: &rusqlite::Statement<'_>, params: &'p [Val]) -> Result<Vec<&'p Val>, StoreError> {
    (1..=st.parameter_count())
        .map(|i| {
            let n = st.parameter_name(i).and_then(|name| name.strip_prefix('$')?.parse::<usize>().ok()).unwrap_or(i);
            params.get(n.wrapping_sub(1)).ok_or_else(|| db_err(rusqlite::Error::InvalidParameterCount(n, params.len())))
        })
        .collect()
}

impl Backend for Sqlite {
    fn transaction<T>(&self, write: bool, f: &mut dyn FnMut(&mut dyn Tx) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let mut conn = self.conn()?;
        let behavior = if write { TransactionBehavior::Immediate } else { TransactionBehavior::Deferred };
        let tx = conn.transaction_with_behavior(behavior).map_err(db_err)?;
        let out = f(&mut SqliteTx(&tx))?;
        tx.commit().map_err(db_err)?;
        Ok(out)
    }

    fn bulk_insert(&self, batches: &mut [BulkRows<'_>]) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction().map_err(db_err)?;
        for b in batches.iter() {
            // Many rows per statement: the per-statement cost of the VM dominates small rows.
            let per_stmt = (30_000 / b.columns.len()).clamp(1, 256);
            let one = format!("({})", vec!["?"; b.columns.len()].join(", "));
            let sql_for =
                |n: usize| format!("INSERT INTO {} ({}) VALUES {}", b.table, b.columns.join(", "), vec![one.as_str(); n].join(", "));
            let mut chunks = b.rows.chunks(per_stmt);
            let full_sql = sql_for(per_stmt);
            for chunk in &mut chunks {
                let sql = if chunk.len() == per_stmt { full_sql.clone() } else { sql_for(chunk.len()) };
                let mut st = tx.prepare_cached(&sql).map_err(db_err)?;
                st.execute(rusqlite::params_from_iter(chunk.iter().flatten())).map_err(db_err)?;
            }
        }
        tx.commit().map_err(db_err)
    }

    fn batch(&self, sql: &str) -> Result<(), StoreError> {
        self.conn()?.execute_batch(sql).map_err(db_err)
    }

    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn keyed_table_suffix(&self) -> &'static str {
        " WITHOUT ROWID"
    }
}

#[cfg(test)]
mod parameter_tests {
    use super::*;

    #[test]
    fn dollar_numbers_bind_by_number_not_by_first_appearance() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let st = conn.prepare("SELECT $2, $1, $2").unwrap();
        let params = [Val::from("one"), Val::from("two")];
        let bound: Vec<&Val> = by_number(&st, &params).unwrap();
        assert_eq!(bound, [&params[1], &params[0]], "SQLite's indices follow first appearance: $2 is index 1");
        let mut st = conn.prepare("SELECT $2, $1").unwrap();
        let got: (String, String) =
            st.query_row(rusqlite::params_from_iter(by_number(&st, &params).unwrap()), |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        assert_eq!(got, ("two".into(), "one".into()));
        let st = conn.prepare("SELECT $3").unwrap();
        assert!(by_number(&st, &params).is_err(), "a number past the values is an error, not a NULL");
    }
}
