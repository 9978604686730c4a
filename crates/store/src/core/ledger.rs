//! The tamper-evident ledger: one SHA-256 hash chain per county. Each event's hash covers the
//! previous hash and the event's canonical bytes, so changing, dropping or reordering any
//! stored event breaks every link after it.

use crate::core::db::{Row, Tx, Val};
use crate::StoreError;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicUsize, Ordering};

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An event as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    pub county_code: String,
    pub seq: i64,
    pub household_id: String,
    pub kind: String,
    pub actor: String,
    /// Business time (the clock the workflows run on), `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS`.
    pub at: String,
    pub reason: String,
    /// JSON: `{"before": …, "after": …}` of what changed.
    pub payload: String,
    pub prev_hash: String,
    pub hash: String,
}

pub const EVENT_COLS: &[&str] = &["county_code", "seq", "household_id", "kind", "actor", "at", "reason", "payload", "prev_hash", "hash"];

impl Event {
    /// An event not yet on a chain (`append` or `chain` gives it its place and hash).
    pub fn new(county_code: &str, household_id: &str, kind: &str, actor: &str, at: &str, reason: &str, payload: String) -> Event {
        Event {
            county_code: county_code.to_string(),
            seq: 0,
            household_id: household_id.to_string(),
            kind: kind.to_string(),
            actor: actor.to_string(),
            at: at.to_string(),
            reason: reason.to_string(),
            payload,
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    /// Fills `seq`, `prev_hash` and `hash` as the next link after `(prev_seq, prev_hash)`.
    pub fn chain(&mut self, prev_seq: i64, prev_hash: &str) {
        self.seq = prev_seq + 1;
        self.prev_hash = prev_hash.to_string();
        self.hash = self.compute_hash();
    }

    pub fn compute_hash(&self) -> String {
        hex::encode(self.digest())
    }

    /// Whether the stored `hash` is this event's hash, without allocating: the check runs once
    /// per event of the province.
    fn hash_matches(&self) -> bool {
        let mut hex = [0u8; 64];
        hex::encode_to_slice(self.digest(), &mut hex).is_ok() && hex == self.hash.as_bytes()
    }

    fn digest(&self) -> [u8; 32] {
        let mut d = Sha256::new();
        d.update(self.prev_hash.as_bytes());
        let mut seq = [0u8; 20];
        for part in [
            self.county_code.as_bytes(),
            decimal(self.seq, &mut seq),
            self.household_id.as_bytes(),
            self.kind.as_bytes(),
            self.actor.as_bytes(),
            self.at.as_bytes(),
            self.reason.as_bytes(),
            self.payload.as_bytes(),
        ] {
            // Length-prefixed so that no two different events share canonical bytes.
            d.update((part.len() as u64).to_be_bytes());
            d.update(part);
        }
        d.finalize().into()
    }

    pub fn row(&self) -> Vec<Val> {
        vec![
            self.county_code.as_str().into(),
            self.seq.into(),
            self.household_id.as_str().into(),
            self.kind.as_str().into(),
            self.actor.as_str().into(),
            self.at.as_str().into(),
            self.reason.as_str().into(),
            self.payload.as_str().into(),
            self.prev_hash.as_str().into(),
            self.hash.as_str().into(),
        ]
    }

    pub fn from_row(r: &Row) -> Result<Event, StoreError> {
        Ok(Event {
            county_code: r.text(0)?,
            seq: r.int(1)?,
            household_id: r.text(2)?,
            kind: r.text(3)?,
            actor: r.text(4)?,
            at: r.text(5)?,
            reason: r.text(6)?,
            payload: r.text(7)?,
            prev_hash: r.text(8)?,
            hash: r.text(9)?,
        })
    }

    /// `from_row` for a row the caller is done with: the texts are moved, not copied.
    fn from_owned_row(r: Row) -> Result<Event, StoreError> {
        let seq = r.int(1)?;
        // As strict as `from_row`: every other column holds text.
        for i in (0..EVENT_COLS.len()).filter(|&i| i != 1) {
            r.str(i)?;
        }
        let mut texts = r.vals.into_iter().map(|v| match v {
            Val::Text(s) => s,
            _ => String::new(),
        });
        let mut next = || texts.next().unwrap_or_default();
        Ok(Event {
            county_code: next(),
            seq: {
                next();
                seq
            },
            household_id: next(),
            kind: next(),
            actor: next(),
            at: next(),
            reason: next(),
            payload: next(),
            prev_hash: next(),
            hash: next(),
        })
    }
}

/// `n` in decimal exactly as `i64::to_string` writes it (the canonical bytes of `seq`), on the stack.
fn decimal(n: i64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    let mut m = n.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (m % 10) as u8;
        m /= 10;
        if m == 0 {
            break;
        }
    }
    if n < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    &buf[i..]
}

/// The chain an event about `region` goes on: its county's, or a city's or the province's own
/// (what happens above the county has no county to hang on).
pub fn chain_of(region: &fupin_domain::RegionCode) -> String {
    region.county().unwrap_or_else(|| region.clone()).as_str().to_string()
}

/// Appends `ev` to its county's chain inside the caller's transaction. The head row is bumped
/// with an UPDATE first, which takes its row lock on PostgreSQL (SQLite's writer lock already
/// serializes), so two concurrent appends to one county cannot fork the chain.
pub fn append(tx: &mut dyn Tx, ev: &mut Event) -> Result<(), StoreError> {
    let county: Val = ev.county_code.as_str().into();
    tx.exec(
        "INSERT INTO chain_heads (county_code, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (county_code) DO NOTHING",
        &[county.clone(), GENESIS.into()],
    )?;
    let head = tx
        .query_one("UPDATE chain_heads SET seq = seq + 1 WHERE county_code = $1 RETURNING seq, hash", std::slice::from_ref(&county))?
        .ok_or_else(|| StoreError::Db("chain head vanished".into()))?;
    ev.chain(head.int(0)? - 1, &head.text(1)?);
    tx.exec("UPDATE chain_heads SET hash = $1 WHERE county_code = $2", &[ev.hash.as_str().into(), county])?;
    let params: Vec<String> = (1..=EVENT_COLS.len()).map(|i| format!("${i}")).collect();
    let sql = format!("INSERT INTO ledger ({}) VALUES ({})", EVENT_COLS.join(", "), params.join(", "));
    tx.exec(&sql, &ev.row())?;
    Ok(())
}

/// Appends events to their counties' chains in one go (each county's in the given order):
/// one head bump per county and multi-row inserts, for imports of many new files.
pub fn append_many(tx: &mut dyn Tx, events: &mut [Event]) -> Result<(), StoreError> {
    let mut counties: Vec<String> = events.iter().map(|e| e.county_code.clone()).collect();
    counties.sort_unstable();
    counties.dedup();
    for county in counties {
        let n = events.iter().filter(|e| e.county_code == county).count() as i64;
        let c: Val = county.as_str().into();
        tx.exec(
            "INSERT INTO chain_heads (county_code, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (county_code) DO NOTHING",
            &[c.clone(), GENESIS.into()],
        )?;
        let head = tx
            .query_one("UPDATE chain_heads SET seq = seq + $1 WHERE county_code = $2 RETURNING seq, hash", &[n.into(), c.clone()])?
            .ok_or_else(|| StoreError::Db("chain head vanished".into()))?;
        let (mut seq, mut hash) = (head.int(0)? - n, head.text(1)?);
        for ev in events.iter_mut().filter(|e| e.county_code == county) {
            ev.chain(seq, &hash);
            (seq, hash) = (ev.seq, ev.hash.clone());
        }
        tx.exec("UPDATE chain_heads SET hash = $1 WHERE county_code = $2", &[hash.into(), c])?;
    }
    crate::core::db::insert_many(tx, "ledger", EVENT_COLS, events.iter().map(Event::row))
}

/// The outcome of recomputing every chain.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VerifyReport {
    pub chains: u64,
    pub events: u64,
    /// The first broken link: `(county, seq, what is wrong)`.
    pub broken: Option<(String, i64, String)>,
}

