//! The household list with search and filters, the household file with its history, and the
//! edit form.

use crate::auth::{Auth, PageAuth};
use crate::error::ApiError;
use crate::registry::api::{load_view, mask_list, HouseholdParams};
use crate::ui::*;
use crate::view::HouseholdView;
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use fupin_domain::access::Action;
use fupin_domain::registry::codes::{
    Attribute, Cause, Education, Health, Labour, MemberChange, Path as AidPath, Relation, Schooling, Status,
};
use fupin_domain::registry::household::{Change, HouseholdFields};
use fupin_domain::{DomainError, RegionCode};
use fupin_store::HouseholdSummary;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Template)]
#[template(path = "households.html")]
struct HouseholdsPage {
    nav: Nav,
    /// Village officials may record households outside the register.
    can_record: bool,
    error: Option<String>,
    region: String,
    q: String,
    status: String,
    cause: String,
    attribute: String,
    path: String,
    statuses: Vec<(&'static str, &'static str)>,
    causes: Vec<(&'static str, &'static str)>,
    attributes: Vec<(&'static str, &'static str)>,
    paths: Vec<(&'static str, &'static str)>,
    items: Vec<HouseholdSummary>,
    total: i64,
    capped: bool,
    page: u32,
    has_next: bool,
    link_base: String,
}

pub async fn households_page(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth, Query(p): Query<HouseholdParams>) -> Response {
    let n = nav(&a, &state);
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut page = HouseholdsPage {
        nav: n,
        can_record: a.user.role.official_level() == Some(fupin_domain::Level::Village),
        error: None,
        region: s(&p.region),
        q: s(&p.q),
        status: s(&p.status),
        cause: s(&p.cause),
        attribute: s(&p.attribute),
        path: s(&p.path),
        statuses: options(Status::ALL, Status::code, Status::label),
        causes: options(Cause::ALL, Cause::code, Cause::label),
        attributes: options(Attribute::ALL, Attribute::code, Attribute::label),
        paths: options(AidPath::ALL, AidPath::code, AidPath::label),
        items: vec![],
        total: 0,
        capped: false,
        page: p.page.unwrap_or(1).max(1),
        has_next: false,
        link_base: String::new(),
    };
    page.link_base = format!(
        "/households?region={}&q={}&status={}&cause={}&attribute={}&path={}",
        enc(&page.region),
        enc(&page.q),
        enc(&page.status),
        enc(&page.cause),
        enc(&page.attribute),
        enc(&page.path)
    );
    let result = async {
        let q = p.to_query()?;
        let caller = a.caller.clone();
        Ok::<_, ApiError>(mask_list(blocking(&state, move |s| s.search_households(&caller, &q)).await?))
    }
    .await;
    match result {
        Ok(r) => {
            page.has_next = (r.page as i64) * (r.per_page as i64) < r.total;
            page.total = r.total;
            page.capped = r.total_capped;
            page.items = r.items;
        }
        Err(e) if e.status == StatusCode::INTERNAL_SERVER_ERROR => return error_page(e),
        Err(e) => page.error = Some(e.message),
    }
    render(page)
}

#[derive(Template)]
#[template(path = "household.html")]
struct HouseholdPage {
    nav: Nav,
    h: HouseholdView,
    crumbs: Vec<(String, String)>,
    events: Vec<crate::registry::history::HistoryLine>,
    history_groups: &'static [(&'static str, &'static str)],
    /// The group of events shown ("" for all).
    history_filter: String,
    can_edit: bool,
    error: Option<FormError>,
    notice: Option<String>,
    causes: Vec<(&'static str, &'static str)>,
    attributes: Vec<(&'static str, &'static str)>,
    year: i32,
    unmet: Vec<String>,
    cases: Vec<fupin_store::Case>,
    /// The numbers this file moved from and to (迁移).
    moved_from: Option<String>,
    moved_to: Option<String>,
    relations: Vec<(&'static str, &'static str)>,
    educations: Vec<(&'static str, &'static str)>,
    schoolings: Vec<(&'static str, &'static str)>,
    healths: Vec<(&'static str, &'static str)>,
    labours: Vec<(&'static str, &'static str)>,
    arrivals: Vec<(&'static str, &'static str)>,
    departures: Vec<(&'static str, &'static str)>,
    today: String,
    visits: Vec<fupin_domain::registry::visit::Visit>,
    /// The user may record a visit here (the paired helper, the village official).
    can_visit: bool,
    /// 供需对接: the household's needs and their matches; what the file suggests, and whether
    /// the user records needs for it (its village official and helper).
    needs: Vec<fupin_domain::matching::Need>,
    needs_matches: Vec<fupin_domain::matching::Match>,
    suggestions: Vec<fupin_domain::matching::Suggestion>,
    can_record_needs: bool,
    aid_categories: Vec<(&'static str, &'static str)>,
    urgencies: Vec<(&'static str, &'static str)>,
}

