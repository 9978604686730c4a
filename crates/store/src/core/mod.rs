//! What every function's store shares: the `Tx` seam (`db`), SQL with the caller's scope
//! (`query`), the ledger (`ledger`), the rollups (`rollups`) and uploaded files' bytes (`files`), as
//! free functions over
//! `&mut dyn Tx`.

pub mod db;
pub mod files;
pub mod heads;
pub mod ledger;
pub mod query;
pub mod rollups;
pub mod schema;
