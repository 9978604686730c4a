//! The registry's operator commands: `check`, `yearly`, `export households`, `import households`.

use super::*;
use anyhow::{bail, Context};
use fupin_domain::RegionCode;
use fupin_store::prelude::*;

/// Reads, checks and applies an import; on any problem writes the report beside the input and
/// exits non-zero with nothing applied.
pub fn import(store: &dyn Store, file: &std::path::Path, username: &str) -> anyhow::Result<()> {
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

/// 数据核查 over a region, printing each kind's count and its first findings.
pub fn check(store: &dyn Store, region: &str, show: usize) -> anyhow::Result<()> {
    let region = RegionCode::parse(region)?;
    let today = business_date(store)?;
    let report = store.data_checks(&fupin_domain::access::Caller::system(RegionCode::parse("37")?), &region, today)?;
    println!("数据核查（{region}，截至{today}）：");
    for (kind, (label, n)) in &report.counts {
        println!("  {label}：{n}");
        for f in report.findings.iter().filter(|f| f.kind == *kind).take(show) {
            println!("    {} {}", f.household_id, f.message);
        }
    }
    Ok(())
}

pub fn export(store: &dyn Store, region: &str, output: &std::path::Path) -> anyhow::Result<()> {
    let region = RegionCode::parse(region)?;
    let caller = fupin_domain::access::Caller::system(RegionCode::parse("37")?);
    let started = std::time::Instant::now();
    let out = fupin_exchange::export(store, &caller, &region, output, &business_date(store)?.to_string()).map_err(anyhow::Error::msg)?;
    let files: Vec<String> = out.files.iter().map(|p| p.display().to_string()).collect();
    println!("已导出 {} 户 {} 人，用时 {:.1} 秒：{}", out.households, out.people, started.elapsed().as_secs_f64(), files.join("，"));
    Ok(())
}

/// 动态调整: the yearly update of a region, printed as counts.
pub fn yearly(store: &dyn Store, region: &str, year: Option<i32>) -> anyhow::Result<()> {
    let region = RegionCode::parse(region)?;
    let as_of = business_date(store)?;
    let year = year.unwrap_or(as_of.year);
    let started = std::time::Instant::now();
    let caller = fupin_domain::access::Caller::system(RegionCode::parse("37")?);
    let e = store.yearly_update(&caller, &region, year, as_of)?;
    let n = |k: &str| e.counts.get(k).copied().unwrap_or(0);
    println!(
        "{region} {year}年动态调整：共 {} 户，用时 {:.1} 秒（逐户研判 {:.1} 秒，数据核查 {:.1} 秒）",
        e.households,
        started.elapsed().as_secs_f64(),
        e.seconds.0,
        e.seconds.1
    );
    println!("  未脱贫且已达到退出标准：{} 户；未脱贫、尚未达标：{} 户", n("meets_exit"), n("still_poor"));
    println!("  已脱贫或未建档农户、有（返）贫风险：{} 户；稳定：{} 户；清退、迁出等其他：{} 户", n("at_risk"), n("stable"), n("other"));
    for (label, count) in e.inconsistent.values() {
        println!("  数据问题 · {label}：{count}");
    }
    Ok(())
}
