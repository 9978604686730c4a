//! `fupin demo`: build the demo province if absent (or built by an older release), then serve it.

use super::*;
use anyhow::{bail, Context};
use fupin_demo::{BuildOptions, BuildReport};
use fupin_domain::config::Rules;
use fupin_domain::id_number::Date;
use fupin_store::prelude::*;
use fupin_store::sql_store::SqlStore;
use fupin_store::sqlite::Sqlite;

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
        store.put_user(&a.user_record(store, &hash)?)?;
    }
    Ok(())
}

/// What the other functions hold in the demo, through the store's commands on either backend:
/// policies, visits, 供需对接 (needs in every county, scaled with the province), 监督举报, 重点工作任务, 扶贫资金 and
/// 第三方评估 (three counties of 聊城市 sampled, two with their field work done).
fn seed_functions(store: &dyn fupin_store::Store, opts: &BuildOptions, data: &std::path::Path) -> anyhow::Result<()> {
    let n = fupin_demo::policies::seed_demo(store, opts.as_of)?;
    println!("  政策文件 {n} 件（省、市、县，经起草、送审、审核发布）");
    let v = fupin_demo::visits::seed_demo(store, opts.as_of)?;
    println!("  演示账号的帮扶户和本村贫困户走访记录 {v} 条");
    let per_county = ((opts.scale * 8.0).round() as usize).clamp(1, 8);
    let m = fupin_demo::matching::seed_demo(store, opts.as_of, per_county)?;
    let states: Vec<String> = m.matches.iter().map(|(s, n)| format!("{s}{n}")).collect();
    println!("  供需对接：帮扶主体 {} 个，资源 {} 项，需求 {} 条，对接 {}", m.donors, m.offers, m.needs, states.join("、"));
    let r = fupin_demo::supervision::seed_demo(store, opts.as_of, per_county)?;
    let states: Vec<String> = r.reports.iter().map(|(s, n)| format!("{s}{n}")).collect();
    println!("  监督举报 {} 件：{}", r.reports.values().sum::<usize>(), states.join("、"));
    let t = fupin_demo::tasks::seed_demo(store, opts.as_of)?;
    println!("  重点工作任务 {} 项，逐级分解目标 {} 个，进度填报 {} 次", t.tasks, t.targets, t.reports);
    let f = fupin_demo::funds::seed_demo(store, opts.as_of)?;
    println!("  扶贫资金：因素法分配方案 {} 个，扶贫项目 {} 个，拨付 {} 笔", f.allocations, f.projects, f.payments);
    let e = fupin_demo::evaluation::seed_demo(store, opts.as_of, opts.scale)?;
    println!("  第三方评估 {} 个县，入户调查结果 {} 户（错退 {} 户，漏评 {} 户）", e.evaluations, e.results, e.wrong_exits, e.omitted);
    let background = ((opts.scale * 20_000.0).round() as usize).clamp(2_000, 20_000);
    super::integrity::seed_demo(store, &data.join("registers"), opts.as_of, background)?;
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
        seed_functions(&store, opts, &db.data)?;
        store.set_meta("as_of", &opts.as_of.to_string())?;
        store.set_meta(DEMO_MARK, mark)?;
        store.exec_raw("PRAGMA wal_checkpoint(TRUNCATE)").ok();
    }
    std::fs::rename(&partial, sqlite_path(db))?;
    Ok(report)
}

fn build_pg(url: &str, data: &std::path::Path, opts: &BuildOptions, password: &str, mark: &str) -> anyhow::Result<BuildReport> {
    let pg = fupin_store::pg::Pg::connect(url)?;
    use fupin_store::core::db::Backend;
    // An unfinished or older build is dropped whole: the schema may have changed.
    pg.batch(&format!("DROP TABLE IF EXISTS {}", fupin_store::schema::table_names().join(", ")))?;
    let report = fupin_demo::build(&pg, opts)?;
    let store = SqlStore::new(pg, Rules::default())?;
    create_accounts(&store, &report, password)?;
    seed_functions(&store, opts, data)?;
    store.set_meta("as_of", &opts.as_of.to_string())?;
    store.set_meta(DEMO_MARK, mark)?;
    Ok(report)
}

pub fn demo(db: &Db, scale: f64, as_of: &str, password: &str, no_serve: bool, listen: &str) -> anyhow::Result<()> {
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
                Some(url) => build_pg(url, &db.data, &opts, password, &mark)?,
                None => build_sqlite(db, &opts, password, &mark)?,
            };
            print_report(&report);
            open(db)?
        }
    };
    if !no_serve {
        let accounts: super::serve::Accounts =
            ["province", "liaocheng", "yanggu", "township", "village", "helper", "department", "donor", "evaluator"]
                .iter()
                .filter_map(|u| store.user(u).ok().flatten())
                .map(|u| (u.username.clone(), u.display_name.clone(), format!("{}，{}", u.role.label(), u.region)))
                .collect();
        super::serve::serve(store, listen, None, Some((&accounts, password)), &index_dir(db))?;
    }
    Ok(())
}
