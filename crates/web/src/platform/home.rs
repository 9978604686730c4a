//! The front page: the public portal for visitors, and for a logged-in user the landing page of
//! their role (their to-dos first, then what the role works on).

use crate::auth::{Auth, MaybeAuth};
use crate::error::ApiError;
use crate::maps::figures::{child_rows, summary, ChildRow, Summary};
use crate::registry::api::mask_list;
use crate::ui::{error_page, filters, nav, render, Nav};
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use fupin_domain::access::{Action, Role};
use fupin_domain::{Level, RegionCode};
use fupin_store::{Case, HouseholdQuery, HouseholdSummary, Region};
use serde::Deserialize;
use std::sync::Arc;

/// To-dos listed on the landing page; the case list has the rest.
const TODO_SHOWN: usize = 20;
/// Households due a visit listed on a front page.
const VISITS_SHOWN: usize = 20;
/// Policies in force listed on a front page (the rest behind a link).
const POLICIES_SHOWN: usize = 6;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    nav: Nav,
    role: &'static str,
    region: Region,
    s: Summary,
    children: Vec<ChildRow>,
    handles_cases: bool,
    /// Case steps waiting for this official (officials only).
    todos: Vec<Case>,
    todo_total: usize,
    /// The households the user works on directly (a village's, a helper's own).
    households: Vec<HouseholdSummary>,
    households_total: i64,
    /// A helper's households that still have no measure.
    no_measure: i64,
    /// Open cases of a helper's households.
    cases: Vec<Case>,
    /// What the role does here, in one sentence.
    intro: &'static str,
    /// The newest policies in force for the user's region, and how many apply to it.
    policies: Vec<fupin_domain::policy::Policy>,
    policies_total: i64,
    /// The households due a visit (helper and village official): each with its last visit and
    /// the days since, the never-visited first; how many in all.
    visits_due: Vec<(fupin_store::registry::visits::VisitStatus, Option<i64>)>,
    visits_due_total: usize,
}

fn intro(role: Role) -> &'static str {
    match role {
        Role::ProvinceOfficial | Role::CityOfficial | Role::CountyOfficial | Role::TownshipOfficial => {
            "本地区待办业务、脱贫进度和下级区域一览；点击下级区域逐级查看。"
        }
        Role::VillageOfficial => "本村贫困户档案、待办业务和脱贫进度；档案的建立、修改和业务申请在此办理。",
        Role::Helper => "您结对帮扶的贫困户：查看档案、帮扶措施和正在办理的业务。",
        Role::Department => "本地区贫困人口概况和适用的扶贫政策；本部门可在“政策发布”起草政策文件，部门惠民政策落实记录上线后在此列出。",
        Role::Donor => {
            "全省脱贫进度一览。在“供需对接”中登记帮扶主体、发布帮扶资源、认领经乡镇审核发布的困难群众需求，并查看捐赠记录和农户反馈。"
        }
        Role::Evaluator => "受托评估地区的贫困人口和退出情况。在“第三方评估”按公布的随机种子抽取县的样本、打印入户名单、录入入户调查结果，并查看错退率、漏评率、群众认可度的估计与退出结论；未完成的入户调查列在“待办”中。",
    }
}

