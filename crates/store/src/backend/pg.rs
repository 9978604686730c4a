//! PostgreSQL through the synchronous `postgres` client and an r2d2 pool; bulk loads use COPY.

use crate::core::db::{Backend, BulkRows, Row, Shape, Tx, Val};
use crate::StoreError;
use bytes::BytesMut;
use postgres::types::{IsNull, ToSql, Type};
use postgres::NoTls;
use r2d2_postgres::PostgresConnectionManager;
use std::io::Write;

impl ToSql for Val {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Val::Null => Ok(IsNull::Yes),
            Val::Int(v) if *ty == Type::INT4 => (*v as i32).to_sql(ty, out),
            Val::Int(v) => v.to_sql(ty, out),
            Val::Text(s) => s.as_str().to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

fn db_err(e: postgres::Error) -> StoreError {
    if e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION) {
        return StoreError::Duplicate(e.to_string());
    }
    StoreError::Db(e.to_string())
}

pub struct Pg {
    pool: r2d2::Pool<PostgresConnectionManager<NoTls>>,
}

impl Pg {
    pub fn connect(url: &str) -> Result<Pg, StoreError> {
        let config: postgres::Config = url.parse().map_err(db_err)?;
        let pool = r2d2::Pool::builder()
            .max_size(8)
            .build(PostgresConnectionManager::new(config, NoTls))
            .map_err(|e| StoreError::Db(format!("无法连接PostgreSQL: {e}")))?;
        Ok(Pg { pool })
    }

    fn client(&self) -> Result<r2d2::PooledConnection<PostgresConnectionManager<NoTls>>, StoreError> {
        self.pool.get().map_err(|e| StoreError::Db(e.to_string()))
    }
}

struct PgTx<'a, 'b>(&'a mut postgres::Transaction<'b>);

fn refs(params: &[Val]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

impl Tx for PgTx<'_, '_> {
    fn exec(&mut self, sql: &str, params: &[Val]) -> Result<u64, StoreError> {
        self.0.execute(sql, &refs(params)).map_err(db_err)
    }

    fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Row>, StoreError> {
        let rows = self.0.query(sql, &refs(params)).map_err(db_err)?;
        let mut out = Vec::with_capacity(rows.len());
        let names = rows.first().map(|r| r.columns().iter().map(|c| c.name().to_string()).collect()).unwrap_or_default();
        let shape = std::sync::Arc::new(Shape::new(sql, names));
        for r in rows {
            let mut vals = Vec::with_capacity(r.len());
            for (i, col) in r.columns().iter().enumerate() {
                let v = match *col.type_() {
                    Type::INT8 => r.get::<_, Option<i64>>(i).map(Val::Int),
                    Type::INT4 => r.get::<_, Option<i32>>(i).map(|v| Val::Int(v as i64)),
                    Type::INT2 => r.get::<_, Option<i16>>(i).map(|v| Val::Int(v as i64)),
                    Type::BOOL => r.get::<_, Option<bool>>(i).map(|v| Val::Int(v as i64)),
                    _ => r.try_get::<_, Option<String>>(i).map_err(db_err)?.map(Val::Text),
                };
                vals.push(v.unwrap_or(Val::Null));
            }
            out.push(Row::new(vals, shape.clone()));
        }
        Ok(out)
    }
}

/// COPY text format: backslash, tab and newlines escaped, `\N` for NULL.
fn copy_field(out: &mut Vec<u8>, v: &Val) {
    match v {
        Val::Null => out.extend_from_slice(b"\\N"),
        Val::Int(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Val::Text(s) => {
            for b in s.bytes() {
                match b {
                    b'\\' => out.extend_from_slice(b"\\\\"),
                    b'\t' => out.extend_from_slice(b"\\t"),
                    b'\n' => out.extend_from_slice(b"\\n"),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    _ => out.push(b),
                }
            }
        }
    }
}

impl Backend for Pg {
    fn transaction<T>(&self, _write: bool, f: &mut dyn FnMut(&mut dyn Tx) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let mut client = self.client()?;
        let mut tx = client.transaction().map_err(db_err)?;
        let out = f(&mut PgTx(&mut tx))?;
        tx.commit().map_err(db_err)?;
        Ok(out)
    }

    fn bulk_insert(&self, batches: &mut [BulkRows<'_>]) -> Result<(), StoreError> {
        let mut client = self.client()?;
        let mut tx = client.transaction().map_err(db_err)?;
        for b in batches.iter() {
            let mut w = tx.copy_in(&format!("COPY {} ({}) FROM STDIN", b.table, b.columns.join(", "))).map_err(db_err)?;
            let mut buf = Vec::with_capacity(1 << 20);
            for row in &b.rows {
                for (i, v) in row.iter().enumerate() {
                    if i > 0 {
                        buf.push(b'\t');
                    }
                    copy_field(&mut buf, v);
                }
                buf.push(b'\n');
                if buf.len() > 1 << 20 {
                    w.write_all(&buf).map_err(|e| StoreError::Db(e.to_string()))?;
                    buf.clear();
                }
            }
            w.write_all(&buf).map_err(|e| StoreError::Db(e.to_string()))?;
            w.finish().map_err(db_err)?;
        }
        tx.commit().map_err(db_err)
    }

    fn batch(&self, sql: &str) -> Result<(), StoreError> {
        self.client()?.batch_execute(sql).map_err(db_err)
    }

    fn name(&self) -> &'static str {
        "postgres"
    }

    fn keyed_table_suffix(&self) -> &'static str {
        ""
    }
}
