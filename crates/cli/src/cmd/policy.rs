//! `fupin policy reindex`: the policies' full-text index rebuilt from the database.

use super::*;

pub fn reindex(store: Arc<dyn Store>, dir: &std::path::Path) -> anyhow::Result<()> {
    let index = fupin_search::PolicyIndex::open(dir).with_context(|| format!("无法打开索引目录{}", dir.display()))?;
    let stamp = store.policy_stamp()?;
    let started = std::time::Instant::now();
    let docs = fupin_web::policy::index::published_docs(&*store)?;
    let total = docs.len();
    let n = index.rebuild(docs, &stamp, |n| {
        if n % 1000 == 0 {
            eprintln!("  已索引 {n}/{total}");
        }
    })?;
    println!("政策全文索引已重建：{n} 件已发布文件，用时 {:.1} 秒（{}）", started.elapsed().as_secs_f64(), dir.display());
    Ok(())
}
