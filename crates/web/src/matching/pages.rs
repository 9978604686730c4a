//! The 供需对接 desk: one page, with what the caller's role does there — a donor registers,
//! publishes offers, takes published needs (点对点) and carries its matches to delivery; the
//! village official and the helper speak for their households (agree, confirm with the card's
//! code, complain); the township verifies needs; the county verifies donors; officials of a
//! county and above run the matcher. Every form posts back here.

use crate::auth::{self, Auth, PageAuth};
use crate::error::ApiError;
use crate::ui::{csrf_refused, error_page, nav, options, render, Nav};
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use fupin_domain::access::Action;
use fupin_domain::id_number::Date;
use fupin_domain::matching::{
    AidCategory, Condition, CreditCode, Delivery, Donor, DonorDraft, DonorKind, Match, MatchState, Need, NeedDraft, Offer, OfferDraft,
    PublishedNeed, Step, Unit, Urgency,
};
use fupin_domain::{DomainError, IdNumber, RegionCode, Yuan};
use fupin_store::matching::{Contact, MatchRun, StepInput};
use fupin_store::MatchingQuery;
use std::sync::Arc;

use crate::ui::{form_get as get, FormMap};

#[derive(Template)]
#[template(path = "matching_desk.html")]
struct DeskPage {
    nav: Nav,
    region_name: String,
    notice: Option<String>,
    error: Option<String>,
    /// The household's one-time code, shown once after it agreed.
    code: Option<(String, String)>,
    contact: Option<Contact>,
    typed: FormMap,
    donor_side: bool,
    household_side: bool,
    verifies_needs: bool,
    verifies_donors: bool,
    runs_matcher: bool,
    donor: Option<Donor>,
    offers: Vec<Offer>,
    open_needs: Vec<PublishedNeed>,
    open_total: i64,
    needs: Vec<Need>,
    needs_total: i64,
    matches: Vec<Match>,
    pending_donors: Vec<Donor>,
    /// The county's verified donors, which it may suspend.
    verified_donors: Vec<Donor>,
    runs: Vec<MatchRun>,
    categories: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    units: Vec<(&'static str, &'static str)>,
    conditions: Vec<(&'static str, &'static str)>,
    today: String,
}

impl DeskPage {
    fn v<'a>(&'a self, k: &str, default: &'a str) -> &'a str {
        self.typed.get(k).map(String::as_str).unwrap_or(default)
    }

    /// A donor's open offers that could take this need (same category), for the pick form.
    fn fitting(&self, n: &PublishedNeed) -> Vec<&Offer> {
        self.offers.iter().filter(|o| o.draft.category == n.category && o.free() > 0 && o.serves(&n.village).is_some()).collect()
    }

    fn steps(&self, m: &Match) -> Vec<(&'static str, &'static str)> {
        let mut out = vec![];
        let mine = |s: Step| match s.side() {
            fupin_domain::matching::Side::Donor => self.donor_side,
            fupin_domain::matching::Side::Household => self.household_side,
            fupin_domain::matching::Side::Official => self.runs_matcher,
        };
        for s in [Step::Accept, Step::Decline, Step::Agree, Step::Refuse, Step::Cancel] {
            if mine(s) && s.from(m.state).is_ok() {
                out.push((s.code(), s.label()));
            }
        }
        out
    }

    fn can_deliver(&self, m: &Match) -> bool {
        self.donor_side && m.state == MatchState::Agreed
    }

    fn can_confirm(&self, m: &Match) -> bool {
        self.household_side && m.state == MatchState::Delivered
    }

    fn can_complain(&self, m: &Match) -> bool {
        self.household_side && m.state == MatchState::Agreed && m.complaint.is_empty()
    }
}

#[derive(Default)]
struct Outcome {
    notice: Option<String>,
    error: Option<ApiError>,
    code: Option<(String, String)>,
    contact: Option<Contact>,
    typed: FormMap,
}

