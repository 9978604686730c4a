//! Writes the benchmark's 供需对接 instance as DIMACS, deterministically from a seed:
//! `gen_transport SCALE SEED OUT` — SCALE 1 is 1,000,000 needs × 100,000 offers with 20
//! candidates per need.
//!
//! The model: villages and donors on a 1,000 km square; each need belongs to a village (50
//! needs per village) and lists 20 offers drawn from the donors in and around its village's
//! 10 km cell; cost = distance in 100 m units + a donor preference of 0–99; penalty = urgency
//! (1–5) × 100, so far or unpopular offers lose to staying unmatched. Offer capacities average
//! 9, so total capacity is ~90 % of the needs.
//!
//! Nodes: needs 1..=N (supply 1), offers N+1..=N+M, the sink N+M+1 (demand N). Arcs, in order:
//! per need its candidates (sorted by offer) then its penalty arc to the sink; then each
//! offer's arc to the sink.

use std::io::{BufWriter, Write};

struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const SIDE_KM: f64 = 1000.0;
const CELLS: usize = 100;
const CANDIDATES: usize = 20;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: gen_transport SCALE SEED OUT";
    let scale: f64 = args.get(1).and_then(|s| s.parse().ok()).expect(usage);
    let seed: u64 = args.get(2).and_then(|s| s.parse().ok()).expect(usage);
    let out = args.get(3).expect(usage);
    let needs = ((1_000_000.0 * scale) as usize).max(1);
    let offers = ((100_000.0 * scale) as usize).max(CANDIDATES);
    // Fewer cells at small scales keep ~10 donors per cell.
    let cells = ((CELLS as f64 * scale.sqrt()) as usize).clamp(1, CELLS);
    let cell_km = SIDE_KM / cells as f64;
    let mut rng = SplitMix(seed);
    let mut donor_xy = Vec::with_capacity(offers);
    let mut by_cell: Vec<Vec<u32>> = vec![Vec::new(); cells * cells];
    let cell_of = |x: f64, y: f64| ((x / cell_km) as usize).min(cells - 1) + cells * ((y / cell_km) as usize).min(cells - 1);
    for j in 0..offers {
        let (x, y) = (rng.below(1_000_000) as f64 / 1000.0, rng.below(1_000_000) as f64 / 1000.0);
        donor_xy.push((x, y));
        by_cell[cell_of(x, y)].push(j as u32);
    }
    let preference: Vec<i64> = (0..offers).map(|_| rng.below(100) as i64).collect();
    let capacity: Vec<u64> = (0..offers).map(|_| 1 + rng.below(17)).collect();
    let sink = needs + offers + 1;
    let arcs = needs * (CANDIDATES + 1) + offers;
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(out)?);
    writeln!(w, "c 供需对接 benchmark: {needs} needs, {offers} offers, {CANDIDATES} candidates per need, seed {seed}")?;
    writeln!(w, "p min {} {arcs}", sink)?;
    for i in 1..=needs {
        writeln!(w, "n {i} 1")?;
    }
    writeln!(w, "n {sink} -{needs}")?;
    let mut village = (0.0, 0.0);
    let mut pool: Vec<u32> = Vec::new();
    let mut picked: Vec<u32> = Vec::with_capacity(CANDIDATES);
    for i in 0..needs {
        if i % 50 == 0 {
            village = (rng.below(1_000_000) as f64 / 1000.0, rng.below(1_000_000) as f64 / 1000.0);
            let (cx, cy) = ((village.0 / cell_km) as i64, (village.1 / cell_km) as i64);
            pool.clear();
            let mut reach = 1;
            while pool.len() < CANDIDATES {
                pool.clear();
                for dy in -reach..=reach {
                    for dx in -reach..=reach {
                        let (x, y) = (cx + dx, cy + dy);
                        if (0..cells as i64).contains(&x) && (0..cells as i64).contains(&y) {
                            pool.extend(&by_cell[x as usize + cells * y as usize]);
                        }
                    }
                }
                reach += 1;
            }
        }
        // 20 distinct offers from the pool (a partial Fisher-Yates shuffle), sorted.
        for k in 0..CANDIDATES {
            let r = k + rng.below((pool.len() - k) as u64) as usize;
            pool.swap(k, r);
        }
        picked.clear();
        picked.extend(&pool[..CANDIDATES]);
        picked.sort_unstable();
        for &j in &picked {
            let (x, y) = donor_xy[j as usize];
            let km = ((x - village.0).powi(2) + (y - village.1).powi(2)).sqrt();
            let cost = (km * 10.0).round() as i64 + preference[j as usize];
            writeln!(w, "a {} {} 0 1 {cost}", i + 1, needs + 1 + j as usize)?;
        }
        let urgency = 1 + rng.below(5) as i64;
        writeln!(w, "a {} {sink} 0 1 {}", i + 1, urgency * 100)?;
    }
    for (j, cap) in capacity.iter().enumerate() {
        writeln!(w, "a {} {sink} 0 {cap} 0", needs + 1 + j)?;
    }
    w.flush()
}