/// A form of the household page that was refused: which form, the field at fault where the
/// error names one, the message, and what was typed (shown again so nothing is lost).
pub(crate) struct FormError {
    pub form: String,
    pub field: Option<String>,
    pub message: String,
    pub typed: HashMap<String, String>,
}

impl FormError {
    /// The error of `form`: its field is the first of `fields` the error code names (codes are
    /// `area.field` or `field.problem`, e.g. `household.phone`, `id_number.checksum`).
    pub fn new(form: impl Into<String>, fields: &[&str], e: ApiError, typed: HashMap<String, String>) -> FormError {
        let field = fields.iter().find(|f| e.code.split('.').any(|part| part == **f)).map(|f| f.to_string());
        FormError { form: form.into(), field, message: e.message, typed }
    }
}

impl HouseholdPage {
    fn error_of(&self, form: &str) -> Option<&FormError> {
        self.error.as_ref().filter(|e| e.form == form)
    }

    /// Whether the form's section opens by itself (it holds the error).
    fn open(&self, form: &str) -> bool {
        self.error.as_ref().is_some_and(|e| e.form.starts_with(form))
    }

    /// The message shown at the top of `form`, when no field of it is named.
    fn form_error(&self, form: &str) -> Option<&str> {
        self.error_of(form).filter(|e| e.field.is_none()).map(|e| e.message.as_str())
    }

    /// The message shown beside `field` of `form`.
    fn field_error(&self, form: &str, field: &str) -> Option<&str> {
        self.error_of(form).filter(|e| e.field.as_deref() == Some(field)).map(|e| e.message.as_str())
    }

    /// What the field shows: what was typed into a refused form, else `default`.
    fn val(&self, form: &str, key: &str, default: &str) -> String {
        match self.error_of(form) {
            Some(e) => e.typed.get(key).cloned().unwrap_or_default(),
            None => default.to_string(),
        }
    }

    /// Where on the page the refused form is.
    fn error_anchor(&self) -> &'static str {
        match self.error.as_ref().map(|e| e.form.as_str()) {
            Some("edit") => "#edit-details",
            Some("income") => "#income-details",
            Some("case") => "#case-form",
            Some("visit") => "#visit-details",
            Some("need") => "#need-details",
            _ => "#members-details",
        }
    }

    fn planned_year(&self) -> String {
        self.h.planned_exit_year.map(|y| y.to_string()).unwrap_or_default()
    }

    /// A checkbox: as ticked in a refused form, else `default`.
    fn ticked(&self, form: &str, key: &str, default: impl std::borrow::Borrow<bool>) -> bool {
        self.error_of(form).map_or(*default.borrow(), |e| e.typed.contains_key(key))
    }
}

pub(crate) async fn show_household(
    state: &Arc<AppState>,
    a: &Auth,
    id: String,
    error: Option<FormError>,
    notice: Option<String>,
) -> Response {
    household_with_history(state, a, id, error, notice, None).await
}

