//! The conformance suite on PostgreSQL. Each test gets its own database. Needs
//! `FUPIN_TEST_PG_URL` (e.g. `postgres://root@localhost/postgres`); without it the tests are
//! skipped loudly, except under `CI=true` where that is a failure.

use fupin_store::{pg::Pg, prelude::*, sql_store::SqlStore};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

static N: AtomicU32 = AtomicU32::new(0);

fn fresh() -> Option<((), Arc<dyn Store>)> {
    let Ok(url) = std::env::var("FUPIN_TEST_PG_URL") else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("FUPIN_TEST_PG_URL is not set under CI=true: the PostgreSQL suite must run");
        }
        eprintln!("SKIPPED: FUPIN_TEST_PG_URL not set, PostgreSQL conformance not run");
        return None;
    };
    let db = format!("fupin_t_{}_{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst));
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).expect("connect to FUPIN_TEST_PG_URL");
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {db}")).unwrap();
    admin.batch_execute(&format!("CREATE DATABASE {db}")).unwrap();
    let (base, _) = url.rsplit_once('/').expect("URL has a database path");
    let store = SqlStore::new(Pg::connect(&format!("{base}/{db}")).unwrap(), Default::default()).unwrap();
    Some(((), Arc::new(store)))
}

fupin_store::conformance_tests!(fresh);
