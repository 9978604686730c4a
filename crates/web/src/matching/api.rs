//! `/api/v1/matching/…` and `/api/v1/public/matching`: donors, offers, needs, the matcher's
//! runs and each match's steps, and the public figures.

use crate::auth::Auth;
use crate::error::ApiError;
use crate::{blocking, AppState};
use axum::extract::{Path, Query, State};
use axum::Json;
use fupin_domain::matching::{
    AidCategory, Delivery, Donor, DonorDraft, Match, Need, NeedDraft, Offer, OfferDraft, PublishedNeed, Step, Suggestion,
};
use fupin_domain::RegionCode;
use fupin_store::matching::{Contact, MatchRun, MatchingFigures, StepInput, Stepped};
use fupin_store::{MatchingQuery, Page};
use serde::Deserialize;
use std::sync::Arc;

/// Filters of the lists (each list reads the ones that apply to it).
#[derive(Deserialize, utoipa::IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// A region code (the caller's jurisdiction applies on top).
    pub region: Option<String>,
    /// 需求类别 code, e.g. 01 教育助学.
    pub category: Option<String>,
    /// A state code of what is listed.
    pub state: Option<String>,
    pub donor_id: Option<String>,
    pub household_id: Option<String>,
    /// From 0.
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

impl ListParams {
    pub fn query(&self) -> Result<MatchingQuery, ApiError> {
        let nonempty = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        Ok(MatchingQuery {
            region: nonempty(&self.region).map(|r| RegionCode::parse(&r)).transpose()?,
            category: nonempty(&self.category).map(|c| AidCategory::parse(&c)).transpose()?,
            state: nonempty(&self.state),
            household_id: nonempty(&self.household_id),
            donor_id: nonempty(&self.donor_id),
            on: None,
            page: self.page.unwrap_or(0),
            per_page: self.per_page.unwrap_or(50),
        })
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegionParam {
    /// A region code; the province when absent.
    pub region: Option<String>,
}

/// 供需对接 in figures, for anyone: published needs by category and what became of them, the
/// matches by state, the match rate, confirmed deliveries and the donors ranked by them.
#[utoipa::path(get, path = "/api/v1/public/matching", params(RegionParam),
    responses((status = 200, body = MatchingFigures, description = "the region's figures"), (status = 400, description = "a region code that does not parse")))]
pub async fn public_figures(State(state): State<Arc<AppState>>, Query(p): Query<RegionParam>) -> Result<Json<MatchingFigures>, ApiError> {
    let region = p.region.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(RegionCode::parse).transpose()?;
    let on = state.today();
    Ok(Json(blocking(&state, move |s| s.matching_figures(region.as_ref(), on)).await?))
}

/// A donor account registers the body it acts for; the county where it is based verifies it.
#[utoipa::path(post, path = "/api/v1/matching/donors", request_body = DonorDraft,
    responses((status = 200, body = Donor, description = "registered, waiting for the county"), (status = 403, description = "not a donor account"), (status = 422, description = "a field refused (credit code, phone, region), or already registered")))]
pub async fn register_donor(State(state): State<Arc<AppState>>, a: Auth, Json(d): Json<DonorDraft>) -> Result<Json<Donor>, ApiError> {
    let at = state.today().to_string();
    Ok(Json(blocking(&state, move |s| s.register_donor(&a.caller, &d, &at)).await?))
}

/// Donors based in the caller's region (officials of a county or above).
#[utoipa::path(get, path = "/api/v1/matching/donors", params(ListParams),
    responses((status = 200, body = Page<Donor>, description = "one page of donors"), (status = 403, description = "not an official"), (status = 404, description = "a region outside the caller's"), (status = 422, description = "a state that is not one of this list's states")))]