async fn household_with_history(
    state: &Arc<AppState>,
    a: &Auth,
    id: String,
    error: Option<FormError>,
    notice: Option<String>,
    history: Option<String>,
) -> Response {
    let result = async {
        let h = load_view(state, a, id.clone()).await?;
        let caller = a.caller.clone();
        let (events, actors) = blocking(state, move |s| {
            let events = s.history(&caller, &id)?;
            // Actors are named as the person and role they are (officials act in public office).
            let mut actors = HashMap::new();
            for e in &events {
                if !actors.contains_key(&e.actor) {
                    let name = match s.user(&e.actor)? {
                        Some(u) => format!("{} {}", u.role.label(), u.display_name),
                        None if e.actor == "public" => "公众（公示异议）".to_string(),
                        None if e.actor == "demo" => "系统（演示数据生成）".to_string(),
                        None => e.actor.clone(),
                    };
                    actors.insert(e.actor.clone(), name);
                }
            }
            Ok((events, actors))
        })
        .await?;
        let history_filter = history.clone().unwrap_or_default();
        let events =
            crate::registry::history::lines(events, history.as_deref(), |u: &str| actors.get(u).cloned().unwrap_or_else(|| u.to_string()));
        let village = RegionCode::parse(&h.village)?;
        let today = state.today();
        let (caller, hid) = (a.caller.clone(), h.id.clone());
        let records_needs = a.user.role.may(Action::RecordNeeds);
        let (unmet, cases, (moved_from, moved_to), visits, (needs, needs_matches, suggestions)) = blocking(state, move |s| {
            let file = s.household(&caller, &hid)?;
            let unmet = fupin_domain::registry::lifecycle::exit_unmet(&file, today.year, today, s.rules());
            let cases = s.household_cases(&caller, &hid)?;
            let of_household = fupin_store::MatchingQuery { household_id: Some(hid.clone()), per_page: 50, ..Default::default() };
            let needs = s.needs(&caller, &of_household)?.items;
            let matched = s.matches(&caller, &of_household)?.items;
            let suggested = if records_needs { s.need_suggestions(&caller, &hid, &today.to_string())? } else { vec![] };
            Ok((unmet, cases, s.transfer_links(&caller, &hid)?, s.visits(&caller, &hid)?, (needs, matched, suggested)))
        })
        .await?;
        let mut crumbs = crumbs(state, a, &village).await?;
        if a.caller.scope.region.contains(&village) {
            let v = village.clone();
            if let Some(r) = blocking(state, move |s| s.region(&v)).await? {
                crumbs.push((r.code, r.name));
            }
        }
        let n = nav(a, state);
        Ok::<_, ApiError>(HouseholdPage {
            nav: n,
            can_edit: a.user.role.may(Action::EditFiles),
            h,
            crumbs,
            events,
            history_groups: crate::registry::history::GROUPS,
            history_filter,
            error,
            notice,
            causes: options(Cause::ALL, Cause::code, Cause::label),
            attributes: options(Attribute::ALL, Attribute::code, Attribute::label),
            year: today.year,
            unmet,
            cases,
            moved_from,
            moved_to,
            relations: options(Relation::ALL, Relation::code, Relation::label),
            educations: options(Education::ALL, Education::code, Education::label),
            schoolings: options(Schooling::ALL, Schooling::code, Schooling::label),
            healths: options(Health::ALL, Health::code, Health::label),
            labours: options(Labour::ALL, Labour::code, Labour::label),
            arrivals: MemberChange::ALL.iter().filter(|c| !c.is_departure()).map(|c| (c.code(), c.label())).collect(),
            departures: MemberChange::ALL.iter().filter(|c| c.is_departure()).map(|c| (c.code(), c.label())).collect(),
            today: today.to_string(),
            visits,
            can_visit: a.user.role.may(Action::RecordVisits),
            needs,
            needs_matches,
            suggestions,
            can_record_needs: records_needs,
            aid_categories: options(fupin_domain::matching::AidCategory::ALL, |c| c.code(), |c| c.label()),
            urgencies: options(fupin_domain::matching::Urgency::ALL, |c| c.code(), |c| c.label()),
        })
    }
    .await;
    match result {
        Ok(p) => render(p),
        Err(e) => error_page(e),
    }
}

