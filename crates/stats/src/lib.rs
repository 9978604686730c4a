//! 成效评估's statistics. Pure computation; no I/O.
//!
//! - `poverty`: FGT P0/P1/P2 on incomes against a line, and the Alkire–Foster multidimensional
//!   index (H, A, M0) with its decomposition by group and by indicator.
//! - `survey`: design-based estimates of proportions from a stratified cluster sample (design
//!   weights, linearised variance, design effect) with intervals fit for rates near zero
//!   (Korn–Graubard by default, Wilson, Clopper–Pearson).
//! - `sample`: seeded, reproducible draws of that sample: systematic PPS with certainty units,
//!   its inclusion probabilities, and simple random sampling.

pub mod poverty;
pub mod sample;
pub mod survey;