async fn landing(state: &Arc<AppState>, a: Auth) -> Result<HomePage, ApiError> {
    let role = a.user.role;
    let caller = a.caller.clone();
    let region = a.user.region.clone();
    let helper = role == Role::Helper;
    let works_on_files = matches!(role, Role::VillageOfficial | Role::Helper);
    let loaded = blocking(state, move |s| {
        let figures = s.region_figures(&caller, &region)?;
        let todos: Vec<Case> = if role.may(Action::HandleCases) {
            s.cases(&caller, &region, true)?.into_iter().filter(|c| c.awaits(&caller)).collect()
        } else {
            vec![]
        };
        let (households, no_measure) = if works_on_files {
            let list = s.search_households(&caller, &HouseholdQuery { per_page: 50, ..Default::default() })?;
            let gaps = if helper {
                s.search_households(&caller, &HouseholdQuery { no_measure: true, per_page: 1, ..Default::default() })?.total
            } else {
                0
            };
            (Some(list), gaps)
        } else {
            (None, 0)
        };
        let cases = if helper { s.cases(&caller, &region, true)? } else { vec![] };
        let q = fupin_store::PolicyQuery { applies_to: Some(region.clone()), validity: None, per_page: 30, ..Default::default() };
        let policies = s.policies(Some(&caller), &q)?;
        let visits = if role.may(Action::RecordVisits) { s.visit_status(&caller)? } else { vec![] };
        Ok((figures, todos, households, no_measure, cases, policies, visits))
    })
    .await?;
    let (figures, mut todos, households, no_measure, cases, policies, visits) = loaded;
    let every = state.store.rules().visit_every_days;
    let mut visits_due: Vec<_> = visits
        .into_iter()
        .filter_map(|v| fupin_domain::registry::visit::due(v.last_visit, state.today(), every).map(|since| (v, since)))
        .collect();
    let visits_due_total = visits_due.len();
    visits_due.truncate(VISITS_SHOWN);
    let today = state.today();
    let policies_total = policies.total;
    let policies: Vec<fupin_domain::policy::Policy> =
        policies.items.into_iter().filter(|p| p.in_force_on(today)).take(POLICIES_SHOWN).collect();
    let todo_total = todos.len();
    todos.truncate(TODO_SHOWN);
    let (households, households_total) = match households {
        Some(p) => {
            let p = mask_list(p);
            (p.items, p.total)
        }
        None => (vec![], 0),
    };
    Ok(HomePage {
        nav: nav(&a, state),
        role: role.as_str(),
        s: summary(&figures.total),
        children: if helper { vec![] } else { child_rows(&figures.children, |r| Some(format!("/regions/{}", r.code))) },
        region: figures.region,
        handles_cases: role.may(Action::HandleCases),
        todos,
        todo_total,
        households,
        households_total,
        no_measure,
        cases,
        intro: intro(role),
        policies,
        policies_total,
        visits_due,
        visits_due_total,
    })
}

#[derive(Template)]
#[template(path = "portal.html")]
struct PortalPage {
    region: Region,
    /// The way back up: the province and, below it, the city.
    crumbs: Vec<(String, String)>,
    s: Summary,
    children: Vec<ChildRow>,
    as_of: String,
    logged_in: bool,
    /// The platform's public key, under which the ledger's heads are signed.
    ledger_key: String,
}

/// The portal drills down to the county; a county's townships are listed without a link (their
/// villages' counts are too small to publish) and its notices are one click away.
fn portal_link(r: &Region) -> Option<String> {
    matches!(r.level, Level::City | Level::County).then(|| format!("/public?region={}", r.code))
}

#[derive(Deserialize)]
pub struct PortalQuery {
    region: Option<String>,
}

/// The public portal: headline figures of the province, a city or a county; no personal data.
async fn portal(state: &Arc<AppState>, region: Option<&str>, logged_in: bool) -> Result<PortalPage, ApiError> {
    let code = match region.filter(|r| !r.is_empty()) {
        Some(r) => Some(RegionCode::parse(r)?),
        None => None,
    };
    let f = blocking(state, move |s| s.public_figures(code.as_ref())).await?;
    // The names above, from the divisions (no figures are summed for them).
    let chain: Vec<RegionCode> =
        RegionCode::parse(&f.region.code)?.ancestors_and_self().into_iter().filter(|c| c.as_str() != f.region.code).collect();
    let today = state.today().to_string();
    let (crumbs, ledger_key) = blocking(state, move |s| {
        let mut out = vec![];
        for c in chain {
            if let Some(r) = s.region(&c)? {
                out.push((r.code, r.name));
            }
        }
        Ok((out, s.signed_heads(&today)?.public_key))
    })
    .await?;
    Ok(PortalPage {
        s: summary(&f.total),
        children: child_rows(&f.children, portal_link),
        region: f.region,
        crumbs,
        as_of: state.today().to_string(),
        logged_in,
        ledger_key,
    })
}

pub async fn home(State(state): State<Arc<AppState>>, MaybeAuth(a): MaybeAuth) -> Response {
    let page = match a {
        Some(a) => landing(&state, a).await.map(render),
        None => portal(&state, None, false).await.map(render),
    };
    page.unwrap_or_else(error_page)
}

/// The portal under its own address: for logged-in users too, and for drilling down.
pub async fn public_portal(State(state): State<Arc<AppState>>, MaybeAuth(a): MaybeAuth, Query(q): Query<PortalQuery>) -> Response {
    portal(&state, q.region.as_deref(), a.is_some()).await.map(render).unwrap_or_else(error_page)
}

/// The platform's mark in the browser tab: a red square with 扶 (no file to ship).
pub async fn favicon() -> Response {
    const SVG: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#b71c1c"/><text x="16" y="23" font-size="20" text-anchor="middle" fill="#fff" font-family="sans-serif">扶</text></svg>"##;
    ([(axum::http::header::CONTENT_TYPE, "image/svg+xml"), (axum::http::header::CACHE_CONTROL, "public, max-age=86400")], SVG)
        .into_response()
}
