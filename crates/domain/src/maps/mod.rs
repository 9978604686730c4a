//! 三张图: what a file contributes to the maintained counters that every map and dashboard reads.

pub mod rollup;
