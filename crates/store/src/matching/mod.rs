//! 供需对接 in the store: donors (verified by their county), their offers, households' needs
//! (recorded by the village, verified by the township), the matcher's runs and each match's
//! steps to the household's word. Every change is one event on a county's chain — a donor's or
//! an offer's on the donor's county, a need's or a match's on the household's — and a need is
//! held by at most one match under way: `needs.active_match` is set by compare-and-set and the
//! `matches_one_active` index refuses a second.

pub mod conformance;
mod donors;
mod figures;
mod matches;
mod needs;
mod offers;
mod run;
pub mod schema;

use crate::core::db::{Backend, Row, Tx};
use crate::core::ledger::{self, Event};
use crate::sql_store::SqlStore;
use crate::{Page, Result, StoreError};
use fupin_domain::access::Caller;
use fupin_domain::id_number::Date;
use fupin_domain::matching::{
    AidCategory, Delivery, Donor, DonorDraft, Match, MatchState, Need, NeedDraft, NeedState, Offer, OfferDraft, PublishedNeed, Step,
    Suggestion,
};
use fupin_domain::{DomainError, RegionCode, Yuan};
use serde::Serialize;

pub use figures::{DonorRank, MatchingFigures};
pub use run::MatchRun;

/// Filters of a list. The caller's jurisdiction always applies on top.
#[derive(Debug, Clone, Default)]
pub struct MatchingQuery {
    pub region: Option<RegionCode>,
    pub category: Option<AidCategory>,
    /// A state's code (`published`, `accepted` …) of what is listed.
    pub state: Option<String>,
    pub household_id: Option<String>,
    pub donor_id: Option<String>,
    /// Open on this business date (deadlines not passed).
    pub on: Option<Date>,
    pub page: u32,
    pub per_page: u32,
}

impl MatchingQuery {
    /// (per page, offset): 50 a page unless asked (at most 200).
    fn limits(&self) -> (i64, i64) {
        let per = if self.per_page == 0 { 50 } else { self.per_page.min(200) as i64 };
        (per, self.page.clamp(0, 100_000) as i64 * per)
    }
}

/// Who the household is, for the donor once the household agreed (the read is audited).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact {
    pub match_id: String,
    pub head_name: String,
    pub phone: String,
    /// The village's full name.
    pub place: String,
    /// Who to call at the village (its official) or the household's helper.
    pub helper: String,
}

/// A step taken, and (after the household agreed) the one-time code for its card.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stepped {
    #[serde(rename = "match")]
    pub matched: Match,
    /// Shown once, to the household's side: the household reads it out to confirm receipt.
    pub code: Option<String>,
}

/// What a step carries besides its kind.
#[derive(Debug, Clone, Default)]
pub struct StepInput {
    pub note: String,
    pub delivery: Option<Delivery>,
    pub code: Option<String>,
}

pub trait MatchingStore: Send + Sync {
    /// A donor registers the account's body (one per account); it waits for its county.
    fn register_donor(&self, caller: &Caller, d: &DonorDraft, at: &str) -> Result<Donor>;
    /// The donor the caller's account acts for.
    fn own_donor(&self, caller: &Caller) -> Result<Option<Donor>>;
    /// A donor by id: to officials of its county's region and to itself.
    fn donor(&self, caller: &Caller, id: &str) -> Result<Donor>;
    /// The county verifies (`true`) or suspends (`false`) a donor based in it.
    fn verify_donor(&self, caller: &Caller, id: &str, expected_version: i64, verified: bool, note: &str, at: &str) -> Result<Donor>;
    /// Donors based in the caller's region (officials).
    fn donors(&self, caller: &Caller, q: &MatchingQuery) -> Result<Page<Donor>>;

    /// A verified donor publishes an offer.
    fn post_offer(&self, caller: &Caller, d: &OfferDraft, at: &str) -> Result<Offer>;
    /// The donor withdraws an offer (matches under way keep their shares).
    fn withdraw_offer(&self, caller: &Caller, id: &str, expected_version: i64, at: &str) -> Result<Offer>;
    /// Offers of verified donors; `region` keeps those serving it. Public.
    fn offers(&self, caller: Option<&Caller>, q: &MatchingQuery) -> Result<Page<Offer>>;
    fn offer(&self, id: &str) -> Result<Offer>;

