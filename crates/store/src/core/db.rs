//! A thin seam between the store's logic and the two databases. The store's queries are written
//! once, in the SQL that SQLite and PostgreSQL share (`$1` parameters, `ON CONFLICT`,
//! `RETURNING`, `CAST(… AS BIGINT)`), against `Tx`; each backend implements `Tx` and bulk loading.
//! Only TEXT and BIGINT columns are used, so values need no per-backend mapping.

use crate::StoreError;

/// A value bound to or read from SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val {
    Null,
    Int(i64),
    Text(String),
}

impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::Int(v)
    }
}
impl From<i32> for Val {
    fn from(v: i32) -> Val {
        Val::Int(v as i64)
    }
}
impl From<bool> for Val {
    fn from(v: bool) -> Val {
        Val::Int(v as i64)
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Val {
        Val::Text(v.to_string())
    }
}
impl From<String> for Val {
    fn from(v: String) -> Val {
        Val::Text(v)
    }
}
impl From<&String> for Val {
    fn from(v: &String) -> Val {
        Val::Text(v.clone())
    }
}
impl<T: Into<Val>> From<Option<T>> for Val {
    fn from(v: Option<T>) -> Val {
        v.map(Into::into).unwrap_or(Val::Null)
    }
}

/// What a query's rows are: the table it reads (for error messages) and its column names.
#[derive(Debug)]
pub struct Shape {
    pub table: String,
    pub columns: Vec<String>,
}

impl Shape {
    /// The first table the statement names (`FROM t`, `UPDATE t`, `INTO t`), for naming it when
    /// a row of it turns out corrupt.
    pub fn new(sql: &str, columns: Vec<String>) -> Shape {
        let words: Vec<&str> = sql.split_whitespace().collect();
        let table = words
            .windows(2)
            .find(|w| ["FROM", "UPDATE", "INTO"].contains(&w[0].to_ascii_uppercase().as_str()) && !w[1].starts_with('('))
            .map(|w| w[1].trim_end_matches([',', ';', ')']).to_string())
            .unwrap_or_else(|| "?".into());
        Shape { table, columns }
    }
}

/// One result row. Columns are read strictly: a NULL where a value is read, or text that is not
/// a number where a number is, is `StoreError::Corrupt` naming table, key (the first column)
/// and column, never a silent 0 or "".
#[derive(Debug, Clone)]
pub struct Row {
    pub vals: Vec<Val>,
    pub shape: std::sync::Arc<Shape>,
}

impl Row {
    pub fn new(vals: Vec<Val>, shape: std::sync::Arc<Shape>) -> Row {
        Row { vals, shape }
    }

    fn corrupt(&self, i: usize, wanted: &str) -> StoreError {
        let name = |c: usize| self.shape.columns.get(c).map(String::as_str).unwrap_or("?").to_string();
        let key = match self.vals.first() {
            Some(Val::Int(v)) => v.to_string(),
            Some(Val::Text(s)) => s.clone(),
            _ => "NULL".into(),
        };
        let found = match self.vals.get(i) {
            Some(Val::Int(v)) => v.to_string(),
            Some(Val::Text(s)) => format!("{s:?}"),
            Some(Val::Null) => "NULL".into(),
            None => "no such column".into(),
        };
        StoreError::Corrupt(format!("{} ({} = {key}): column {} should be {wanted}, holds {found}", self.shape.table, name(0), name(i)))
    }

    pub fn int(&self, i: usize) -> Result<i64, StoreError> {
        self.opt_int(i)?.ok_or_else(|| self.corrupt(i, "a number"))
    }

    /// NULL is None; text that is not a whole number is corrupt.
    pub fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        match self.vals.get(i) {
            Some(Val::Int(v)) => Ok(Some(*v)),
            Some(Val::Text(s)) => s.parse().map(Some).map_err(|_| self.corrupt(i, "a number")),
            Some(Val::Null) => Ok(None),
            None => Err(self.corrupt(i, "present")),
        }
    }

    pub fn text(&self, i: usize) -> Result<String, StoreError> {
        self.opt_text(i)?.ok_or_else(|| self.corrupt(i, "text"))
    }