async fn desk_page(state: &Arc<AppState>, a: &Auth, out: Outcome) -> Response {
    let role = a.user.role;
    let (donor_side, household_side) = (role.may(Action::Donate), role.may(Action::RecordNeeds));
    let (verifies_needs, verifies_donors, runs_matcher) =
        (role.may(Action::VerifyNeeds), role.may(Action::VerifyDonors), role.may(Action::RunMatcher));
    if !(donor_side || role.may(Action::ReadFiles)) {
        return error_page(ApiError::new(StatusCode::FORBIDDEN, "forbidden", "该角色不参与供需对接"));
    }
    let caller = a.caller.clone();
    let today = state.today();
    let loaded = blocking(state, move |s| {
        let region_name = s.region(&caller.scope.region)?.map(|r| r.name).unwrap_or_default();
        let donor = if donor_side { s.own_donor(&caller)? } else { None };
        let verified = donor.as_ref().is_some_and(|d| d.state == fupin_domain::matching::DonorState::Verified);
        let offers = match &donor {
            Some(d) => s.offers(Some(&caller), &MatchingQuery { donor_id: Some(d.id.clone()), per_page: 100, ..Default::default() })?.items,
            None => vec![],
        };
        let open = if verified {
            s.published_needs(&caller, &MatchingQuery { on: Some(today), per_page: 30, ..Default::default() })?
        } else {
            fupin_store::Page { items: vec![], total: 0, total_capped: false, page: 0, per_page: 30 }
        };
        let (needs, needs_total) = if donor_side {
            (vec![], 0)
        } else {
            let state = verifies_needs.then(|| "recorded".to_string());
            let p = s.needs(&caller, &MatchingQuery { state, per_page: 50, ..Default::default() })?;
            (p.items, p.total)
        };
        let matches = if donor_side && donor.is_none() {
            vec![]
        } else {
            s.matches(&caller, &MatchingQuery { per_page: 50, ..Default::default() })?.items
        };
        let of_county = |state: &str| s.donors(&caller, &MatchingQuery { state: Some(state.into()), per_page: 50, ..Default::default() });
        let (pending_donors, verified_donors) =
            if verifies_donors { (of_county("pending")?.items, of_county("verified")?.items) } else { (vec![], vec![]) };
        let runs = if runs_matcher { s.match_runs(&caller, &caller.scope.region, 5)? } else { vec![] };
        Ok((region_name, donor, offers, open, needs, needs_total, matches, (pending_donors, verified_donors), runs))
    })
    .await;
    let (region_name, donor, offers, open, needs, needs_total, matches, (pending_donors, verified_donors), runs) = match loaded {
        Ok(x) => x,
        Err(e) => return error_page(e),
    };
    render(DeskPage {
        nav: nav(a, state),
        region_name,
        notice: out.notice,
        error: out.error.map(|e| e.message),
        code: out.code,
        contact: out.contact,
        typed: out.typed,
        donor_side,
        household_side,
        verifies_needs,
        verifies_donors,
        runs_matcher,
        donor,
        offers,
        open_total: open.total,
        open_needs: open.items,
        needs,
        needs_total,
        matches,
        pending_donors,
        verified_donors,
        runs,
        categories: options(AidCategory::ALL, AidCategory::code, AidCategory::label),
        kinds: options(DonorKind::ALL, DonorKind::code, DonorKind::label),
        units: options(Unit::ALL, Unit::code, Unit::label),
        conditions: options(Condition::ALL, Condition::code, Condition::label),
        today: today.to_string(),
    })
}

/// 供需对接: the caller's desk.
pub async fn desk(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth) -> Response {
    desk_page(&state, &a, Outcome::default()).await
}

/// Back to the desk with what happened: a notice, or the refusal with what was typed.
async fn after<T>(state: &Arc<AppState>, a: &Auth, r: Result<T, ApiError>, done: impl FnOnce(T) -> Outcome, typed: FormMap) -> Response {
    match r {
        Ok(x) => desk_page(state, a, done(x)).await,
        Err(e) if e.status == StatusCode::NOT_FOUND || e.status == StatusCode::INTERNAL_SERVER_ERROR => error_page(e),
        Err(e) => desk_page(state, a, Outcome { error: Some(e), typed, ..Default::default() }).await,
    }
}

fn notice(s: impl Into<String>) -> Outcome {
    Outcome { notice: Some(s.into()), ..Default::default() }
}

fn field<T>(r: Result<T, DomainError>, code: &'static str) -> Result<T, DomainError> {
    r.map_err(|e| DomainError::new(code, e.message))
}

fn yuan_of(f: &FormMap, k: &str, code: &'static str, label: &str) -> Result<Yuan, DomainError> {
    let v = get(f, k);
    if v.is_empty() {
        return Err(DomainError::new(code, format!("请填写{label}")));
    }
    field(Yuan::parse(&v), code)
}

fn date_of(f: &FormMap, k: &str, code: &'static str, label: &str) -> Result<Date, DomainError> {
    let v = get(f, k);
    if v.is_empty() {
        return Err(DomainError::new(code, format!("请填写{label}")));
    }
    field(Date::parse(&v), code)
}

fn donor_from(f: &FormMap) -> Result<DonorDraft, DomainError> {
    let kind = field(DonorKind::parse(&get(f, "kind")), "donor.kind")?;
    let credit = get(f, "credit_code");
    let id = get(f, "id_number");
    Ok(DonorDraft {
        kind,
        name: get(f, "name"),
        credit_code: if credit.is_empty() { None } else { Some(CreditCode::parse(&credit)?) },
        contact: get(f, "contact"),
        phone: get(f, "phone"),
        id_number: if id.is_empty() || kind != DonorKind::Individual {
            None
        } else {
            Some(field(IdNumber::parse(&id), "donor.id_number")?)
        },
        region: field(RegionCode::parse(&get(f, "region")), "donor.region")?,
        about: get(f, "about"),
    })
}