    /// The village official or helper records a need of a household in their care.
    fn record_need(&self, caller: &Caller, household_id: &str, d: &NeedDraft, at: &str) -> Result<Need>;
    /// The township publishes a recorded need (`approve`) or withdraws it with a note.
    fn verify_need(&self, caller: &Caller, id: &str, expected_version: i64, approve: bool, note: &str, at: &str) -> Result<Need>;
    /// The household's side withdraws a need nobody is meeting.
    fn withdraw_need(&self, caller: &Caller, id: &str, expected_version: i64, note: &str, at: &str) -> Result<Need>;
    /// Needs within the caller's jurisdiction, as officials see them.
    fn needs(&self, caller: &Caller, q: &MatchingQuery) -> Result<Page<Need>>;
    fn need(&self, caller: &Caller, id: &str) -> Result<Need>;
    /// Open published needs as donors see them (no identity).
    fn published_needs(&self, caller: &Caller, q: &MatchingQuery) -> Result<Page<PublishedNeed>>;
    /// What the household's file suggests that no open need already asks for.
    fn need_suggestions(&self, caller: &Caller, household_id: &str, at: &str) -> Result<Vec<Suggestion>>;

    /// Runs the optimal matcher over a region's open needs and offers and proposes its matches.
    fn run_matcher(&self, caller: &Caller, region: &RegionCode, at: &str) -> Result<MatchRun>;
    /// The last runs over `region` and the regions inside it (the caller's own or one inside it).
    fn match_runs(&self, caller: &Caller, region: &RegionCode, limit: u32) -> Result<Vec<MatchRun>>;
    /// 点对点: a donor takes a published need for one of its offers (accepted at once).
    fn pick_need(&self, caller: &Caller, need_id: &str, offer_id: &str, at: &str) -> Result<Match>;
    /// A step of a match by the side whose turn it is.
    fn step_match(&self, caller: &Caller, id: &str, expected_version: i64, step: Step, input: &StepInput, at: &str) -> Result<Stepped>;
    /// A complaint that an agreed match was not delivered in time (the household's side).
    fn complain(&self, caller: &Caller, id: &str, text: &str, at: &str) -> Result<Match>;
    /// Matches: a donor's own; officials' and helpers' within their jurisdiction.
    fn matches(&self, caller: &Caller, q: &MatchingQuery) -> Result<Page<Match>>;
    fn matched(&self, caller: &Caller, id: &str) -> Result<Match>;
    /// The household's name and contact, to the donor once the household agreed; audited.
    fn match_contact(&self, caller: &Caller, id: &str, at: &str) -> Result<Contact>;

    /// The public figures of a region (the province when `None`): needs by category and state,
    /// deliveries, donor ranking.
    fn matching_figures(&self, region: Option<&RegionCode>, on: Date) -> Result<MatchingFigures>;
    /// A donor's public record: its deliveries (masked) and the households' feedback.
    fn donor_record(&self, donor_id: &str) -> Result<(Donor, Vec<Match>)>;
}

use crate::core::query::business_date;

fn county_of(code: &str) -> &str {
    code.get(..6).unwrap_or(code)
}

/// Adds `n` to a 供需对接 counter of `village` (the rollups, in this transaction) and says so in
/// the event's payload, from which a recount reads it back.
fn tally(tx: &mut dyn Tx, village: &RegionCode, payload: &mut serde_json::Value, metric: &str, n: i64) -> Result<()> {
    let mut delta = fupin_domain::maps::rollup::Delta::new();
    delta.insert(metric.to_string(), fupin_domain::maps::rollup::Tally { households: n, persons: 0 });
    crate::core::rollups::apply_deltas(tx, std::iter::once((village, delta)))?;
    match payload["counts"].as_array_mut() {
        Some(list) => list.push(fupin_domain::maps::rollup::count(metric, n)),
        None => payload["counts"] = serde_json::json!([fupin_domain::maps::rollup::count(metric, n)]),
    }
    Ok(())
}

/// Appends an event about `key` on `county`'s chain.
fn record(
    tx: &mut dyn Tx,
    county: &str,
    key: &str,
    kind: &str,
    actor: &str,
    reason: &str,
    payload: serde_json::Value,
    at: &str,
) -> Result<()> {
    let mut ev = Event::new(county_of(county), key, kind, actor, at, reason, payload.to_string());
    ledger::append(tx, &mut ev)
}

use crate::core::query::next_id;

fn corrupt<'r>(table: &'static str, r: &'r Row) -> impl Fn(DomainError) -> StoreError + 'r {
    move |e| StoreError::Corrupt(format!("{table} ({}): {e}", r.str(0).unwrap_or("?")))
}

fn yuan(v: i64) -> Yuan {
    Yuan::from_fen(v)
}

fn page_of<T>(items: Vec<T>, total: i64, q: &MatchingQuery) -> Page<T> {
    let (per, _) = q.limits();
    Page { items, total, total_capped: false, page: q.page, per_page: per as u32 }
}

