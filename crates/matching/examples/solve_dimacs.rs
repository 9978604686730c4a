//! `solve_dimacs FILE [--cost-scaling]`: the solver on a DIMACS min-cost-flow file with the
//! certificate checked, for measuring the crate on its own (`fupin match solve` is the product's
//! command). Prints the phases' times on stderr and `s COST` last on stdout.

use std::io::BufReader;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let file = args.get(1).expect("usage: solve_dimacs FILE [--cost-scaling]");
    let general = args.iter().any(|a| a == "--cost-scaling");
    let started = Instant::now();
    let input = std::fs::File::open(file).expect("the DIMACS file opens");
    let net = fupin_matching::dimacs::read(BufReader::with_capacity(1 << 20, input)).expect("a valid DIMACS file");
    let parsed = started.elapsed();
    let flow = if general { fupin_matching::cost_scaling::solve_cost_scaling(&net, None) } else { fupin_matching::solve(&net, None) }
        .expect("an optimum");
    let solved = started.elapsed();
    fupin_matching::verify(&net, &flow).expect("the certificate holds");
    let verified = started.elapsed();
    eprintln!(
        "{} nodes, {} arcs: parse {:.2} s, solve {:.2} s, verify {:.2} s",
        net.nodes(),
        net.arcs(),
        parsed.as_secs_f64(),
        (solved - parsed).as_secs_f64(),
        (verified - solved).as_secs_f64()
    );
    println!("s {}", flow.cost);
}
