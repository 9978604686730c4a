//! 调度监督 on the web: 监督举报 — the public's pages and API (`public.rs`, `api.rs`), the units'
//! desk (`pages.rs`), and the abuse limits on what the public sends (`limits.rs`); 重点工作任务
//! — the officials' tasks, their split and progress, the bulletin (`tasks.rs`).

pub mod api;
pub mod limits;
pub mod pages;
pub mod public;
pub mod tasks;
