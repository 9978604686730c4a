//! A real server on a real port over a small demo province, shared by the tests of one binary.
#![allow(dead_code)] // each test binary uses part of this module

use fupin_demo::BuildOptions;
use fupin_domain::access::Role;
use fupin_domain::config::Rules;
use fupin_domain::id_number::Date;
use fupin_domain::RegionCode;
use fupin_store::core::db::Backend as _;
use fupin_store::pg::Pg;
use fupin_store::prelude::*;
use fupin_store::sql_store::SqlStore;
use fupin_store::sqlite::Sqlite;
use fupin_store::UserRecord;
use std::sync::{Arc, OnceLock};

/// Which database the test server is served from; each test binary names its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct Server {
    pub base: String,
    pub store: Arc<dyn Store>,
}

pub const PASSWORD: &str = "demo-test-pw";

/// A directory for this process's database. The server lives in a static, which is never
/// dropped, so each test process leaves its directory behind: those of processes that have
/// ended are swept here.
fn data_dir() -> std::path::PathBuf {
    let root = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("fupin-http");
    for entry in std::fs::read_dir(&root).into_iter().flatten().flatten() {
        let ended = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
            .is_some_and(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists());
        if ended {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
    let dir = root.join(std::process::id().to_string());
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("test data directory");
    dir
}

/// A fresh PostgreSQL database for this process (`fupin_http_PID`), after dropping those of
/// processes that have ended. Without `FUPIN_TEST_PG_URL` the whole test binary is skipped
/// loudly (its process ends here with success), except under `CI=true`, where that fails.
fn pg_database() -> String {
    let Ok(url) = std::env::var("FUPIN_TEST_PG_URL") else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("FUPIN_TEST_PG_URL is not set under CI=true: the suite served from PostgreSQL must run");
        }
        eprintln!("SKIPPED: FUPIN_TEST_PG_URL not set, the suite served from PostgreSQL was not run");
        std::process::exit(0);
    };
    let admin = Pg::connect(&url).expect("connect to FUPIN_TEST_PG_URL");
    let old = admin
        .transaction(false, &mut |tx| tx.query("SELECT datname FROM pg_database WHERE datname LIKE 'fupin_http_%'", &[]))
        .expect("list databases");
    for name in old.iter().map(|r| r.text(0).expect("a database name")) {
        let ended = name
            .strip_prefix("fupin_http_")
            .and_then(|p| p.parse::<u32>().ok())
            .is_some_and(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists());
        if ended {
            let _ = admin.batch(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
    let db = format!("fupin_http_{}", std::process::id());
    admin.batch(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")).unwrap();
    admin.batch(&format!("CREATE DATABASE {db}")).unwrap();
    let (base, _) = url.rsplit_once('/').expect("URL has a database path");
    format!("{base}/{db}")
}

fn start() -> Server {
    let opts = BuildOptions { scale: 0.006, as_of: Date::new(2017, 6, 30).unwrap(), rules: Rules::default(), progress: false };
    let (store, report): (Arc<dyn Store>, _) = match crate::BACKEND {
        Backend::Sqlite => {
            let path = data_dir().join("fupin.db");
            let report = fupin_demo::build(&Sqlite::open_for_bulk_build(&path).unwrap(), &opts).expect("demo builds");
            (Arc::new(SqlStore::new(Sqlite::open(&path).unwrap(), Rules::default()).unwrap()), report)
        }
        Backend::Postgres => {
            let url = pg_database();
            let report = fupin_demo::build(&Pg::connect(&url).unwrap(), &opts).expect("demo builds");
            (Arc::new(SqlStore::new(Pg::connect(&url).unwrap(), Rules::default()).unwrap()), report)
        }
    };
    store.set_meta("as_of", "2017-06-30").unwrap();
    fupin_demo::policies::seed_demo(&*store, Date::new(2017, 6, 30).unwrap()).expect("the demo's policies publish");
    let hash = fupin_web::auth::hash_password(PASSWORD);
    let mut users: Vec<UserRecord> = report.accounts.iter().map(|a| a.user_record(&*store, &hash).unwrap()).collect();
    // Officials of another county (莘县) and another city (济南), for the jurisdiction probes.
    for (u, role, region) in [
        ("shenxian_village", Role::VillageOfficial, "371522100001"),
        ("shenxian", Role::CountyOfficial, "371522"),
        ("jinan", Role::CityOfficial, "3701"),
        // A donor account that has not registered its body yet (the HTTP test registers it).
        ("donor2", Role::Donor, "37"),
        // And one for the browser test's registration.
        ("donor3", Role::Donor, "37"),
    ] {
        users.push(UserRecord {
            username: u.into(),
            display_name: u.into(),
            role,
            region: RegionCode::parse(region).unwrap(),
            helper_id: None,
            password_hash: hash.clone(),
        });
    }
    for u in &users {
        store.put_user(u).unwrap();
    }
    fupin_demo::visits::seed_demo(&*store, Date::new(2017, 6, 30).unwrap()).expect("the demo's visits record");
    fupin_demo::matching::seed_demo(&*store, Date::new(2017, 6, 30).unwrap(), 1).expect("the demo's matching seeds");
    fupin_demo::supervision::seed_demo(&*store, Date::new(2017, 6, 30).unwrap(), 1).expect("the demo's reports seed");
    fupin_demo::evaluation::seed_demo(&*store, Date::new(2017, 6, 30).unwrap(), opts.scale).expect("the demo's evaluations seed");
    fupin_demo::tasks::seed_demo(&*store, Date::new(2017, 6, 30).unwrap()).expect("the demo's key tasks seed");
    fupin_demo::funds::seed_demo(&*store, Date::new(2017, 6, 30).unwrap()).expect("the demo's funds seed");
    add_exit_ready_households(&*store);
    let (tx, rx) = std::sync::mpsc::channel();
    let st = store.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            fupin_web::serve(fupin_web::AppState::new(st, Date::new(2017, 6, 30).unwrap(), true), listener).await.unwrap();
        });
    });
    let addr = rx.recv().unwrap();
    Server { base: format!("http://{addr}"), store }
}