/// 登记帮扶主体.
pub async fn register(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth, Form(f): Form<FormMap>) -> Response {
    if !auth::csrf_ok(&a, &get(&f, "csrf")) {
        return csrf_refused();
    }
    let r = match donor_from(&f) {
        Ok(d) => {
            let (caller, at) = (a.caller.clone(), state.today().to_string());
            blocking(&state, move |s| s.register_donor(&caller, &d, &at)).await
        }
        Err(e) => Err(e.into()),
    };
    after(&state, &a, r, |d| notice(format!("已登记“{}”，等待所在县扶贫办审核；审核通过后即可发布帮扶资源。", d.draft.name)), f).await
}

fn offer_from(f: &FormMap) -> Result<OfferDraft, DomainError> {
    let regions = get(f, "regions")
        .split([' ', ',', '，', '、'])
        .filter(|s| !s.is_empty())
        .map(|r| field(RegionCode::parse(r), "offer.regions"))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(OfferDraft {
        category: field(AidCategory::parse(&get(f, "category")), "offer.category")?,
        title: get(f, "title"),
        description: get(f, "description"),
        capacity: get(f, "capacity").parse().map_err(|_| DomainError::new("offer.capacity", "名额应为整数"))?,
        unit: field(Unit::parse(&get(f, "unit")), "offer.unit")?,
        unit_value: yuan_of(f, "unit_value", "offer.unit_value", "每份价值")?,
        regions,
        deadline: date_of(f, "deadline", "offer.deadline", "截止日期")?,
        condition: field(Condition::parse(&get(f, "condition")), "offer.condition")?,
    })
}

/// 发布帮扶资源.
pub async fn post_offer(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth, Form(f): Form<FormMap>) -> Response {
    if !auth::csrf_ok(&a, &get(&f, "csrf")) {
        return csrf_refused();
    }
    let r = match offer_from(&f) {
        Ok(d) => {
            let (caller, at) = (a.caller.clone(), state.today().to_string());
            blocking(&state, move |s| s.post_offer(&caller, &d, &at)).await
        }
        Err(e) => Err(e.into()),
    };
    after(&state, &a, r, |o| notice(format!("资源“{}”已发布，共{}个名额。", o.draft.title, o.draft.capacity)), f).await
}

fn version(f: &FormMap) -> i64 {
    get(f, "version").parse().unwrap_or(0)
}

/// The actions on an offer, a need or a donor from the desk.
pub async fn act(
    State(state): State<Arc<AppState>>,
    PageAuth(a): PageAuth,
    Path((what, id, action)): Path<(String, String, String)>,
    Form(f): Form<FormMap>,
) -> Response {
    if !auth::csrf_ok(&a, &get(&f, "csrf")) {
        return csrf_refused();
    }
    let (caller, at, v, note) = (a.caller.clone(), state.today().to_string(), version(&f), get(&f, "note"));
    match (what.as_str(), action.as_str()) {
        ("offers", "withdraw") => {
            let r = blocking(&state, move |s| s.withdraw_offer(&caller, &id, v, &at)).await;
            after(&state, &a, r, |o| notice(format!("资源“{}”已撤回。", o.draft.title)), f).await
        }
        ("needs", "approve" | "reject") => {
            let approve = action == "approve";
            let r = blocking(&state, move |s| s.verify_need(&caller, &id, v, approve, &note, &at)).await;
            after(&state, &a, r, |n| notice(format!("需求{}：{}", n.id, n.state.label())), f).await
        }
        ("needs", "withdraw") => {
            let r = blocking(&state, move |s| s.withdraw_need(&caller, &id, v, &note, &at)).await;
            after(&state, &a, r, |n| notice(format!("需求{}已撤销。", n.id)), f).await
        }
        ("needs", "pick") => {
            let offer = get(&f, "offer_id");
            let r = blocking(&state, move |s| s.pick_need(&caller, &id, &offer, &at)).await;
            after(&state, &a, r, |m| notice(format!("已认领需求{}，等待农户同意（对接{}）。", m.need_id, m.id)), f).await
        }
        ("donors", "verify" | "suspend") => {
            let ok = action == "verify";
            let r = blocking(&state, move |s| s.verify_donor(&caller, &id, v, ok, &note, &at)).await;
            after(&state, &a, r, |d| notice(format!("帮扶主体“{}”：{}", d.draft.name, d.state.label())), f).await
        }
        _ => error_page(ApiError::not_found()),
    }
}