    /// NULL is None; a number is its digits.
    pub fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError> {
        match self.vals.get(i) {
            Some(Val::Text(s)) => Ok(Some(s.clone())),
            Some(Val::Int(v)) => Ok(Some(v.to_string())),
            Some(Val::Null) => Ok(None),
            None => Err(self.corrupt(i, "present")),
        }
    }

    /// Column `i` as text without copying it.
    pub fn str(&self, i: usize) -> Result<&str, StoreError> {
        match self.vals.get(i) {
            Some(Val::Text(s)) => Ok(s),
            _ => Err(self.corrupt(i, "text")),
        }
    }

    /// Every column as text, moved out of the row: NULL as "" (for exports of nullable columns).
    pub fn into_texts(self) -> Vec<String> {
        self.vals
            .into_iter()
            .map(|v| match v {
                Val::Text(s) => s,
                Val::Int(v) => v.to_string(),
                Val::Null => String::new(),
            })
            .collect()
    }
}

/// Inserts rows with multi-row statements (some hundreds of values each: under both databases'
/// parameter limits, and far fewer round trips than one statement per row).
pub fn insert_many(tx: &mut dyn Tx, table: &str, cols: &[&str], rows: impl Iterator<Item = Vec<Val>>) -> Result<(), StoreError> {
    // SQLite looks up each named parameter among the earlier ones: keep statements modest.
    let per = (600 / cols.len()).max(1);
    let verb = tx.insert_verb();
    let sql_for = |n: usize| {
        let tuples: Vec<String> = (0..n)
            .map(|r| format!("({})", (1..=cols.len()).map(|c| format!("${}", r * cols.len() + c)).collect::<Vec<_>>().join(", ")))
            .collect();
        format!("{verb} INTO {table} ({}) VALUES {}", cols.join(", "), tuples.join(", "))
    };
    let full = sql_for(per);
    let mut params: Vec<Val> = Vec::with_capacity(per * cols.len());
    let mut n = 0;
    for row in rows {
        params.extend(row);
        n += 1;
        if n == per {
            tx.exec(&full, &params)?;
            params.clear();
            n = 0;
        }
    }
    if n > 0 {
        tx.exec(&sql_for(n), &params)?;
    }
    Ok(())
}

/// A transaction on either database.
pub trait Tx {
    /// The verb of `insert_many`'s statements.
    fn insert_verb(&self) -> &'static str {
        "INSERT"
    }
    fn exec(&mut self, sql: &str, params: &[Val]) -> Result<u64, StoreError>;
    fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Row>, StoreError>;

    fn query_one(&mut self, sql: &str, params: &[Val]) -> Result<Option<Row>, StoreError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }
}

/// Takes the write lock of one row until the transaction ends, in the SQL both databases share
/// (an update that changes nothing): writers that allocate the next number under it (a file
/// number in a village, an objection number of a case) then see each other's rows, where two
/// `MAX + 1` in parallel would collide. SQLite already serializes writers; PostgreSQL waits here.
pub fn lock_row(tx: &mut dyn Tx, table: &str, key_col: &str, key: &str) -> Result<(), StoreError> {
    tx.exec(&format!("UPDATE {table} SET {key_col} = {key_col} WHERE {key_col} = $1"), &[key.into()]).map(|_| ())
}

/// Rows for one table, loaded in bulk (prepared inserts on SQLite, COPY on PostgreSQL).
pub struct BulkRows<'a> {
    pub table: &'a str,
    pub columns: &'a [&'a str],
    pub rows: Vec<Vec<Val>>,
}

/// What each database provides beneath the shared store logic.
pub trait Backend: Send + Sync + 'static {
    /// Runs `f` in a transaction; `write` transactions are serialized where the backend needs it.
    fn transaction<T>(&self, write: bool, f: &mut dyn FnMut(&mut dyn Tx) -> Result<T, StoreError>) -> Result<T, StoreError>;
    /// Appends rows in one transaction per call.
    fn bulk_insert(&self, batches: &mut [BulkRows<'_>]) -> Result<(), StoreError>;
    /// Runs a script of statements separated by `;` (schema, indexes).
    fn batch(&self, sql: &str) -> Result<(), StoreError>;
    fn name(&self) -> &'static str;
    /// Appended to tables stored in primary-key order (see `schema::tables`).
    fn keyed_table_suffix(&self) -> &'static str;
}
