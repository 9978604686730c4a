//! `fupin match solve`: the 供需对接 solver on a DIMACS min-cost-flow file. Prints the optimal
//! cost as the last line (`s COST`), writes the flow to `--out`, checks the optimality
//! certificate with `--verify`. Exit 1: malformed file or failed certificate; exit 2: infeasible.

use super::*;
use fupin_matching::{dimacs, SolveError};
use std::io::BufReader;
use std::time::Instant;

pub fn solve(file: &std::path::Path, out: Option<&std::path::Path>, verify: bool) -> anyhow::Result<()> {
    let started = Instant::now();
    let input = std::fs::File::open(file).with_context(|| format!("无法打开 {}", file.display()))?;
    let net = dimacs::read(BufReader::with_capacity(1 << 20, input)).with_context(|| format!("DIMACS 文件 {} 有误", file.display()))?;
    let parsed = started.elapsed();
    let flow = match fupin_matching::solve(&net, None) {
        Ok(flow) => flow,
        Err(e @ SolveError::Infeasible(_)) => {
            eprintln!("无可行解（infeasible）：{e}");
            std::process::exit(2);
        }
        Err(e) => return Err(e).context("求解失败"),
    };
    let solved = started.elapsed();
    eprintln!(
        "{} 个节点、{} 条弧：读取 {:.2} 秒，求解 {:.2} 秒",
        net.nodes(),
        net.arcs(),
        parsed.as_secs_f64(),
        (solved - parsed).as_secs_f64()
    );
    if verify {
        fupin_matching::verify(&net, &flow).context("最优性证书校验失败")?;
        eprintln!("最优性证书校验通过（{:.2} 秒）", (started.elapsed() - solved).as_secs_f64());
    }
    if let Some(path) = out {
        let f = std::fs::File::create(path).with_context(|| format!("无法写入 {}", path.display()))?;
        dimacs::write_flow(&net, &flow, f).with_context(|| format!("无法写入 {}", path.display()))?;
    }
    println!("s {}", flow.cost);
    Ok(())
}
