//! Drawing a third-party evaluation's sample: villages with probability proportional to size
//! (systematic PPS, the usual way 20–30 villages are picked in a county) and households by
//! simple random sampling within a village. `pps_inclusion` gives the inclusion probabilities
//! whose inverses are the design weights `survey` needs.
//!
//! Every draw takes a seed and runs on `rand_chacha::ChaCha8Rng::seed_from_u64`, whose output is
//! fixed by the ChaCha specification: the same seed draws the same sample on every machine and
//! every build, so a sample can be published with its seed and re-drawn by whoever checks it.
//! The draws read only the generator's raw 64-bit outputs, never `rand`'s sampling helpers,
//! whose algorithms may change from one `rand` release to the next.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SampleError {
    #[error("cannot draw {n} units from {units}")]
    TooMany { n: usize, units: usize },
    #[error("unit {index}: the size must be a positive number")]
    Size { index: usize },
}

/// `n` distinct indices out of `0..n_population`, sorted, every subset of size n equally likely
/// (Floyd's algorithm). Asking for more than the population takes it all.
pub fn draw_srs(n_population: usize, n: usize, seed: u64) -> Vec<usize> {
    let n = n.min(n_population);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut chosen = BTreeSet::new();
    for j in n_population - n..n_population {
        let t = below(&mut rng, j as u64 + 1) as usize;
        if !chosen.insert(t) {
            chosen.insert(j);
        }
    }
    chosen.into_iter().collect()
}

/// Systematic PPS: a random start in [0, T/n) and a step of T/n along the cumulated sizes, in
/// the order given — sort the list by township first and the sample spreads over townships
/// (implicit stratification). A unit at least as large as the step would be hit twice, so it
/// is taken with certainty and the step recomputed on the rest. Returns sorted indices.
pub fn draw_pps_systematic(sizes: &[f64], n: usize, seed: u64) -> Result<Vec<usize>, SampleError> {
    if let Some(index) = sizes.iter().position(|s| !(s.is_finite() && *s > 0.0)) {
        return Err(SampleError::Size { index });
    }
    if n > sizes.len() {
        return Err(SampleError::TooMany { n, units: sizes.len() });
    }
    let c = certainties(sizes, n);
    let mut chosen: Vec<usize> = (0..sizes.len()).filter(|i| c.certain[*i]).collect();
    if c.left > 0 {
        let step = c.total / c.left as f64;
        let start = unit_interval(&mut ChaCha8Rng::seed_from_u64(seed)) * step;
        let (mut cumulated, mut hits) = (0.0, 0);
        let mut last = None;
        for i in (0..sizes.len()).filter(|i| !c.certain[*i]) {
            cumulated += sizes[i];
            // Every remaining unit is smaller than the step, so at most one point lands in it.
            while hits < c.left && start + hits as f64 * step < cumulated {
                chosen.push(i);
                hits += 1;
            }
            last = Some(i);
        }
        // Rounding in the running sum can leave the last point just past the end; it belongs
        // to the last unit.
        if let (true, Some(i)) = (hits < c.left, last) {
            if !chosen.contains(&i) {
                chosen.push(i);
            }
        }
    }
    chosen.sort_unstable();
    Ok(chosen)
}

/// π_i = min(1, n·s_i/T) with the certainty units taken out and T recomputed until none is
/// left over, so Σπ = n. Units whose size is not positive get 0 (`draw_pps_systematic` refuses
/// them); n beyond the positive units takes them all.
pub fn pps_inclusion(sizes: &[f64], n: usize) -> Vec<f64> {
    let positive: Vec<f64> = sizes.iter().map(|s| if s.is_finite() && *s > 0.0 { *s } else { 0.0 }).collect();
    let n = n.min(positive.iter().filter(|s| **s > 0.0).count());
    let c = certainties(&positive, n);
    positive
        .iter()
        .zip(&c.certain)
        .map(|(s, certain)| {
            if *certain {
                1.0
            } else if c.left == 0 {
                0.0
            } else {
                c.left as f64 * s / c.total
            }
        })
        .collect()
}

struct Certainties {
    certain: Vec<bool>,
    /// Draws left for the other units, and their total size.
    left: usize,
    total: f64,
}

/// Marks every unit with n·s ≥ T as certain, then repeats on the rest. Marking all of a round
/// at once is safe: taking out a unit at least T/n in size only lowers the threshold for the
/// others, so none marked would be unmarked by a finer order.
fn certainties(sizes: &[f64], n: usize) -> Certainties {
    let mut certain = vec![false; sizes.len()];
    let mut left = n;
    loop {
        let total: f64 = sizes.iter().zip(&certain).filter(|(s, c)| !**c && **s > 0.0).map(|(s, _)| s).sum();
        if left == 0 {
            return Certainties { certain, left, total };
        }
        let step = total / left as f64;
        let mut marked = 0;
        for (s, c) in sizes.iter().zip(certain.iter_mut()) {
            if !*c && *s > 0.0 && *s >= step {
                *c = true;
                marked += 1;
            }
        }
        if marked == 0 {
            return Certainties { certain, left, total };
        }
        left -= marked.min(left);
    }
}

