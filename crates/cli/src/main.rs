//! `fupin`: the one binary. `demo` builds the demo province if absent and serves it; `serve`
//! serves an existing database; `ledger verify` recomputes every hash chain.

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use fupin_demo::{BuildOptions, BuildReport};
use fupin_domain::config::Rules;
use fupin_domain::id_number::Date;
use fupin_domain::RegionCode;
use fupin_store::sql_store::SqlStore;
use fupin_store::{sqlite::Sqlite, Store, UserRecord};
use std::path::PathBuf;
use std::sync::Arc;

/// The demo build and the server allocate and free many small strings across threads, where
/// mimalloc is markedly faster than glibc's allocator (bench/RESULTS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "fupin", about = "精准扶贫大数据平台 (poverty-alleviation platform)")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(clap::Args, Clone)]
struct Db {
    /// Folder of the embedded SQLite database.
    #[arg(long, default_value = "./fupin-data")]
    data: PathBuf,
    /// A PostgreSQL URL (postgres://…) instead of the embedded database.
    #[arg(long)]
    database_url: Option<String>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Build the demo province (if absent) and serve it.
    Demo {
        #[command(flatten)]
        db: Db,
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// The business date the demo runs at.
        #[arg(long, default_value = "2017-06-30")]
        as_of: String,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        #[arg(long, default_value = "demo")]
        demo_password: String,
        /// Build only; do not serve.
        #[arg(long)]
        no_serve: bool,
    },
    /// Serve an existing database.
    Serve {
        #[command(flatten)]
        db: Db,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
    },
    /// 数据核查: list files that contradict themselves or each other.
    Check {
        #[command(flatten)]
        db: Db,
        /// Region code (default: the whole province).
        #[arg(long, default_value = "37")]
        region: String,
        /// Findings to print per kind.
        #[arg(long, default_value_t = 10)]
        show: usize,
    },
    /// 动态调整: re-evaluate every file of a region for the year.
    Evaluate {
        #[command(flatten)]
        db: Db,
        #[arg(long, default_value = "37")]
        region: String,
        /// The year whose incomes are judged (default: the business year).
        #[arg(long)]
        year: Option<i32>,
    },
    /// Export household files to xlsx or CSV (the county offices' layout).
    Export {
        #[command(subcommand)]
        what: ExportCmd,
    },
    /// Import household files from xlsx or CSV: all or nothing, with an error report.
    Import {
        #[command(subcommand)]
        what: ImportCmd,
    },
    /// The tamper-evident ledger.
    Ledger {
        #[command(subcommand)]
        cmd: LedgerCmd,
    },
}

