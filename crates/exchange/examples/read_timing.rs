//! Times `read_file` on a file, best of five (for profiling the import's parsing).
fn main() {
    let path = std::env::args().nth(1).expect("usage: read_timing FILE");
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = std::time::Instant::now();
        let parsed = fupin_exchange::read_file(std::path::Path::new(&path)).expect("reads");
        best = best.min(t.elapsed().as_secs_f64());
        std::hint::black_box(parsed);
    }
    println!("best of 5: {best:.3} s");
}