pub async fn list_donors(State(state): State<Arc<AppState>>, a: Auth, Query(p): Query<ListParams>) -> Result<Json<Page<Donor>>, ApiError> {
    let q = p.query()?;
    Ok(Json(blocking(&state, move |s| s.donors(&a.caller, &q)).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct VerifyDonorBody {
    pub expected_version: i64,
    /// `true` verifies; `false` suspends (with a note).
    pub verified: bool,
    #[serde(default)]
    pub note: String,
}

/// The county verifies or suspends a donor based in it.
#[utoipa::path(post, path = "/api/v1/matching/donors/{id}/verify", params(("id" = String, Path, description = "donor id")), request_body = VerifyDonorBody,
    responses((status = 200, body = Donor, description = "the donor"), (status = 403, description = "not a county official"), (status = 404, description = "unknown or another county's"), (status = 409, description = "a stale version"), (status = 422, description = "already so, or no note to suspend with")))]
pub async fn verify_donor(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path(id): Path<String>,
    Json(b): Json<VerifyDonorBody>,
) -> Result<Json<Donor>, ApiError> {
    let at = state.today().to_string();
    Ok(Json(blocking(&state, move |s| s.verify_donor(&a.caller, &id, b.expected_version, b.verified, &b.note, &at)).await?))
}

/// A verified donor publishes an offer.
#[utoipa::path(post, path = "/api/v1/matching/offers", request_body = OfferDraft,
    responses((status = 200, body = Offer, description = "published"), (status = 403, description = "not a donor"), (status = 422, description = "a field refused, or the donor not verified")))]
pub async fn post_offer(State(state): State<Arc<AppState>>, a: Auth, Json(d): Json<OfferDraft>) -> Result<Json<Offer>, ApiError> {
    let at = state.today().to_string();
    Ok(Json(blocking(&state, move |s| s.post_offer(&a.caller, &d, &at)).await?))
}

/// Offers of verified donors (`region`: those serving it); a donor's own with `donor_id`.
#[utoipa::path(get, path = "/api/v1/matching/offers", params(ListParams),
    responses((status = 200, body = Page<Offer>, description = "one page of offers"), (status = 400, description = "a filter that does not parse"), (status = 422, description = "a state that is not one of this list's states")))]
pub async fn list_offers(State(state): State<Arc<AppState>>, a: Auth, Query(p): Query<ListParams>) -> Result<Json<Page<Offer>>, ApiError> {
    let q = p.query()?;
    Ok(Json(blocking(&state, move |s| s.offers(Some(&a.caller), &q)).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct VersionBody {
    pub expected_version: i64,
}

/// The donor withdraws an offer (matches under way keep their shares).
#[utoipa::path(post, path = "/api/v1/matching/offers/{id}/withdraw", params(("id" = String, Path, description = "offer id")), request_body = VersionBody,
    responses((status = 200, body = Offer, description = "withdrawn"), (status = 404, description = "unknown or another donor's"), (status = 409, description = "a stale version"), (status = 422, description = "not open")))]
pub async fn withdraw_offer(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path(id): Path<String>,
    Json(b): Json<VersionBody>,
) -> Result<Json<Offer>, ApiError> {
    let at = state.today().to_string();
    Ok(Json(blocking(&state, move |s| s.withdraw_offer(&a.caller, &id, b.expected_version, &at)).await?))
}

/// The village official or helper records a need of a household in their care.
#[utoipa::path(post, path = "/api/v1/households/{id}/needs", params(("id" = String, Path, description = "household id")), request_body = NeedDraft,
    responses((status = 200, body = Need, description = "recorded, waiting for the township"), (status = 403, description = "a role that does not record needs"), (status = 404, description = "unknown or outside the caller's households"), (status = 422, description = "a field refused (a name in the description, a past deadline), or the same need open")))]
pub async fn record_need(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path(id): Path<String>,
    Json(d): Json<NeedDraft>,
) -> Result<Json<Need>, ApiError> {
    let at = state.today().to_string();
    Ok(Json(blocking(&state, move |s| s.record_need(&a.caller, &id, &d, &at)).await?))
}

/// What the household's file suggests it needs (and no open need asks for yet).
#[utoipa::path(get, path = "/api/v1/households/{id}/need-suggestions", params(("id" = String, Path, description = "household id")),
    responses((status = 200, body = Vec<Suggestion>, description = "suggested needs, each with why"), (status = 403, description = "a role that does not record needs"), (status = 404, description = "unknown or outside the caller's households")))]
pub async fn suggestions(State(state): State<Arc<AppState>>, a: Auth, Path(id): Path<String>) -> Result<Json<Vec<Suggestion>>, ApiError> {
    let at = state.today().to_string();
    Ok(Json(blocking(&state, move |s| s.need_suggestions(&a.caller, &id, &at)).await?))
}

/// Needs within the caller's jurisdiction, as officials and helpers see them.
#[utoipa::path(get, path = "/api/v1/matching/needs", params(ListParams),
    responses((status = 200, body = Page<Need>, description = "one page of needs"), (status = 403, description = "donors see published needs at /api/v1/matching/open-needs"), (status = 422, description = "a state that is not one of this list's states")))]