/// A broken link: the seq where a chain goes wrong, and why (in Chinese, for the report).
pub type Broken = (i64, String);

/// Checks one county's events as they come, in seq order, against each other and at the end
/// against the published head. It keeps only the last link, so memory does not grow with the
/// chain: the chain can be fed page by page.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    prev: String,
    expected_seq: i64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier { prev: GENESIS.to_string(), expected_seq: 1 }
    }
}

impl ChainVerifier {
    /// The next event of the chain; the first error is the chain's first broken link.
    pub fn feed(&mut self, ev: &Event) -> Result<(), Broken> {
        if ev.seq != self.expected_seq {
            return Err((ev.seq, format!("序号不连续：应为{}，实为{}", self.expected_seq, ev.seq)));
        }
        if ev.prev_hash != self.prev {
            return Err((ev.seq, "前序哈希与上一事件不符".into()));
        }
        if !ev.hash_matches() {
            return Err((ev.seq, "事件内容与哈希不符（内容被改动）".into()));
        }
        self.prev.clear();
        self.prev.push_str(&ev.hash);
        self.expected_seq += 1;
        Ok(())
    }

    /// Compares the last event fed with the chain head `(seq, hash)`: a head ahead of the events
    /// means events were dropped from the end. Gives the number of events fed.
    pub fn finish(self, (seq, hash): (i64, &str)) -> Result<u64, Broken> {
        if seq != self.expected_seq - 1 || hash != self.prev {
            return Err((seq, format!("链头（序号{seq}）与最后一个事件不符：事件被删除或链头被改动")));
        }
        Ok((self.expected_seq - 1) as u64)
    }
}