#[derive(Subcommand)]
enum ExportCmd {
    Households {
        #[command(flatten)]
        db: Db,
        #[arg(long)]
        region: String,
        /// Output file, .xlsx or .csv (CSV writes the other tables as sibling files).
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
}

#[derive(Subcommand)]
enum ImportCmd {
    Households {
        #[command(flatten)]
        db: Db,
        file: PathBuf,
        /// The official on whose authority the files are imported (their region bounds it).
        #[arg(long)]
        user: String,
    },
}

#[derive(Subcommand)]
enum LedgerCmd {
    /// Recompute every county's hash chain; exit non-zero naming the first broken event.
    Verify {
        #[command(flatten)]
        db: Db,
    },
}

const DB_FILE: &str = "fupin.db";
/// Marks a database whose demo build finished; its value records the options used.
const DEMO_MARK: &str = "demo_complete";

fn sqlite_path(db: &Db) -> PathBuf {
    db.data.join(DB_FILE)
}

fn open(db: &Db) -> anyhow::Result<Arc<dyn Store>> {
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

fn print_report(r: &BuildReport) {
    let pct = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 * 100.0 / b as f64 };
    println!(
        "演示省份已生成：{} 个行政区划，{} 户 {} 人（官方2015年底：1,211,065户 2,423,821人），用时 {:.1} 秒",
        r.regions, r.households, r.people, r.seconds
    );
    println!("  2016年脱贫 {} 人；当前剩余贫困人口 {} 人；60岁以上 {:.1}%；因病因残 {:.1}%；低保/特困户 {:.1}%；账本事件 {} 条；帮扶责任人 {} 名",
        r.exited_people_2016, r.remaining_people, pct(r.aged_60_plus, r.people), pct(r.illness_or_disability_households, r.households),
        pct(r.dibao_or_tekun_households, r.households), r.events, r.helpers);
    let paths: Vec<String> = r.path_households.iter().map(|(p, n)| format!("{p} {:.1}%", pct(*n, r.households))).collect();
    println!("  五个一批：{}", paths.join("，"));
    println!("  另录入未建档立卡的边缘户 {} 户（防返贫监测对象的来源之一，不计入贫困人口）", r.recorded_households);
    println!("  用时分解：等待生成 {:.1} 秒，写入 {:.1} 秒，建索引 {:.1} 秒", r.phases[0], r.phases[1], r.phases[2]);
}

fn create_accounts(store: &dyn Store, r: &BuildReport, password: &str) -> anyhow::Result<()> {
    let hash = fupin_web::auth::hash_password(password);
    for a in &r.accounts {
        store.put_user(&UserRecord {
            username: a.username.clone(),
            display_name: a.display_name.clone(),
            role: a.role,
            region: RegionCode::parse(&a.region)?,
            helper_id: a.helper_id.clone(),
            password_hash: hash.clone(),
        })?;
    }
    Ok(())
}

/// Builds into a temporary file renamed into place at the end, so an interrupted build leaves
/// no database behind and a rerun starts over.
fn build_sqlite(db: &Db, opts: &BuildOptions, password: &str, mark: &str) -> anyhow::Result<BuildReport> {
    std::fs::create_dir_all(&db.data).with_context(|| format!("无法创建数据目录{}", db.data.display()))?;
    let partial = db.data.join(format!("{DB_FILE}.partial"));
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", partial.display()));
    }
    let report = fupin_demo::build(&Sqlite::open_for_bulk_build(&partial)?, opts)?;
    {
        let store = SqlStore::new(Sqlite::open(&partial)?, Rules::default())?;
        create_accounts(&store, &report, password)?;
        store.set_meta("as_of", &opts.as_of.to_string())?;
        store.set_meta(DEMO_MARK, mark)?;
        store.exec_raw("PRAGMA wal_checkpoint(TRUNCATE)").ok();
    }
    std::fs::rename(&partial, sqlite_path(db))?;
    Ok(report)
}

fn build_pg(url: &str, opts: &BuildOptions, password: &str, mark: &str) -> anyhow::Result<BuildReport> {
    let pg = fupin_store::pg::Pg::connect(url)?;
    use fupin_store::db::Backend;
    // An unfinished or older build is dropped whole: the schema may have changed.
    pg.batch(&format!("DROP TABLE IF EXISTS {}", fupin_store::schema::table_names().join(", ")))?;
    let report = fupin_demo::build(&pg, opts)?;
    let store = SqlStore::new(pg, Rules::default())?;
    create_accounts(&store, &report, password)?;
    store.set_meta("as_of", &opts.as_of.to_string())?;
    store.set_meta(DEMO_MARK, mark)?;
    Ok(report)
}

fn listen_banner(listen: &str, accounts: &[(String, String, String)], password: &str) {
    println!("\n精准扶贫大数据平台已启动： http://{listen}");
    println!("演示账号（密码均为 {password}）：");
    for (u, d, r) in accounts {
        println!("  {u:<12} {d}（{r}）");
    }
}

async fn serve(store: Arc<dyn Store>, listen: &str, banner: Option<(&[(String, String, String)], &str)>) -> anyhow::Result<()> {
    let as_of = match store.meta("as_of")? {
        Some(d) => Date::parse(&d)?,
        None => {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs() as i64 / 86_400;
            civil_from_days(now)
        }
    };
    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("无法监听{listen}"))?;
    if let Some((accounts, pw)) = banner {
        listen_banner(&listener.local_addr()?.to_string(), accounts, pw);
    } else {
        println!("精准扶贫大数据平台已启动： http://{}", listener.local_addr()?);
    }
    let demo_mode = store.meta(DEMO_MARK)?.is_some();
    fupin_web::serve(fupin_web::AppState::new(store, as_of, demo_mode), listener).await?;
    Ok(())
}

/// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm), for the real clock.
fn civil_from_days(z: i64) -> Date {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = (yoe + era * 400 + if m <= 2 { 1 } else { 0 }) as i32;
    Date::new(y, m, d).expect("valid civil date")
}

fn demo(db: &Db, scale: f64, as_of: &str, password: &str, no_serve: bool, listen: &str) -> anyhow::Result<()> {
    if !(scale > 0.0 && scale <= 5.0) {
        bail!("--scale 应在0到5之间");
    }
    let as_of = Date::parse(as_of)?;
    if as_of < Date::new(2016, 1, 1).expect("valid") {
        bail!("--as-of 应不早于2016-01-01（建档立卡完成于2015年底）");
    }
    // The schema version is part of the mark: a database built by an older release is rebuilt.
    let mark = format!("scale={scale};as_of={as_of};schema={}", fupin_store::schema::SCHEMA_VERSION);
    let existing = match &db.database_url {
        Some(url) => fupin_store::open(url, Rules::default()).ok().and_then(|s| s.meta(DEMO_MARK).ok().flatten().map(|m| (s, m))),
        None if sqlite_path(db).exists() => open(db).ok().and_then(|s| s.meta(DEMO_MARK).ok().flatten().map(|m| (s, m))),
        None => None,
    };
    let store = match existing {
        Some((s, m)) if m == mark => {
            println!("使用已生成的演示数据（{m}）");
            s
        }
        _ => {
            let opts = BuildOptions { scale, as_of, rules: Rules::default(), progress: true };
            println!("正在生成演示省份（规模 {scale}，业务日期 {as_of}）……");
            let report = match &db.database_url {
                Some(url) => build_pg(url, &opts, password, &mark)?,
                None => build_sqlite(db, &opts, password, &mark)?,
            };
            print_report(&report);
            open(db)?
        }
    };
    if !no_serve {
        let accounts: Vec<(String, String, String)> =
            ["province", "liaocheng", "yanggu", "township", "village", "helper", "department", "donor", "evaluator"]
                .iter()
                .filter_map(|u| store.user(u).ok().flatten())
                .map(|u| (u.username.clone(), u.display_name.clone(), format!("{}，{}", u.role.label(), u.region)))
                .collect();
        let rt = tokio::runtime::Runtime::new()?;
        rt.block_on(serve(store, listen, Some((&accounts, password))))?;
    }
    Ok(())
}

fn business_date(store: &dyn Store) -> anyhow::Result<Date> {
    Ok(match store.meta("as_of")? {
        Some(d) => Date::parse(&d)?,
        None => civil_from_days(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs() as i64 / 86_400),
    })
}