pub async fn list_needs(State(state): State<Arc<AppState>>, a: Auth, Query(p): Query<ListParams>) -> Result<Json<Page<Need>>, ApiError> {
    let q = p.query()?;
    Ok(Json(blocking(&state, move |s| s.needs(&a.caller, &q)).await?))
}

/// Open published needs as donors see them: village, household size, cause and the need; never
/// who the household is.
#[utoipa::path(get, path = "/api/v1/matching/open-needs", params(ListParams),
    responses((status = 200, body = Page<PublishedNeed>, description = "one page, the most urgent first"), (status = 403, description = "not a donor")))]
pub async fn open_needs(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Query(p): Query<ListParams>,
) -> Result<Json<Page<PublishedNeed>>, ApiError> {
    let q = MatchingQuery { on: Some(state.today()), ..p.query()? };
    Ok(Json(blocking(&state, move |s| s.published_needs(&a.caller, &q)).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReviewBody {
    pub expected_version: i64,
    pub approve: bool,
    /// Needed to refuse (or to withdraw).
    #[serde(default)]
    pub note: String,
}

/// The township publishes a recorded need, or refuses it with a note.
#[utoipa::path(post, path = "/api/v1/matching/needs/{id}/verify", params(("id" = String, Path, description = "need id")), request_body = ReviewBody,
    responses((status = 200, body = Need, description = "published or refused"), (status = 403, description = "not a township official"), (status = 404, description = "unknown or another township's"), (status = 409, description = "a stale version"), (status = 422, description = "not waiting, or no note")))]
pub async fn verify_need(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path(id): Path<String>,
    Json(b): Json<ReviewBody>,
) -> Result<Json<Need>, ApiError> {
    let at = state.today().to_string();
    Ok(Json(blocking(&state, move |s| s.verify_need(&a.caller, &id, b.expected_version, b.approve, &b.note, &at)).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NoteBody {
    pub expected_version: i64,
    pub note: String,
}

/// The household's side withdraws a need nobody is meeting.
#[utoipa::path(post, path = "/api/v1/matching/needs/{id}/withdraw", params(("id" = String, Path, description = "need id")), request_body = NoteBody,
    responses((status = 200, body = Need, description = "withdrawn"), (status = 404, description = "unknown or outside the caller's households"), (status = 409, description = "a stale version"), (status = 422, description = "under way or done, or no reason")))]
pub async fn withdraw_need(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path(id): Path<String>,
    Json(b): Json<NoteBody>,
) -> Result<Json<Need>, ApiError> {
    let at = state.today().to_string();
    Ok(Json(blocking(&state, move |s| s.withdraw_need(&a.caller, &id, b.expected_version, &b.note, &at)).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PickBody {
    /// One of the donor's own open offers.
    pub offer_id: String,
}

/// 点对点: a donor takes a published need for one of its offers (accepted at once; the household
/// then agrees or not).
#[utoipa::path(post, path = "/api/v1/matching/needs/{id}/pick", params(("id" = String, Path, description = "need id")), request_body = PickBody,
    responses((status = 200, body = Match, description = "the match"), (status = 404, description = "unknown need or another donor's offer"), (status = 422, description = "taken by someone else, the offer full or not fitting")))]
pub async fn pick(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path(id): Path<String>,
    Json(b): Json<PickBody>,
) -> Result<Json<Match>, ApiError> {
    let at = state.today().to_string();
    Ok(Json(blocking(&state, move |s| s.pick_need(&a.caller, &id, &b.offer_id, &at)).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RunBody {
    /// The region to match over (the caller's own or one inside it).
    pub region: String,
}

/// Runs the optimal matcher over a region and proposes its matches to the donors.
#[utoipa::path(post, path = "/api/v1/matching/runs", request_body = RunBody,
    responses((status = 200, body = MatchRun, description = "what the run saw and proposed"), (status = 403, description = "not an official of a county or above"), (status = 404, description = "a region outside the caller's")))]
pub async fn run(State(state): State<Arc<AppState>>, a: Auth, Json(b): Json<RunBody>) -> Result<Json<MatchRun>, ApiError> {
    let region = RegionCode::parse(&b.region)?;
    let at = state.today().to_string();
    Ok(Json(blocking(&state, move |s| s.run_matcher(&a.caller, &region, &at)).await?))
}

/// The last runs over a region (the caller's own when none is given) and the regions inside it.
#[utoipa::path(get, path = "/api/v1/matching/runs", params(RegionParam),
    responses((status = 200, body = Vec<MatchRun>, description = "newest first"), (status = 403, description = "not an official of a county or above"), (status = 404, description = "a region outside the caller's")))]
pub async fn runs(State(state): State<Arc<AppState>>, a: Auth, Query(p): Query<RegionParam>) -> Result<Json<Vec<MatchRun>>, ApiError> {
    let region = match p.region.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(r) => RegionCode::parse(r)?,
        None => a.caller.scope.region.clone(),
    };
    Ok(Json(blocking(&state, move |s| s.match_runs(&a.caller, &region, 20)).await?))
}

/// Matches: a donor's own; officials' and helpers' within their jurisdiction.
#[utoipa::path(get, path = "/api/v1/matching/matches", params(ListParams),
    responses((status = 200, body = Page<Match>, description = "one page, the latest first"), (status = 403, description = "a role that sees no matches"), (status = 422, description = "a state that is not one of this list's states")))]
