//! 政策发布 on the web: the public policy portal with Chinese full-text search, each document
//! with its revision chain, and the officials' desk for the lifecycle.

pub mod api;
pub mod index;
pub mod pages;
pub mod search;
