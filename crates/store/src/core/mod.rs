//! What every function's store shares: the `Tx` seam (`db`), SQL with the caller's scope
//! (`query`), the ledger (`ledger`) and the rollups (`rollups`), as free functions over
//! `&mut dyn Tx`.

pub mod db;
pub mod ledger;
pub mod query;
pub mod rollups;
pub mod schema;
