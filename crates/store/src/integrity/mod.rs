//! 大数据比对 in the store. `people_index` gives the caller an opaque lookup of the members who
//! count in its region's checked files (ID number → household and member), which the register
//! reader consults row by row without ever holding a list of anyone; `record_register_matches`
//! keeps what was found (checked again inside the transaction), one event on the household's
//! county chain per new match; the villages verify their matches by the deadline (`decide`),
//! and every official reads the region's matches, ID numbers masked as the role's view says.

pub mod conformance;
mod matches;
pub mod schema;

use crate::{Page, Result};
use fupin_domain::access::Caller;
use fupin_domain::id_number::Date;
use fupin_domain::integrity::{Outcome, Record, RegisterKind};
use fupin_domain::{IdNumber, RegionCode};
use rustc_hash::FxHashMap;
use serde::Serialize;

/// A member found by ID number: which file, which member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Person {
    household: u64,
    member_no: u16,
}

impl Person {
    pub fn household_id(&self) -> String {
        format!("{:016}", self.household)
    }
}

/// The members who count in the checked files of a region, looked up by ID number. It lists no
/// one: it answers only for a number the caller already holds.
pub struct PeopleIndex {
    region: RegionCode,
    people: FxHashMap<u64, Person>,
}

impl PeopleIndex {
    pub fn find(&self, id: &IdNumber) -> Option<Person> {
        self.people.get(&fupin_domain::integrity::key(id)).copied()
    }

    /// How many members the region's register holds to match against.
    pub fn len(&self) -> usize {
        self.people.len()
    }

    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
    }

    pub fn region(&self) -> &RegionCode {
        &self.region
    }
}

/// The file matched: what the batch records of it.
#[derive(Debug, Clone)]
pub struct RegisterRun {
    pub kind: RegisterKind,
    pub file_name: String,
    pub sha256: String,
    pub rows: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Batch {
    pub id: String,
    pub kind: RegisterKind,
    pub kind_label: String,
    pub region: String,
    pub region_name: String,
    pub file_name: String,
    pub sha256: String,
    pub rows: i64,
    /// Rows naming a member of a checked file.
    pub matched: i64,
    /// Of those, the ones not found by an earlier batch.
    pub new_matches: i64,
    pub run_by: String,
    pub run_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Detail {
    pub column: String,
    pub value: String,
}

/// A match as the caller may read it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterMatch {
    pub id: String,
    pub kind: RegisterKind,
    pub kind_label: String,
    /// What the match means, for the village to verify.
    pub finding: String,
    pub household_id: String,
    pub member_no: i64,
    /// The member's name in the file.
    pub member_name: String,
    /// The name the register gives.
    pub register_name: String,
    /// The register names someone else under this number: perhaps a wrong number in either.
    pub name_differs: bool,
    /// Masked without the role's ID view.
    pub id_number: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub event_date: Date,
    pub date_label: String,
    pub details: Vec<Detail>,
    pub village_code: String,
    pub village_name: String,
    pub batch_id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub found_on: Date,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub due_on: Date,
    /// Pending past its deadline on the business date.
    pub overdue: bool,
    pub outcome: Outcome,
    pub outcome_label: String,
    pub note: String,
    pub decided_by: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub decided_on: Option<Date>,
    /// The caller is the village's official and the match awaits its word.
    pub may_decide: bool,
}

/// Filters of the match list; the caller's jurisdiction always applies on top.
#[derive(Debug, Clone, Default)]
pub struct MatchQuery {
    /// Matches in villages inside this region (inside the caller's: outside it is `NotFound`).
    pub region: Option<RegionCode>,
    pub kind: Option<RegisterKind>,
    pub outcome: Option<Outcome>,
    /// Only pending matches past their deadline.
    pub overdue: bool,
    pub page: u32,
    pub per_page: u32,
}

/// A register's matches in a region by what the villages found.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KindCount {
    pub kind: RegisterKind,
    pub label: String,
    pub pending: i64,
    pub overdue: i64,
    pub explained: i64,
    pub removed: i64,
    pub member_changed: i64,
}

pub trait IntegrityStore: Send + Sync {
    /// The members who count in the checked files of the caller's region, to match a register
    /// against (province, city and county offices).
    fn people_index(&self, caller: &Caller) -> Result<PeopleIndex>;
    /// Keeps a register's matches over `index`'s region; a match already found by an earlier
    /// batch is not found again. The batch with its counts.
    fn record_register_matches(&self, caller: &Caller, index: &PeopleIndex, run: &RegisterRun, found: &[(Record, Person)], at: &str)
        -> Result<Batch>;
    /// The batches matched over regions inside the caller's, the latest first.
    fn register_batches(&self, caller: &Caller, limit: u32) -> Result<Vec<Batch>>;
    fn register_matches(&self, caller: &Caller, q: &MatchQuery, at: &str) -> Result<Page<RegisterMatch>>;
    fn register_match(&self, caller: &Caller, id: &str, at: &str) -> Result<RegisterMatch>;
    /// The village records what it found; a claimed change must be in the file already.
    fn decide_register_match(&self, caller: &Caller, id: &str, outcome: Outcome, note: &str, at: &str) -> Result<RegisterMatch>;
    /// Counts by register and outcome in a region of the caller's (its own by default).
    fn register_summary(&self, caller: &Caller, region: Option<&RegionCode>, at: &str) -> Result<Vec<KindCount>>;
}

impl<B: crate::core::db::Backend> IntegrityStore for crate::sql_store::SqlStore<B> {
    fn people_index(&self, caller: &Caller) -> Result<PeopleIndex> {
        matches::index(self, caller)
    }
    fn record_register_matches(
        &self,
        caller: &Caller,
        index: &PeopleIndex,
        run: &RegisterRun,
        found: &[(Record, Person)],
        at: &str,
    ) -> Result<Batch> {
        matches::record(self, caller, index, run, found, at)
    }
    fn register_batches(&self, caller: &Caller, limit: u32) -> Result<Vec<Batch>> {
        matches::batches(self, caller, limit)
    }
    fn register_matches(&self, caller: &Caller, q: &MatchQuery, at: &str) -> Result<Page<RegisterMatch>> {
        matches::list(self, caller, q, at)
    }
    fn register_match(&self, caller: &Caller, id: &str, at: &str) -> Result<RegisterMatch> {
        matches::get(self, caller, id, at)
    }
    fn decide_register_match(&self, caller: &Caller, id: &str, outcome: Outcome, note: &str, at: &str) -> Result<RegisterMatch> {
        matches::decide(self, caller, id, outcome, note, at)
    }
    fn register_summary(&self, caller: &Caller, region: Option<&RegionCode>, at: &str) -> Result<Vec<KindCount>> {
        matches::summary(self, caller, region, at)
    }
}