/// Uniform in 0..bound by rejection on the raw output (unbiased, unlike a bare modulo).
fn below(rng: &mut ChaCha8Rng, bound: u64) -> u64 {
    // 2^64 mod bound: the values below it are the ones a modulo would over-represent.
    let threshold = bound.wrapping_neg() % bound;
    loop {
        let v = rng.next_u64();
        if v >= threshold {
            return v % bound;
        }
    }
}

/// Uniform in [0, 1) from the top 53 bits.
fn unit_interval(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SIZES: [f64; 8] = [120.0, 340.0, 95.0, 410.0, 2600.0, 230.0, 180.0, 300.0];

    #[test]
    fn the_same_seed_draws_the_same_sample() {
        assert_eq!(draw_srs(500, 20, 7), draw_srs(500, 20, 7));
        assert_ne!(draw_srs(500, 20, 7), draw_srs(500, 20, 8));
        assert_eq!(draw_pps_systematic(&SIZES, 3, 7), draw_pps_systematic(&SIZES, 3, 7));
    }

    #[test]
    fn srs_draws_n_distinct_sorted_indices() {
        for seed in 0..200 {
            let s = draw_srs(37, 12, seed);
            assert_eq!(s.len(), 12);
            assert!(s.windows(2).all(|w| w[0] < w[1]) && s.iter().all(|i| *i < 37), "{s:?}");
        }
        assert_eq!(draw_srs(5, 9, 1), vec![0, 1, 2, 3, 4]);
        assert!(draw_srs(0, 3, 1).is_empty());
    }

    #[test]
    fn srs_gives_each_unit_the_same_chance() {
        let mut hits = [0usize; 10];
        for seed in 0..4000 {
            for i in draw_srs(10, 3, seed) {
                hits[i] += 1;
            }
        }
        assert!(hits.iter().all(|h| (*h as f64 / 4000.0 - 0.3).abs() < 0.03), "{hits:?}");
    }

    /// T = 4275, n = 4: the 2600 unit is over the step (1068.75) and is certain; the other
    /// seven share 3 draws over 1675.
    #[test]
    fn pps_inclusion_takes_out_certainties() {
        let pi = pps_inclusion(&SIZES, 4);
        assert_eq!(pi[4], 1.0);
        assert!((pi[3] - 3.0 * 410.0 / 1675.0).abs() < 1e-12, "{pi:?}");
        assert!((pi.iter().sum::<f64>() - 4.0).abs() < 1e-12);
        assert_eq!(pps_inclusion(&[1.0, 0.0, -2.0], 2), vec![1.0, 0.0, 0.0]);
    }

    #[test]
    fn pps_draws_match_the_inclusion_probabilities() {
        let pi = pps_inclusion(&SIZES, 4);
        let mut hits = [0usize; 8];
        for seed in 0..2000 {
            let s = draw_pps_systematic(&SIZES, 4, seed).unwrap();
            assert_eq!(s.len(), 4, "{s:?}");
            assert!(s.contains(&4), "the certainty unit is always drawn: {s:?}");
            for i in s {
                hits[i] += 1;
            }
        }
        for (h, p) in hits.iter().zip(&pi) {
            assert!((*h as f64 / 2000.0 - p).abs() < 0.03, "{hits:?} against {pi:?}");
        }
    }

    #[test]
    fn pps_refuses_what_it_cannot_draw() {
        assert_eq!(draw_pps_systematic(&SIZES, 9, 1), Err(SampleError::TooMany { n: 9, units: 8 }));
        assert_eq!(draw_pps_systematic(&[3.0, 0.0, 1.0], 1, 1), Err(SampleError::Size { index: 1 }));
        assert_eq!(draw_pps_systematic(&[3.0, -1.0], 1, 1), Err(SampleError::Size { index: 1 }));
        assert_eq!(draw_pps_systematic(&[f64::NAN], 1, 1), Err(SampleError::Size { index: 0 }));
        assert_eq!(draw_pps_systematic(&SIZES, 8, 1), Ok((0..8).collect()));
        assert_eq!(draw_pps_systematic(&SIZES, 0, 1), Ok(vec![]));
    }

    proptest! {
        #[test]
        fn inclusion_probabilities_sum_to_n(sizes in prop::collection::vec(0.1f64..1000.0, 1..40), n in 0usize..40, seed: u64) {
            let n = n.min(sizes.len());
            let pi = pps_inclusion(&sizes, n);
            prop_assert!((pi.iter().sum::<f64>() - n as f64).abs() < 1e-9);
            prop_assert!(pi.iter().all(|p| (0.0..=1.0 + 1e-12).contains(p)));
            let s = draw_pps_systematic(&sizes, n, seed).unwrap();
            prop_assert_eq!(s.len(), n);
            prop_assert!(s.windows(2).all(|w| w[0] < w[1]));
            prop_assert!(pi.iter().enumerate().filter(|(_, p)| **p >= 1.0).all(|(i, _)| s.contains(&i)));
        }
    }
}