/// A step of a match (or a complaint, or the reveal of who the household is).
pub async fn step(
    State(state): State<Arc<AppState>>,
    PageAuth(a): PageAuth,
    Path((id, action)): Path<(String, String)>,
    Form(f): Form<FormMap>,
) -> Response {
    if !auth::csrf_ok(&a, &get(&f, "csrf")) {
        return csrf_refused();
    }
    let (caller, at, v, note) = (a.caller.clone(), state.today().to_string(), version(&f), get(&f, "note"));
    if action == "complain" {
        let r = blocking(&state, move |s| s.complain(&caller, &id, &note, &at)).await;
        return after(&state, &a, r, |m| notice(format!("已就对接{}投诉未按时交付，县扶贫办将督办。", m.id)), f).await;
    }
    if action == "contact" {
        let r = blocking(&state, move |s| s.match_contact(&caller, &id, &at)).await;
        return after(&state, &a, r, |c| Outcome { contact: Some(c), ..Default::default() }, f).await;
    }
    let step = match Step::parse(&action) {
        Ok(s) => s,
        Err(_) => return error_page(ApiError::not_found()),
    };
    let delivery = if step == Step::Deliver {
        let d = (|| -> Result<Delivery, DomainError> {
            Ok(Delivery {
                amount: yuan_of(&f, "amount", "match.amount", "交付金额")?,
                receipt: get(&f, "receipt"),
                on: date_of(&f, "delivered_on", "match.delivered_on", "交付日期")?,
            })
        })();
        match d {
            Ok(d) => Some(d),
            Err(e) => return desk_page(&state, &a, Outcome { error: Some(e.into()), typed: f, ..Default::default() }).await,
        }
    } else {
        None
    };
    let input = StepInput { note, delivery, code: Some(get(&f, "code")).filter(|c| !c.is_empty()) };
    let r = blocking(&state, move |s| s.step_match(&caller, &id, v, step, &input, &at)).await;
    after(
        &state,
        &a,
        r,
        |x| Outcome {
            notice: Some(format!("对接{}：{}", x.matched.id, x.matched.state.label())),
            code: x.code.map(|c| (x.matched.id.clone(), c)),
            ..Default::default()
        },
        f,
    )
    .await
}

/// 运行供需匹配 over the caller's region.
pub async fn run(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth, Form(f): Form<FormMap>) -> Response {
    if !auth::csrf_ok(&a, &get(&f, "csrf")) {
        return csrf_refused();
    }
    let (caller, at) = (a.caller.clone(), state.today().to_string());
    let region = a.caller.scope.region.clone();
    let r = blocking(&state, move |s| s.run_matcher(&caller, &region, &at)).await;
    after(
        &state,
        &a,
        r,
        |x| {
            notice(format!(
                "匹配完成：{}条待对接需求、{}项资源、{}个可选组合，提出{}条对接建议，已通知捐赠方确认。",
                x.needs, x.offers, x.candidates, x.proposed
            ))
        },
        f,
    )
    .await
}

/// 登记需求 from the household's page; back to it.
pub async fn record_need(
    State(state): State<Arc<AppState>>,
    PageAuth(a): PageAuth,
    Path(id): Path<String>,
    Form(f): Form<FormMap>,
) -> Response {
    if !auth::csrf_ok(&a, &get(&f, "csrf")) {
        return csrf_refused();
    }
    let draft = (|| -> Result<NeedDraft, DomainError> {
        let member = get(&f, "member_no");
        Ok(NeedDraft {
            category: field(AidCategory::parse(&get(&f, "category")), "need.category")?,
            description: get(&f, "description"),
            amount: yuan_of(&f, "amount", "need.amount", "所需金额")?,
            urgency: field(Urgency::parse(&get(&f, "urgency")), "need.urgency")?,
            deadline: date_of(&f, "deadline", "need.deadline", "期限")?,
            member_no: if member.is_empty() {
                None
            } else {
                Some(member.parse().map_err(|_| DomainError::new("need.member", "成员序号应为数字"))?)
            },
        })
    })();
    let r = match draft {
        Ok(d) => {
            let (caller, at, key) = (a.caller.clone(), state.today().to_string(), id.clone());
            blocking(&state, move |s| s.record_need(&caller, &key, &d, &at)).await
        }
        Err(e) => Err(e.into()),
    };
    use crate::registry::pages::{show_household, FormError};
    match r {
        Ok(n) => show_household(&state, &a, id, None, Some(format!("需求{}已登记，等待乡镇审核后向社会发布", n.id))).await,
        Err(e) if e.status == StatusCode::NOT_FOUND || e.status == StatusCode::FORBIDDEN => error_page(e),
        Err(e) => {
            let fields = ["category", "description", "amount", "urgency", "deadline", "member"];
            show_household(&state, &a, id, Some(FormError::new("need", &fields, e, f)), None).await
        }
    }
}
