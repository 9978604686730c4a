//! 成效评估: how the platform judges results. `measures`: which dimensions of a household's
//! file the poverty measures read, with their weights and the Alkire–Foster cutoff.

pub mod measures;