/// Events per query when reading a chain: a few MB per reader however long the chain is.
const PAGE: usize = 2_000;

/// What the check of one county's chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainCheck {
    /// Every event links and the head matches the last one: the number of events.
    Intact(u64),
    /// Events without a published head (the head row was deleted).
    NoHead,
    Broken(i64, String),
}

/// Checks one county's chain inside the caller's (read) transaction: the head, then the events
/// in pages by seq, on the primary key `(county_code, seq)`. Head and events come from the one
/// transaction, so on SQLite an append committed meanwhile is seen by neither.
pub fn check_county(tx: &mut dyn Tx, county: &str) -> Result<ChainCheck, StoreError> {
    let c: Val = county.into();
    let Some(head) = tx.query_one("SELECT seq, hash FROM chain_heads WHERE county_code = $1", std::slice::from_ref(&c))? else {
        return Ok(ChainCheck::NoHead);
    };
    let sql = format!("SELECT {} FROM ledger WHERE county_code = $1 AND seq > $2 ORDER BY seq LIMIT {PAGE}", EVENT_COLS.join(", "));
    let mut verifier = ChainVerifier::default();
    let mut after = 0;
    loop {
        let rows = tx.query(&sql, &[c.clone(), after.into()])?;
        let full = rows.len() == PAGE;
        for r in rows {
            // A row that does not even decode (a NULL written over a hash) is a broken link too.
            let seq = r.opt_int(1).ok().flatten().unwrap_or(after + 1);
            let ev = match Event::from_owned_row(r) {
                Ok(ev) => ev,
                Err(e) => return Ok(ChainCheck::Broken(seq, format!("事件无法读取：{e}"))),
            };
            if let Err((seq, why)) = verifier.feed(&ev) {
                return Ok(ChainCheck::Broken(seq, why));
            }
            after = ev.seq;
        }
        if !full {
            break;
        }
    }
    Ok(match verifier.finish((head.int(0)?, head.str(1)?)) {
        Ok(n) => ChainCheck::Intact(n),
        Err((seq, why)) => ChainCheck::Broken(seq, why),
    })
}