#[derive(Deserialize)]
pub struct HouseholdQuery {
    /// Shows only this group of the history (see `history::GROUPS`).
    history: Option<String>,
}

pub async fn household_page(
    State(state): State<Arc<AppState>>,
    PageAuth(a): PageAuth,
    Path(id): Path<String>,
    Query(q): Query<HouseholdQuery>,
) -> Response {
    household_with_history(&state, &a, id, None, None, q.history.filter(|h| !h.is_empty())).await
}

/// Builds the new fields from the form over the current file; checkboxes absent mean unchecked.
fn fields_from_form(
    current: &fupin_domain::registry::household::Household,
    f: &HashMap<String, String>,
) -> Result<HouseholdFields, DomainError> {
    let get = |k: &str| f.get(k).map(|s| s.trim().to_string()).unwrap_or_default();
    let mut fields = HouseholdFields::of(current);
    fields.phone = get("phone");
    fields.bank = get("bank");
    fields.bank_account = get("bank_account");
    fields.attribute = Attribute::parse(&get("attribute"))?;
    fields.main_cause = Cause::parse(&get("main_cause"))?;
    fields.other_causes.retain(|c| *c != fields.main_cause);
    let year = get("planned_exit_year");
    fields.planned_exit_year = if year.is_empty() {
        None
    } else {
        Some(year.parse().map_err(|_| DomainError::new("household.planned_exit_year", format!("计划脱贫年度“{year}”应为四位年份")))?)
    };
    let on = |k: &str| f.contains_key(k);
    fields.conditions.food_clothing = on("food_clothing");
    fields.conditions.compulsory_education = on("compulsory_education");
    fields.conditions.medical_insurance = on("medical_insurance");
    fields.conditions.safe_housing = on("safe_housing");
    fields.conditions.safe_water = on("safe_water");
    fields.conditions.electricity = on("electricity");
    Ok(fields)
}

pub async fn household_edit(
    State(state): State<Arc<AppState>>,
    PageAuth(a): PageAuth,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    use crate::registry::member_pages::{apply_form_change, EDIT_FIELDS};
    apply_form_change(&state, &a, id, f, ("edit".into(), EDIT_FIELDS), "已保存", |current, f| {
        let fields = fields_from_form(current, f)?;
        Ok((Change::EditFields { fields }, f.get("reason").map(|s| s.trim().to_string()).unwrap_or_default()))
    })
    .await
}

/// 走访记录 from the household page.
pub async fn household_visit(
    State(state): State<Arc<AppState>>,
    PageAuth(a): PageAuth,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    if !crate::auth::csrf_ok(&a, f.get("csrf").map(String::as_str).unwrap_or("")) {
        return error_page(ApiError::new(StatusCode::FORBIDDEN, "csrf", "请求已过期，请刷新页面后重试"));
    }
    let get = |k: &str| f.get(k).map(|s| s.trim().to_string()).unwrap_or_default();
    let report = fupin_domain::id_number::Date::parse(&get("visited_on"))
        .map_err(|e| ApiError::from(DomainError::new("visit.visited_on", e.message)))
        .map(|visited_on| fupin_domain::registry::visit::VisitReport { visited_on, found: get("found"), done: get("done") });
    let (caller, today, at, hid) = (a.caller.clone(), state.today(), state.today().to_string(), id.clone());
    let result = match report {
        Ok(r) => blocking(&state, move |s| s.record_visit(&caller, &hid, &r, today, &at)).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(v) => show_household(&state, &a, id, None, Some(format!("{}的走访已记录", v.report.visited_on))).await,
        Err(e)
            if e.status == StatusCode::NOT_FOUND || e.status == StatusCode::FORBIDDEN || e.status == StatusCode::INTERNAL_SERVER_ERROR =>
        {
            error_page(e)
        }
        Err(e) => {
            let typed = crate::registry::member_pages::typed(f);
            show_household(&state, &a, id, Some(FormError::new("visit", &["visited_on", "found", "done"], e, typed)), None).await
        }
    }
}