pub fn server() -> &'static Server {
    static S: OnceLock<Server> = OnceLock::new();
    // Started on a thread of its own: the browser tests call this from async code, where the
    // blocking PostgreSQL client may not run.
    S.get_or_init(|| std::thread::spawn(start).join().expect("the test server starts"))
}

pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// A client logged in as `username`.
pub fn login(username: &str) -> reqwest::blocking::Client {
    let c = client();
    let r = c
        .post(format!("{}/api/v1/session", server().base))
        .json(&serde_json::json!({"username": username, "password": PASSWORD}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200, "login as {username}");
    c
}

/// Poor households of the `village` account with no case open: those meeting every exit
/// standard today, and those that do not (one is made so by unticking 住房安全 if need be).
pub fn exit_candidates() -> (Vec<String>, String) {
    let store = &server().store;
    let village = store.user("village").unwrap().unwrap();
    let caller = fupin_web::auth::caller_of(&village);
    let page = store
        .search_households(
            &caller,
            &fupin_store::HouseholdQuery { status: Some(fupin_domain::registry::codes::Status::Poor), per_page: 200, ..Default::default() },
        )
        .unwrap();
    let today = Date::new(2017, 6, 30).unwrap();
    let (mut ready, mut not_ready) = (vec![], vec![]);
    for s in page.items {
        let h = store.household(&caller, &s.id).unwrap();
        if store.cases(&caller, &h.village, false).unwrap().iter().any(|c| c.household_id == h.id) {
            continue;
        }
        if fupin_domain::registry::lifecycle::exit_unmet(&h, 2017, today, store.rules()).is_empty() {
            ready.push(h.id);
        } else {
            not_ready.push(h.id);
        }
    }
    let not_ready = match not_ready.pop() {
        Some(id) => id,
        None => {
            let id = ready.pop().expect("the demo village has poor households");
            let h = store.household(&caller, &id).unwrap();
            let mut fields = fupin_domain::registry::household::HouseholdFields::of(&h);
            fields.conditions.safe_housing = false;
            let req = fupin_store::ChangeRequest {
                household_id: id.clone(),
                expected_version: h.version,
                change: fupin_domain::registry::household::Change::EditFields { fields },
                reason: "住房鉴定为危房".into(),
                at: "2017-06-30".into(),
            };
            store.change_household(&caller, &req).unwrap();
            id
        }
    };
    (ready, not_ready)
}

/// At test scale the demo village holds a household or two; the lifecycle tests need several
/// that meet every exit standard, registered through the ordinary write path.
fn add_exit_ready_households(store: &dyn Store) {
    let village = store.user("village").unwrap().unwrap();
    let caller = fupin_web::auth::caller_of(&village);
    for seq in 9001..9007u32 {
        let mut h = fupin_store::conformance::sample_household(village.region.as_str(), seq, 2);
        h.conditions = fupin_domain::registry::household::Conditions::all_met();
        h.incomes.push(fupin_domain::registry::household::Income {
            year: 2017,
            wage: fupin_domain::Yuan::from_yuan(10_000),
            ..Default::default()
        });
        h.measures.push(fupin_domain::registry::household::Measure {
            no: 1,
            path: fupin_domain::registry::codes::Path::Employment,
            name: "扶贫公益岗位".into(),
            amount: fupin_domain::Yuan::from_yuan(3600),
            unit: "县人社局".into(),
            year: 2017,
        });
        store.create_household(&caller, h, "测试建档", "2016-12-01").unwrap();
    }
}

/// Whole ID numbers in a text: words of letters and digits that are exactly a valid
/// 18-character 身份证号 (check character included). A word is taken whole, so a session's hex
/// token, which may hold a run of 17 digits by chance, is never mistaken for one.
pub fn id_numbers_in(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| w.len() == 18 && fupin_domain::id_number::IdNumber::parse(w).is_ok())
        .map(str::to_string)
        .collect()
}
