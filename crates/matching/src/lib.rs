//! 供需对接: the optimal matcher of poor households' needs to donors' offers. Pure computation;
//! no I/O (DIMACS reading takes a `BufRead`, writing a `Write`).
//!
//! - `network`: the min-cost-flow network (compact arrays) and its builder.
//! - `cost_scaling`: the exact solver (cost-scaling push-relabel) and `SolveError`.
//! - `flow`: a solution with its node prices; `certificate`: `verify`, the optimality proof check.
//! - `dimacs`: the DIMACS min-cost-flow file format.
//! - `transport`: needs, offers and candidates → `assign`; `explain`: why each need got what it got.
//!
//! Architecture invariant: every optimum the crate returns comes with prices that `verify`
//! accepts; the tests check it after every solve.

mod bipartite;
pub mod certificate;
pub mod cost_scaling;
pub mod dimacs;
pub mod explain;
pub mod flow;
pub mod network;
pub mod transport;

#[cfg(test)]
mod reference;
#[cfg(test)]
mod tests;

pub use certificate::{verify, CertificateError};
pub use cost_scaling::{solve, SolveError};
pub use explain::{explain, Choice, Explanation};
pub use flow::Flow;
pub use network::{Arc, ArcId, Network, NetworkBuilder, NetworkError};
pub use transport::{assign, Assignment, Candidate, Instance, Need, Offer};