/// Checks the counties' chains (in county order) on `workers` threads, each county with
/// `check` (its own read transaction), and reports as one pass in that order would: the first
/// broken chain in county order, with the chains and events counted before it. Counties after
/// a broken one are skipped once it is found.
pub fn verify_counties(
    counties: &[String],
    workers: usize,
    check: impl Fn(&str) -> Result<ChainCheck, StoreError> + Sync,
) -> Result<VerifyReport, StoreError> {
    let next = AtomicUsize::new(0);
    // The lowest index whose outcome ends the report (a broken chain or an error).
    let stop = AtomicUsize::new(usize::MAX);
    let worker = || {
        let mut done = vec![];
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= counties.len() || i > stop.load(Ordering::Relaxed) {
                return done;
            }
            let outcome = check(&counties[i]);
            if !matches!(outcome, Ok(ChainCheck::Intact(_))) {
                stop.fetch_min(i, Ordering::Relaxed);
            }
            done.push((i, outcome));
        }
    };
    let mut outcomes: Vec<Option<Result<ChainCheck, StoreError>>> = (0..counties.len()).map(|_| None).collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers.clamp(1, counties.len().max(1))).map(|_| s.spawn(worker)).collect();
        for h in handles {
            for (i, outcome) in h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)) {
                outcomes[i] = Some(outcome);
            }
        }
    });
    // Indexes are claimed in order and `stop` only falls, so every county up to the first one
    // that ends the report has an outcome.
    let mut report = VerifyReport::default();
    for (county, outcome) in counties.iter().zip(outcomes) {
        match outcome.expect("counties before the first broken one are all checked")? {
            ChainCheck::Intact(n) => {
                report.chains += 1;
                report.events += n;
            }
            ChainCheck::NoHead => {
                report.broken = Some((county.clone(), 0, "缺少链头".into()));
                break;
            }
            ChainCheck::Broken(seq, why) => {
                report.chains += 1;
                report.broken = Some((county.clone(), seq, why));
                break;
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(n: i64) -> Event {
        Event {
            county_code: "371521".into(),
            seq: 0,
            household_id: format!("37152110100100{n:02}"),
            kind: "edit_fields".into(),
            actor: "village".into(),
            at: "2017-06-30".into(),
            reason: String::new(),
            payload: "{}".into(),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    fn chain(n: i64) -> Vec<Event> {
        let mut out: Vec<Event> = vec![];
        for i in 0..n {
            let mut e = ev(i);
            let (s, h) = out.last().map(|p| (p.seq, p.hash.clone())).unwrap_or((0, GENESIS.to_string()));
            e.chain(s, &h);
            out.push(e);
        }
        out
    }

    /// Feeds the events in pages of `page`, as `check_county` reads them.
    fn feed_paged(events: &[Event], page: usize) -> Result<ChainVerifier, Broken> {
        let mut v = ChainVerifier::default();
        for p in events.chunks(page) {
            for e in p {
                v.feed(e)?;
            }
        }
        Ok(v)
    }

    fn verify(events: &[Event], head: (i64, &str)) -> Result<u64, Broken> {
        feed_paged(events, events.len().max(1))?.finish(head)
    }

    #[test]
    fn intact_chain_verifies() {
        let c = chain(5);
        assert_eq!(verify(&c, (5, &c[4].hash)), Ok(5));
        assert_eq!(verify(&[], (0, GENESIS)), Ok(0));
    }

    #[test]
    fn edits_drops_and_truncation_are_caught() {
        let mut c = chain(5);
        c[2].payload = "{\"x\":1}".into();
        assert_eq!(feed_paged(&c, 5).unwrap_err().0, 3);

        let mut c = chain(5);
        c.remove(1);
        let (seq, why) = feed_paged(&c, 5).unwrap_err();
        assert_eq!((seq, why.as_str()), (3, "序号不连续：应为2，实为3"));

        let mut c = chain(5);
        c[3].prev_hash = c[1].hash.clone();
        assert_eq!(feed_paged(&c, 5).unwrap_err(), (4, "前序哈希与上一事件不符".to_string()));

        let c = chain(5);
        assert_eq!(verify(&c[..4], (5, &c[4].hash)).unwrap_err().0, 5);
        assert_eq!(verify(&c, (5, &c[3].hash)).unwrap_err().0, 5, "a head whose hash was changed");
    }

    #[test]
    fn paged_feeding_finds_the_same_as_one_pass() {
        let c = chain(23);
        for page in [1, 2, 7, 22, 23, 100] {
            assert_eq!(feed_paged(&c, page).and_then(|v| v.finish((23, &c[22].hash))), Ok(23), "page {page}");
        }
        let mut bad = chain(23);
        bad[15].reason = "篡改".into();
        for page in [1, 4, 15, 16, 23] {
            assert_eq!(feed_paged(&bad, page).unwrap_err().0, 16, "page {page}");
        }
    }

    /// The hashes are stored: the canonical bytes must never change. These two were computed
    /// independently (SHA-256 of the prev hash and each length-prefixed part).
    #[test]
    fn hashes_are_unchanged() {
        let mut e = Event::new("371521", "371521101001001", "edit_fields", "village", "2017-06-30", "调整", "{\"x\":1}".into());
        e.chain(0, GENESIS);
        assert_eq!(e.hash, "3d78dab2993eb02c31bb88249d3b36c5c3e18e49e5d2beefd81a9b1436ce1277");
        let mut e = Event::new("371521", "", "k", "", "", "", String::new());
        e.seq = -12;
        e.prev_hash = GENESIS.into();
        assert_eq!(e.compute_hash(), "7a1c01e5e35aaa5b6d093565d0f5ba8aa4ade487de4fb528dafb7db5eda22fc1");
        assert!(!e.hash_matches());
        e.hash = e.compute_hash();
        assert!(e.hash_matches());
        for n in [0, 7, 10, 99, 1_000_001, -1, i64::MAX, i64::MIN] {
            assert_eq!(decimal(n, &mut [0; 20]), n.to_string().as_bytes());
        }
    }

    #[test]
    fn parallel_counties_report_the_first_broken_in_county_order() {
        let counties: Vec<String> = (0..40).map(|i| format!("3715{i:02}")).collect();
        let check = |broken: &'static [&'static str]| {
            move |c: &str| {
                // Later counties answer sooner, so a broken one late in the order is found first.
                std::thread::sleep(std::time::Duration::from_micros(40 * (40 - c[4..].parse::<u64>().unwrap())));
                Ok(match c {
                    "371507" if broken.contains(&c) => ChainCheck::NoHead,
                    c if broken.contains(&c) => ChainCheck::Broken(3, "坏".into()),
                    _ => ChainCheck::Intact(10),
                })
            }
        };
        for workers in [1, 2, 8] {
            let r = verify_counties(&counties, workers, check(&[])).unwrap();
            assert_eq!((r.chains, r.events, r.broken), (40, 400, None));
            let r = verify_counties(&counties, workers, check(&["371512", "371530", "371539"])).unwrap();
            assert_eq!((r.chains, r.events, r.broken), (13, 120, Some(("371512".into(), 3, "坏".into()))), "{workers} workers");
            let r = verify_counties(&counties, workers, check(&["371507", "371530"])).unwrap();
            assert_eq!((r.chains, r.events, r.broken), (7, 70, Some(("371507".into(), 0, "缺少链头".into()))));
        }
        let r = verify_counties(&[], 2, check(&[])).unwrap();
        assert_eq!((r.chains, r.events, r.broken), (0, 0, None));
    }

    /// A store whose county 371521 has a chain of three pages and 371522 a short one.
    fn store_with_long_chain() -> (tempfile::TempDir, crate::sql_store::SqlStore<crate::sqlite::Sqlite>) {
        let dir = tempfile::tempdir().unwrap();
        let backend = crate::sqlite::Sqlite::open(&dir.path().join("fupin.db")).unwrap();
        let store = crate::sql_store::SqlStore::new(backend, Default::default()).unwrap();
        let mut events: Vec<Event> = (0..2 * PAGE as i64 + 500).map(ev).collect();
        events.extend((0..10).map(|n| Event { county_code: "371522".into(), ..ev(n) }));
        store.write(|tx| append_many(tx, &mut events)).unwrap();
        (dir, store)
    }

    #[test]
    fn chains_longer_than_a_page_are_checked_across_pages() {
        use crate::PlatformStore;
        let long = 2 * PAGE as u64 + 500;
        let report = |s: &crate::sql_store::SqlStore<_>| {
            let r = s.verify_ledger().unwrap();
            (r.chains, r.events, r.broken.map(|(c, seq, _)| (c, seq)))
        };
        let (_dir, s) = store_with_long_chain();
        assert_eq!(report(&s), (2, long + 10, None));

        let first_of_third_page = 2 * PAGE as i64 + 1;
        s.exec_raw(&format!("UPDATE ledger SET reason = '篡改' WHERE county_code = '371521' AND seq = {first_of_third_page}")).unwrap();
        assert_eq!(report(&s), (1, 0, Some(("371521".into(), first_of_third_page))));

        let (_dir, s) = store_with_long_chain();
        s.exec_raw(&format!("DELETE FROM ledger WHERE county_code = '371521' AND seq = {PAGE}")).unwrap();
        assert_eq!(report(&s), (1, 0, Some(("371521".into(), PAGE as i64 + 1))), "the last event of a page dropped");

        let (_dir, s) = store_with_long_chain();
        s.exec_raw("DELETE FROM chain_heads WHERE county_code = '371522'").unwrap();
        assert_eq!(report(&s), (1, long, Some(("371522".into(), 0))), "events without a head");
    }
}