/// Reads, checks and applies an import; on any problem writes the report beside the input and
/// exits non-zero with nothing applied.
fn import(store: &dyn Store, file: &std::path::Path, username: &str) -> anyhow::Result<()> {
    let user = store.user(username)?.with_context(|| format!("用户{username}不存在"))?;
    let caller = fupin_web::auth::caller_of(&user);
    let started = std::time::Instant::now();
    let rejected = |errors: Vec<fupin_exchange::RowError>| -> anyhow::Result<()> {
        let report = fupin_exchange::write::report_path(file);
        fupin_exchange::write_error_report(&report, &errors).map_err(anyhow::Error::msg)?;
        eprintln!("导入未执行：发现 {} 处问题，错误报告已写入 {}", errors.len(), report.display());
        for e in errors.iter().take(20) {
            eprintln!("  {} 第{}行 {}“{}”：{}", e.sheet, e.row, e.column, e.value, e.reason);
        }
        std::process::exit(1);
    };
    let at = business_date(store)?.to_string();
    match fupin_exchange::import_file(store, &caller, file, &at) {
        Ok(o) => {
            println!(
                "导入完成：新建档 {} 户，更新 {} 户，未变化 {} 户，共 {} 人，用时 {:.1} 秒",
                o.created,
                o.updated,
                o.unchanged,
                o.people,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Err(fupin_exchange::ImportFailure::Rows(errors)) => rejected(errors),
        Err(fupin_exchange::ImportFailure::Malformed(m) | fupin_exchange::ImportFailure::Forbidden(m)) => bail!("{m}"),
    }
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.cmd {
        Cmd::Demo { db, scale, as_of, listen, demo_password, no_serve } => demo(&db, scale, &as_of, &demo_password, no_serve, &listen),
        Cmd::Serve { db, listen } => open(&db).and_then(|store| {
            if store.meta(DEMO_MARK)?.is_none() && store.meta("schema_version")?.is_none() {
                bail!("数据库未完成初始化");
            }
            tokio::runtime::Runtime::new()?.block_on(serve(store, &listen, None))
        }),
        Cmd::Check { db, region, show } => open(&db).and_then(|store| {
            let region = RegionCode::parse(&region)?;
            let today = match store.meta("as_of")? {
                Some(d) => Date::parse(&d)?,
                None => civil_from_days(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs() as i64 / 86_400),
            };
            let report = store.data_checks(&fupin_domain::access::Caller::system(RegionCode::parse("37")?), &region, today)?;
            println!("数据核查（{region}，截至{today}）：");
            for (kind, (label, n)) in &report.counts {
                println!("  {label}：{n}");
                for f in report.findings.iter().filter(|f| f.kind == *kind).take(show) {
                    println!("    {} {}", f.household_id, f.message);
                }
            }
            Ok(())
        }),
        Cmd::Export { what: ExportCmd::Households { db, region, output } } => open(&db).and_then(|store| {
            let region = RegionCode::parse(&region)?;
            let caller = fupin_domain::access::Caller::system(RegionCode::parse("37")?);
            let started = std::time::Instant::now();
            let out = fupin_exchange::export(&*store, &caller, &region, &output).map_err(anyhow::Error::msg)?;
            let files: Vec<String> = out.files.iter().map(|p| p.display().to_string()).collect();
            println!(
                "已导出 {} 户 {} 人，用时 {:.1} 秒：{}",
                out.households,
                out.people,
                started.elapsed().as_secs_f64(),
                files.join("，")
            );
            Ok(())
        }),
        Cmd::Evaluate { db, region, year } => open(&db).and_then(|store| {
            let region = RegionCode::parse(&region)?;
            let as_of = business_date(&*store)?;
            let year = year.unwrap_or(as_of.year);
            let started = std::time::Instant::now();
            let caller = fupin_domain::access::Caller::system(RegionCode::parse("37")?);
            let e = store.evaluate(&caller, &region, year, as_of)?;
            let n = |k: &str| e.counts.get(k).copied().unwrap_or(0);
            println!(
                "{region} {year}年动态调整：共 {} 户，用时 {:.1} 秒（逐户研判 {:.1} 秒，数据核查 {:.1} 秒）",
                e.households,
                started.elapsed().as_secs_f64(),
                e.seconds.0,
                e.seconds.1
            );
            println!("  未脱贫且已达到退出标准：{} 户；未脱贫、尚未达标：{} 户", n("meets_exit"), n("still_poor"));
            println!(
                "  已脱贫或未建档农户、有（返）贫风险：{} 户；稳定：{} 户；清退、迁出等其他：{} 户",
                n("at_risk"),
                n("stable"),
                n("other")
            );
            for (label, count) in e.inconsistent.values() {
                println!("  数据问题 · {label}：{count}");
            }
            Ok(())
        }),
        Cmd::Import { what: ImportCmd::Households { db, file, user } } => open(&db).and_then(|store| import(&*store, &file, &user)),
        Cmd::Ledger { cmd: LedgerCmd::Verify { db } } => open(&db).and_then(|store| {
            let r = store.verify_ledger()?;
            match r.broken {
                None => {
                    println!("账本完好：校验 {} 条链，{} 个事件", r.chains, r.events);
                    Ok(())
                }
                Some((county, seq, why)) => {
                    println!("账本校验失败：县 {county} 的第 {seq} 号事件：{why}（此前已校验 {} 条链，{} 个事件）", r.chains, r.events);
                    std::process::exit(2);
                }
            }
        }),
    };
    if let Err(e) = result {
        eprintln!("错误：{e:#}");
        std::process::exit(1);
    }
}
