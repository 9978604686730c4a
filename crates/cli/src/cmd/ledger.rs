//! `fupin ledger verify`: recompute every county's hash chain.

use fupin_store::prelude::*;

/// Exit 0 when every chain is intact; exit 2 naming the first broken event.
pub fn verify(store: &dyn Store) -> anyhow::Result<()> {
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
}
