//! What every visitor and every function shares on the web: the front page, login and logout
//! (pages and API), health and metrics.

pub mod api;
pub mod home;
pub mod ops;
pub mod pages;
pub mod todo;
