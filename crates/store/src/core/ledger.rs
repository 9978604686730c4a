//! The tamper-evident ledger: one SHA-256 hash chain per county. Each event's hash covers the
//! previous hash and the event's canonical bytes, so changing, dropping or reordering any
//! stored event breaks every link after it.

use crate::core::db::{Tx, Val};
use crate::StoreError;
use serde::Serialize;
use sha2::{Digest, Sha256};

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
        let mut d = Sha256::new();
        d.update(self.prev_hash.as_bytes());
        for part in [
            self.county_code.as_str(),
            &self.seq.to_string(),
            &self.household_id,
            &self.kind,
            &self.actor,
            &self.at,
            &self.reason,
            &self.payload,
        ] {
            // Length-prefixed so that no two different events share canonical bytes.
            d.update((part.len() as u64).to_be_bytes());
            d.update(part.as_bytes());
        }
        hex::encode(d.finalize())
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

    pub fn from_row(r: &crate::core::db::Row) -> Event {
        Event {
            county_code: r.text(0),
            seq: r.int(1),
            household_id: r.text(2),
            kind: r.text(3),
            actor: r.text(4),
            at: r.text(5),
            reason: r.text(6),
            payload: r.text(7),
            prev_hash: r.text(8),
            hash: r.text(9),
        }
    }
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
        .query_one("UPDATE chain_heads SET seq = seq + 1 WHERE county_code = $1 RETURNING seq, hash", &[county.clone()])?
        .ok_or_else(|| StoreError::Db("chain head vanished".into()))?;
    ev.chain(head.int(0) - 1, &head.text(1));
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
        let (mut seq, mut hash) = (head.int(0) - n, head.text(1));
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

/// Checks one county's events, in order, against each other and the published head.
pub fn verify_chain(events: &[Event], head: Option<(i64, String)>) -> Result<u64, (i64, String)> {
    let mut prev = GENESIS.to_string();
    let mut expected_seq = 1;
    for ev in events {
        if ev.seq != expected_seq {
            return Err((ev.seq, format!("序号不连续：应为{expected_seq}，实为{}", ev.seq)));
        }
        if ev.prev_hash != prev {
            return Err((ev.seq, "前序哈希与上一事件不符".into()));
        }
        if ev.compute_hash() != ev.hash {
            return Err((ev.seq, "事件内容与哈希不符（内容被改动）".into()));
        }
        prev = ev.hash.clone();
        expected_seq += 1;
    }
    if let Some((seq, hash)) = head {
        if seq != expected_seq - 1 || hash != prev {
            return Err((seq, format!("链头（序号{seq}）与最后一个事件不符：事件被删除或链头被改动")));
        }
    }
    Ok(events.len() as u64)
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

    #[test]
    fn intact_chain_verifies() {
        let c = chain(5);
        let head = Some((5, c[4].hash.clone()));
        assert_eq!(verify_chain(&c, head), Ok(5));
    }

    #[test]
    fn edits_drops_and_truncation_are_caught() {
        let mut c = chain(5);
        c[2].payload = "{\"x\":1}".into();
        assert_eq!(verify_chain(&c, None).unwrap_err().0, 3);

        let mut c = chain(5);
        c.remove(1);
        assert_eq!(verify_chain(&c, None).unwrap_err().0, 3);

        let c = chain(5);
        let head = Some((5, c[4].hash.clone()));
        assert_eq!(verify_chain(&c[..4], head).unwrap_err().0, 5);
    }
}
