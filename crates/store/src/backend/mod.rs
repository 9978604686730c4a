//! The two databases beneath the `Tx` seam: what differs per backend lives here and nowhere else.

pub mod pg;
pub mod sqlite;
