//! 供需对接 on the web: the JSON API, the desk each side works at, and the public pages.

pub mod api;
pub mod pages;
pub mod public;
