//! `fupin ledger verify [--against HEADS.json [--key HEX]]`: recompute every county's hash chain,
//! and prove that the ledger extends the chain heads the portal published then.

use fupin_store::core::heads::{signature_holds, SignedHeads};
use fupin_store::prelude::*;

/// Exit 0 when every chain is intact (and extends the file); exit 2 naming the first broken
/// event or the first chain that departs from the file; exit 1 when the file itself is refused.
pub fn verify(store: &dyn Store, against: Option<&std::path::Path>, key: Option<&str>) -> anyhow::Result<()> {
    let file: Option<SignedHeads> = match against {
        None => None,
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| anyhow::anyhow!("无法读取{}：{e}", p.display()))?;
            let f: SignedHeads =
                serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("{}不是平台公布的账本链头文件：{e}", p.display()))?;
            signature_holds(&f, key).map_err(|why| anyhow::anyhow!("{}：{why}", p.display()))?;
            Some(f)
        }
    };
    let r = store.verify_ledger()?;
    if let Some((county, seq, why)) = r.broken {
        println!("账本校验失败：县 {county} 的第 {seq} 号事件：{why}（此前已校验 {} 条链，{} 个事件）", r.chains, r.events);
        std::process::exit(2);
    }
    println!("账本完好：校验 {} 条链，{} 个事件", r.chains, r.events);
    if let Some(f) = file {
        match store.heads_departure(&f)? {
            None => println!("与 {} 公布的 {} 条链头一致：此后的账本只在其后追加，公布前的历史未被改写", f.date, f.heads.len()),
            Some((chain, why)) => {
                println!("与 {} 公布的链头不符：链 {chain}：{why}", f.date);
                std::process::exit(2);
            }
        }
    }
    Ok(())
}
