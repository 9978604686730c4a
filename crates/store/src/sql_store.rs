//! `SqlStore`: the one implementation of every function's store trait, written once over the
//! `Backend`/`Tx` seam. Opening it creates or upgrades the schema; each function implements its
//! trait for it in its own folder.

use crate::core::db::{Backend, Tx};
use crate::schema::{indexes, migrations_after, tables, SCHEMA_VERSION};
use crate::{PlatformStore, Result, StoreError};
use fupin_domain::config::Rules;

pub struct SqlStore<B: Backend> {
    pub backend: B,
    pub(crate) rules: Rules,
}

impl<B: Backend> SqlStore<B> {
    /// Opens the store, creating or upgrading the schema.
    pub fn new(backend: B, rules: Rules) -> Result<Self> {
        backend.batch(&tables(backend.keyed_table_suffix()))?;
        let s = SqlStore { backend, rules };
        if let Some(stored) = s.meta("schema_version")? {
            let stored: i64 = stored.parse().map_err(|_| StoreError::Db(format!("schema_version “{stored}” is not a number")))?;
            if stored > SCHEMA_VERSION {
                return Err(StoreError::Db(format!("数据库结构版本为{stored}，高于本程序支持的{SCHEMA_VERSION}，请升级程序")));
            }
            for (version, statements) in migrations_after(stored) {
                s.write(|tx| {
                    for sql in statements {
                        tx.exec(sql, &[])?;
                    }
                    Ok(())
                })?;
                s.set_meta("schema_version", &version.to_string())?;
            }
        }
        s.backend.batch(&indexes())?;
        s.set_meta("schema_version", &SCHEMA_VERSION.to_string())?;
        Ok(s)
    }

    pub(crate) fn read<T>(&self, mut f: impl FnMut(&mut dyn Tx) -> Result<T>) -> Result<T> {
        self.backend.transaction(false, &mut f)
    }

    pub(crate) fn write<T>(&self, mut f: impl FnMut(&mut dyn Tx) -> Result<T>) -> Result<T> {
        self.backend.transaction(true, &mut f)
    }
}