pub async fn list_matches(State(state): State<Arc<AppState>>, a: Auth, Query(p): Query<ListParams>) -> Result<Json<Page<Match>>, ApiError> {
    let q = p.query()?;
    Ok(Json(blocking(&state, move |s| s.matches(&a.caller, &q)).await?))
}

/// One match.
#[utoipa::path(get, path = "/api/v1/matching/matches/{id}", params(("id" = String, Path, description = "match id")),
    responses((status = 200, body = Match, description = "the match"), (status = 404, description = "unknown or not the caller's")))]
pub async fn get_match(State(state): State<Arc<AppState>>, a: Auth, Path(id): Path<String>) -> Result<Json<Match>, ApiError> {
    Ok(Json(blocking(&state, move |s| s.matched(&a.caller, &id)).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct StepBody {
    pub expected_version: i64,
    /// accept, decline (the donor); agree, refuse, confirm (the household's side); deliver (the
    /// donor, with `delivery`); cancel (officials).
    #[schema(value_type = String, example = "accept")]
    pub step: Step,
    /// A reason, or the household's thanks on confirm.
    #[serde(default)]
    pub note: String,
    pub delivery: Option<Delivery>,
    /// The 6-digit code on the household's card, to confirm receipt.
    pub code: Option<String>,
}

/// A step of a match by the side whose turn it is. After `agree` the answer carries the one-time
/// code for the household's card (shown once).
#[utoipa::path(post, path = "/api/v1/matching/matches/{id}/steps", params(("id" = String, Path, description = "match id")), request_body = StepBody,
    responses((status = 200, body = Stepped, description = "the match after the step"), (status = 403, description = "not this side's step"), (status = 404, description = "unknown or not the caller's"), (status = 409, description = "a stale version"), (status = 422, description = "not possible in this state, a wrong code, a delivery above the need")))]
pub async fn step(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path(id): Path<String>,
    Json(b): Json<StepBody>,
) -> Result<Json<Stepped>, ApiError> {
    let at = state.today().to_string();
    let input = StepInput { note: b.note, delivery: b.delivery, code: b.code };
    Ok(Json(blocking(&state, move |s| s.step_match(&a.caller, &id, b.expected_version, b.step, &input, &at)).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ComplaintBody {
    pub text: String,
}

/// The household's side complains that an agreed match was not delivered.
#[utoipa::path(post, path = "/api/v1/matching/matches/{id}/complaint", params(("id" = String, Path, description = "match id")), request_body = ComplaintBody,
    responses((status = 200, body = Match, description = "recorded"), (status = 404, description = "unknown or not the caller's"), (status = 422, description = "not waiting for delivery, or empty")))]
pub async fn complain(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path(id): Path<String>,
    Json(b): Json<ComplaintBody>,
) -> Result<Json<Match>, ApiError> {
    let at = state.today().to_string();
    Ok(Json(blocking(&state, move |s| s.complain(&a.caller, &id, &b.text, &at)).await?))
}

/// Who the household is, for the donor once the household agreed (the read is audited).
#[utoipa::path(get, path = "/api/v1/matching/matches/{id}/contact", params(("id" = String, Path, description = "match id")),
    responses((status = 200, body = Contact, description = "the household's head, phone and place"), (status = 403, description = "before the household agreed"), (status = 404, description = "unknown or another donor's")))]
pub async fn contact(State(state): State<Arc<AppState>>, a: Auth, Path(id): Path<String>) -> Result<Json<Contact>, ApiError> {
    let at = state.today().to_string();
    Ok(Json(blocking(&state, move |s| s.match_contact(&a.caller, &id, &at)).await?))
}
