//! 调度监督 on the web: so far 监督举报 — the public's pages and API (`public.rs`, `api.rs`),
//! the units' desk (`pages.rs`), and the abuse limits on what the public sends (`limits.rs`).

pub mod api;
pub mod limits;
pub mod pages;
pub mod public;
