//! 成效评估's statistics. Pure computation; no I/O.
//!
//! - `poverty`: FGT P0/P1/P2 on incomes against a line, and the Alkire–Foster multidimensional
//!   index (H, A, M0) with its decomposition by group and by indicator.
//! - `survey`: design-based estimates of proportions from a stratified cluster sample (design
//!   weights, linearised variance, design effect) with 95% intervals fit for rates near zero.

pub mod poverty;
pub mod survey;
