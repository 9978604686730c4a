//! Abuse limits on what the public sends without logging in: so many reports per address and
//! per region reported on, so many wrong query codes per address, in a sliding window. Kept in
//! memory: a restart forgets them, which costs an abuser nothing they could not get by waiting.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Filings from one address per hour.
pub const FILINGS_PER_ADDRESS: usize = 5;
/// Filings about one region per hour (a village flooded from many addresses).
pub const FILINGS_PER_REGION: usize = 30;
/// Wrong tracking numbers or codes from one address per hour.
pub const FAILED_FOLLOWS_PER_ADDRESS: usize = 20;
pub const WINDOW: Duration = Duration::from_secs(3600);

#[derive(Default)]
pub struct Limiter {
    hits: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Limiter {
    /// Whether `key` has had fewer than `max` hits in the window (without counting one).
    pub fn allows(&self, key: &str, max: usize) -> bool {
        let mut hits = self.hits.lock().expect("not poisoned");
        let now = Instant::now();
        let q = hits.entry(key.to_string()).or_default();
        while q.front().is_some_and(|t| now.duration_since(*t) > WINDOW) {
            q.pop_front();
        }
        q.len() < max
    }

    pub fn hit(&self, key: &str) {
        let mut hits = self.hits.lock().expect("not poisoned");
        // Forget keys whose every hit is old, so the map does not grow with every address seen.
        if hits.len() > 10_000 {
            let now = Instant::now();
            hits.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) <= WINDOW));
        }
        hits.entry(key.to_string()).or_default().push_back(Instant::now());
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_key_is_refused_after_its_limit_and_others_are_not() {
        let l = super::Limiter::default();
        for _ in 0..3 {
            assert!(l.allows("a", 3));
            l.hit("a");
        }
        assert!(!l.allows("a", 3));
        assert!(l.allows("b", 3));
    }
}