impl<B: Backend> MatchingStore for SqlStore<B> {
    fn register_donor(&self, caller: &Caller, d: &DonorDraft, at: &str) -> Result<Donor> {
        donors::register(self, caller, d, at)
    }
    fn own_donor(&self, caller: &Caller) -> Result<Option<Donor>> {
        self.read(|tx| donors::of_account(tx, &caller.username))
    }
    fn donor(&self, caller: &Caller, id: &str) -> Result<Donor> {
        donors::get(self, caller, id)
    }
    fn verify_donor(&self, caller: &Caller, id: &str, expected_version: i64, verified: bool, note: &str, at: &str) -> Result<Donor> {
        donors::verify(self, caller, id, expected_version, verified, note, at)
    }
    fn donors(&self, caller: &Caller, q: &MatchingQuery) -> Result<Page<Donor>> {
        donors::list(self, caller, q)
    }
    fn post_offer(&self, caller: &Caller, d: &OfferDraft, at: &str) -> Result<Offer> {
        offers::post(self, caller, d, at)
    }
    fn withdraw_offer(&self, caller: &Caller, id: &str, expected_version: i64, at: &str) -> Result<Offer> {
        offers::withdraw(self, caller, id, expected_version, at)
    }
    fn offers(&self, caller: Option<&Caller>, q: &MatchingQuery) -> Result<Page<Offer>> {
        offers::list(self, caller, q)
    }
    fn offer(&self, id: &str) -> Result<Offer> {
        self.read(|tx| offers::load(tx, id)?.ok_or(StoreError::NotFound))
    }
    fn record_need(&self, caller: &Caller, household_id: &str, d: &NeedDraft, at: &str) -> Result<Need> {
        needs::record(self, caller, household_id, d, at)
    }
    fn verify_need(&self, caller: &Caller, id: &str, expected_version: i64, approve: bool, note: &str, at: &str) -> Result<Need> {
        needs::verify(self, caller, id, expected_version, approve, note, at)
    }
    fn withdraw_need(&self, caller: &Caller, id: &str, expected_version: i64, note: &str, at: &str) -> Result<Need> {
        needs::withdraw(self, caller, id, expected_version, note, at)
    }
    fn needs(&self, caller: &Caller, q: &MatchingQuery) -> Result<Page<Need>> {
        needs::list(self, caller, q)
    }
    fn need(&self, caller: &Caller, id: &str) -> Result<Need> {
        needs::get(self, caller, id)
    }
    fn published_needs(&self, caller: &Caller, q: &MatchingQuery) -> Result<Page<PublishedNeed>> {
        needs::published(self, caller, q)
    }
    fn need_suggestions(&self, caller: &Caller, household_id: &str, at: &str) -> Result<Vec<Suggestion>> {
        needs::suggestions(self, caller, household_id, at)
    }
    fn run_matcher(&self, caller: &Caller, region: &RegionCode, at: &str) -> Result<MatchRun> {
        run::run(self, caller, region, at)
    }
    fn match_runs(&self, caller: &Caller, region: &RegionCode, limit: u32) -> Result<Vec<MatchRun>> {
        run::runs(self, caller, region, limit)
    }
    fn pick_need(&self, caller: &Caller, need_id: &str, offer_id: &str, at: &str) -> Result<Match> {
        matches::pick(self, caller, need_id, offer_id, at)
    }
    fn step_match(&self, caller: &Caller, id: &str, expected_version: i64, step: Step, input: &StepInput, at: &str) -> Result<Stepped> {
        matches::step(self, caller, id, expected_version, step, input, at)
    }
    fn complain(&self, caller: &Caller, id: &str, text: &str, at: &str) -> Result<Match> {
        matches::complain(self, caller, id, text, at)
    }
    fn matches(&self, caller: &Caller, q: &MatchingQuery) -> Result<Page<Match>> {
        matches::list(self, caller, q)
    }
    fn matched(&self, caller: &Caller, id: &str) -> Result<Match> {
        matches::get(self, caller, id)
    }
    fn match_contact(&self, caller: &Caller, id: &str, at: &str) -> Result<Contact> {
        matches::contact(self, caller, id, at)
    }
    fn matching_figures(&self, region: Option<&RegionCode>, on: Date) -> Result<MatchingFigures> {
        figures::of_region(self, region, on)
    }
    fn donor_record(&self, donor_id: &str) -> Result<(Donor, Vec<Match>)> {
        figures::donor_record(self, donor_id)
    }
}

/// States a need or a match may be listed by.
fn state_filter(q: &MatchingQuery, valid: &[&str]) -> Result<Option<String>> {
    match &q.state {
        None => Ok(None),
        Some(s) if valid.contains(&s.as_str()) => Ok(Some(s.clone())),
        Some(s) => Err(DomainError::new("matching.state", format!("状态“{s}”无效")).into()),
    }
}

fn need_states() -> Vec<&'static str> {
    NeedState::ALL.iter().map(|s| s.code()).collect()
}

fn match_states() -> Vec<&'static str> {
    MatchState::ALL.iter().map(|s| s.code()).collect()
}
