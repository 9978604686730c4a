//! 成效评估: how the platform judges results. `measures`: which dimensions of a household's
//! file the poverty measures read, with their weights and the Alkire–Foster cutoff. `sample`:
//! a third-party evaluation's sample of a county, drawn from a published seed. `field`: what
//! is found at each sampled household, and the exit verdict from the rates and their intervals.

pub mod field;
pub mod measures;
pub mod sample;
