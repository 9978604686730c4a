//! One file per command group; what they share: where the database is, opening it, and the
//! business date.

pub mod demo;
pub mod evaluation;
pub mod integrity;
pub mod ledger;
pub mod matching;
pub mod policy;
pub mod registry;
pub mod serve;

pub use anyhow::{bail, Context};
use fupin_domain::config::Rules;
use fupin_domain::id_number::Date;
use fupin_store::prelude::*;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(clap::Args, Clone)]
pub struct Db {
    /// Folder of the embedded SQLite database.
    #[arg(long, default_value = "./fupin-data")]
    pub data: PathBuf,
    /// A PostgreSQL URL (postgres://…) instead of the embedded database.
    #[arg(long)]
    pub database_url: Option<String>,
}

pub const DB_FILE: &str = "fupin.db";
/// Marks a database whose demo build finished; its value records the options used.
pub const DEMO_MARK: &str = "demo_complete";

/// The policies' search index, derived from the database and kept beside it.
pub fn index_dir(db: &Db) -> PathBuf {
    db.data.join("policy-index")
}

pub fn sqlite_path(db: &Db) -> PathBuf {
    db.data.join(DB_FILE)
}

pub fn open(db: &Db) -> anyhow::Result<Arc<dyn Store>> {
    let url = match &db.database_url {
        Some(u) => u.clone(),
        None => {
            let p = sqlite_path(db);
            if !p.exists() {
                bail!("数据库{}不存在：请先运行 `fupin demo` 或指定 --database-url", p.display());
            }
            p.to_string_lossy().into_owned()
        }
    };
    Ok(fupin_store::open(&url, Rules::default())?)
}

pub fn business_date(store: &dyn Store) -> anyhow::Result<Date> {
    Ok(match store.meta("as_of")? {
        Some(d) => Date::parse(&d)?,
        None => civil_from_days(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs() as i64 / 86_400),
    })
}

/// Days since 1970-01-01 to a civil date, for the real clock.
pub fn civil_from_days(z: i64) -> Date {
    Date::from_day_number(z)
}
