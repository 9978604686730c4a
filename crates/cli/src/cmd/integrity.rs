//! 大数据比对's operator commands: `registers match` (a department's register against the
//! region's poor households, all or nothing) and `registers synth` (a register with members of
//! the database planted among strangers, for trying the match and for the benchmark); and the
//! demo's five registers, written beside the database and matched.

use super::*;
use fupin_domain::access::Caller;
use fupin_domain::integrity::RegisterKind;
use fupin_domain::RegionCode;
use std::path::Path;

fn caller(store: &dyn Store, user: Option<&str>) -> anyhow::Result<Caller> {
    match user {
        Some(u) => Ok(fupin_web::auth::caller_of(&store.user(u)?.with_context(|| format!("用户{u}不存在"))?)),
        None => Ok(Caller::system(RegionCode::parse("37")?)),
    }
}

/// Matches `input` and prints the rows read and the matches; on problems writes the report
/// beside the input and exits non-zero with nothing recorded.
pub fn run(store: &dyn Store, kind: &str, input: &Path, user: Option<&str>) -> anyhow::Result<()> {
    let kind = RegisterKind::parse(kind)?;
    let caller = caller(store, user)?;
    let at = business_date(store)?.to_string();
    let name = input.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    match fupin_exchange::register::match_register(store, &caller, kind, input, &name, &at) {
        Ok(o) => {
            let b = &o.batch;
            println!(
                "{}比对完成（批次{}）：读取 {} 行，与 {} 名在册成员比对，命中 {} 人（新增 {}），用时 {:.2} 秒",
                kind.label(),
                b.id,
                b.rows,
                o.people,
                b.matched,
                b.new_matches,
                o.seconds
            );
            Ok(())
        }
        Err(fupin_exchange::ImportFailure::Rows(errors)) => {
            let report = fupin_exchange::write::report_path(input);
            fupin_exchange::write_error_report(&report, &errors).map_err(anyhow::Error::msg)?;
            eprintln!("比对未执行：发现 {} 处问题，错误报告已写入 {}", errors.len(), report.display());
            for e in errors.iter().take(20) {
                eprintln!("  {} 第{}行 {}“{}”：{}", e.sheet, e.row, e.column, e.value, e.reason);
            }
            std::process::exit(1);
        }
        Err(fupin_exchange::ImportFailure::Malformed(m) | fupin_exchange::ImportFailure::Forbidden(m)) => bail!("{m}"),
    }
}

/// Writes a register of `rows` strangers with `rate` of ten thousand poor households' members planted.
pub fn synth(store: &dyn Store, kind: &str, rows: usize, rate: u64, output: &Path) -> anyhow::Result<()> {
    let kind = RegisterKind::parse(kind)?;
    let started = std::time::Instant::now();
    let planted = fupin_demo::registers::plant(store, kind, rate)?;
    let counties = fupin_demo::registers::county_codes(store)?;
    if counties.is_empty() {
        bail!("数据库中没有县级区划");
    }
    let n = fupin_demo::registers::write(output, kind, business_date(store)?, &counties, rows, &planted, 20_170_315)?;
    println!("已写入{} {} 行（其中在册成员 {} 人），用时 {:.1} 秒：{}", kind.label(), n, planted.len(), started.elapsed().as_secs_f64(), output.display());
    Ok(())
}

/// The demo's registers in `dir`, matched over the province; a few verified in 阳谷县.
pub fn seed_demo(store: &dyn Store, dir: &Path, as_of: fupin_domain::id_number::Date, background: usize) -> anyhow::Result<()> {
    let system = Caller::system(RegionCode::parse("37")?);
    let index = store.people_index(&system)?;
    let mut found = vec![];
    for (kind, path) in fupin_demo::registers::write_demo(store, dir, as_of, background)? {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let o = fupin_exchange::register::match_register_in(store, &system, &index, kind, &path, &name, &as_of.to_string())
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        found.push(format!("{}{}", kind.label(), o.batch.matched));
    }
    let verified = fupin_demo::registers::verify_some(store, as_of)?;
    println!("  大数据比对：五类部门数据各 {background} 余行，命中 {}，已核实 {verified} 条", found.join("、"));
    Ok(())
}
