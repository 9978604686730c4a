//! 成效评估: how the platform judges results. `measures`: which dimensions of a household's
//! file the poverty measures read, with their weights and the Alkire–Foster cutoff. `sample`:
//! a third-party evaluation's sample of a county, drawn from a published seed.

pub mod measures;
pub mod sample;
