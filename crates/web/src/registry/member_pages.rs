//! Forms on the household page that change the file through the one change path: member
//! changes (births, marriages in, moving in; deaths, marriages out, moving out), the year's
//! income (动态调整), and the field edit. Each becomes one ledger event with its reason.

use crate::auth::{self, Auth, PageAuth};
use crate::error::ApiError;
use crate::registry::pages::{show_household, FormError};
use crate::ui::{error_page, nav, render, Nav};
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::response::{IntoResponse, Redirect};
use fupin_domain::id_number::Date;
use fupin_domain::registry::codes::*;
use fupin_domain::registry::household::{Change, Household, Income, Member};
use fupin_domain::{DomainError, IdNumber, Yuan};
use fupin_store::ChangeRequest;
use std::sync::Arc;

use crate::ui::{form_get as get, FormMap};

/// Checks the CSRF token, builds the change from the form over the current file, applies it at
/// the form's version, and shows the household again with the outcome.
pub(crate) async fn apply_form_change(
    state: &Arc<AppState>,
    a: &Auth,
    id: String,
    f: FormMap,
    (form, fields): (String, &[&str]),
    done: &str,
    build: impl FnOnce(&Household, &FormMap) -> Result<(Change, String), DomainError> + Send + 'static,
) -> Response {
    if !auth::csrf_ok(a, f.get("csrf").map(String::as_str).unwrap_or("")) {
        return error_page(ApiError::new(StatusCode::FORBIDDEN, "csrf", "请求已过期，请刷新页面后重试"));
    }
    let result = async {
        let version: i64 =
            f.get("version").and_then(|v| v.parse().ok()).ok_or_else(|| ApiError::bad_request("form.version", "表单缺少档案版本"))?;
        let (caller, at, hid, f) = (a.caller.clone(), state.today().to_string(), id.clone(), f.clone());
        blocking(state, move |s| {
            let current = s.household(&caller, &hid)?;
            let (change, reason) = build(&current, &f)?;
            if reason.trim().is_empty() {
                return Err(DomainError::new("form.reason", "请填写变更原因").into());
            }
            let req = ChangeRequest { household_id: hid, expected_version: version, change, reason, at };
            s.change_household(&caller, &req)
        })
        .await
    }
    .await;
    match result {
        Ok(_) => show_household(state, a, id, None, Some(format!("{done}，变更已记入账本"))).await,
        Err(e) if e.status == StatusCode::NOT_FOUND || e.status == StatusCode::INTERNAL_SERVER_ERROR => error_page(e),
        Err(e) => show_household(state, a, id, Some(FormError::new(form, fields, e, typed(f))), None).await,
    }
}

/// What was typed, without the form's machinery.
pub(crate) fn typed(mut f: FormMap) -> FormMap {
    f.remove("csrf");
    f.remove("version");
    f
}

/// The fields of each household form that an error can name.
pub(crate) const MEMBER_FIELDS: &[&str] = &["name", "id_number", "birth_date", "reason"];
pub(crate) const LEAVE_FIELDS: &[&str] = &["date", "reason"];
pub(crate) const INCOME_FIELDS: &[&str] =
    &["year", "wage", "business", "property", "transfer", "transfer_excluded", "expenses", "hard_expenses", "reason"];
pub(crate) const EDIT_FIELDS: &[&str] = &["phone", "bank", "bank_account", "planned_exit_year", "reason"];

/// 成员增加: a new member from the form; sex and (unless given) birth date come from the ID.
fn member_from_form(h: &Household, f: &FormMap) -> Result<(Change, String), DomainError> {
    let arrival = MemberChange::parse(&get(f, "change"))?;
    if arrival.is_departure() {
        return Err(DomainError::new("member.change", format!("“{}”不是成员增加的类型", arrival.label())));
    }
    let id_number = IdNumber::parse(&get(f, "id_number"))?;
    let birth = get(f, "birth_date");
    let birth_date = if birth.is_empty() {
        id_number.birth_date()
    } else {
        Date::parse(&birth).map_err(|e| DomainError::new("member.birth_date", e.message))?
    };
    let no = h.members.iter().map(|m| m.no).max().unwrap_or(0) + 1;
    let member = Member {
        ethnicity: Some(get(f, "ethnicity")).filter(|e| !e.is_empty()).unwrap_or_else(|| "汉族".into()),
        education: Education::parse(&get(f, "education"))?,
        schooling: Schooling::parse(&get(f, "schooling"))?,
        health: Health::parse(&get(f, "health"))?,
        labour: Labour::parse(&get(f, "labour"))?,
        medical_insurance: f.contains_key("medical_insurance"),
        serious_illness_insurance: f.contains_key("medical_insurance"),
        birth_date: Some(birth_date),
        ..Member::new(no, &get(f, "name"), id_number, Relation::parse(&get(f, "relation"))?)
    };
    let reason = format!("{}：{}", arrival.label(), get(f, "reason"));
    Ok((Change::PutMember { member }, reason))
}

pub(crate) async fn add_member(
    State(state): State<Arc<AppState>>,
    PageAuth(a): PageAuth,
    Path(id): Path<String>,
    Form(f): Form<FormMap>,
) -> Response {
    apply_form_change(&state, &a, id, f, ("member".into(), MEMBER_FIELDS), "成员已增加", member_from_form).await
}

pub(crate) async fn member_left(
    State(state): State<Arc<AppState>>,
    PageAuth(a): PageAuth,
    Path((id, no)): Path<(String, i64)>,
    Form(f): Form<FormMap>,
) -> Response {
    apply_form_change(&state, &a, id, f, (format!("leave-{no}"), LEAVE_FIELDS), "成员减少已登记", move |_, f| {
        let change = MemberChange::parse(&get(f, "change"))?;
        let date = get(f, "date");
        let reason = format!("{}：{}", change.label(), get(f, "reason"));
        Ok((Change::MemberLeft { no, change, date }, reason))
    })
    .await
}

/// The stable code of a refused amount of the income form.
fn income_code(field: &str) -> &'static str {
    match field {
        "wage" => "income.wage",
        "business" => "income.business",
        "property" => "income.property",
        "transfer" => "income.transfer",
        "transfer_excluded" => "income.transfer_excluded",
        "expenses" => "income.expenses",
        _ => "income.hard_expenses",
    }
}

/// 录入年度收入: amounts in 元 (blank is 0).
fn income_from_form(_: &Household, f: &FormMap) -> Result<(Change, String), DomainError> {
    // Each amount's error names its field, so the form marks the right box.
    let money = |k: &'static str| -> Result<Yuan, DomainError> {
        let v = get(f, k);
        if v.is_empty() {
            return Ok(Yuan::ZERO);
        }
        Yuan::parse(&v).map_err(|e| DomainError::new(INCOME_FIELDS.iter().find(|f| **f == k).map_or(e.code, |f| income_code(f)), e.message))
    };
    let year = get(f, "year");
    let year: i32 = year.parse().map_err(|_| DomainError::new("income.year", format!("收入年度“{year}”应为四位年份")))?;
    let income = Income {
        year,
        wage: money("wage")?,
        business: money("business")?,
        property: money("property")?,
        transfer: money("transfer")?,
        transfer_excluded: money("transfer_excluded")?,
        expenses: money("expenses")?,
        hard_expenses: money("hard_expenses")?,
    };
    Ok((Change::SetIncome { income }, get(f, "reason")))
}

pub(crate) async fn set_income(
    State(state): State<Arc<AppState>>,
    PageAuth(a): PageAuth,
    Path(id): Path<String>,
    Form(f): Form<FormMap>,
) -> Response {
    apply_form_change(&state, &a, id, f, ("income".into(), INCOME_FIELDS), "年度收入已录入", income_from_form).await
}

#[derive(Template)]
#[template(path = "record.html")]
struct RecordPage {
    nav: Nav,
    error: Option<String>,
    village: String,
    name: String,
    id_number: String,
    phone: String,
    reason: String,
    causes: Vec<(&'static str, &'static str)>,
    healths: Vec<(&'static str, &'static str)>,
    labours: Vec<(&'static str, &'static str)>,
}

fn record_form(state: &Arc<AppState>, a: &Auth, f: &FormMap, error: Option<String>) -> Response {
    render(RecordPage {
        nav: nav(a, state),
        error,
        village: a.caller.scope.region.to_string(),
        name: get(f, "name"),
        id_number: get(f, "id_number"),
        phone: get(f, "phone"),
        reason: get(f, "reason"),
        causes: Cause::ALL.iter().map(|c| (c.code(), c.label())).collect(),
        healths: Health::ALL.iter().map(|c| (c.code(), c.label())).collect(),
        labours: Labour::ALL.iter().map(|c| (c.code(), c.label())).collect(),
    })
}

pub(crate) async fn record_page(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth) -> Response {
    if a.user.role.official_level() != Some(fupin_domain::Level::Village) {
        return error_page(ApiError::new(StatusCode::FORBIDDEN, "forbidden", "非建档立卡户由村级管理员录入"));
    }
    record_form(&state, &a, &FormMap::new(), None)
}

/// The recorded household starts with its head; members, incomes and conditions are added on
/// its page like any file's.
fn recorded_from_form(village: &fupin_domain::RegionCode, f: &FormMap) -> Result<Household, DomainError> {
    let id_number = IdNumber::parse(&get(f, "id_number"))?;
    let head = Member {
        health: Health::parse(&get(f, "health"))?,
        labour: Labour::parse(&get(f, "labour"))?,
        ..Member::new(1, &get(f, "name"), id_number, Relation::Head)
    };
    Ok(Household {
        id: String::new(),
        village: village.clone(),
        status: Status::NonPoor,
        attribute: Attribute::Ordinary,
        standard: Standard::Provincial,
        main_cause: Cause::parse(&get(f, "main_cause"))?,
        other_causes: vec![],
        phone: get(f, "phone"),
        bank: String::new(),
        bank_account: String::new(),
        planned_exit_year: None,
        registered_year: 0,
        exited_year: None,
        monitoring: None,
        form_version: String::new(),
        conditions: fupin_domain::registry::household::Conditions::all_met(),
        details: Default::default(),
        version: 1,
        members: vec![head],
        incomes: vec![],
        helpers: vec![],
        measures: vec![],
    })
}

pub(crate) async fn record(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth, Form(f): Form<FormMap>) -> Response {
    if !auth::csrf_ok(&a, f.get("csrf").map(String::as_str).unwrap_or("")) {
        return error_page(ApiError::new(StatusCode::FORBIDDEN, "csrf", "请求已过期，请刷新页面后重试"));
    }
    let h = match recorded_from_form(&a.caller.scope.region, &f) {
        Ok(h) => h,
        Err(e) => return record_form(&state, &a, &f, Some(e.message)),
    };
    let (caller, reason, at) = (a.caller.clone(), get(&f, "reason"), state.today().to_string());
    match blocking(&state, move |s| s.record_household(&caller, h, &reason, &at)).await {
        Ok(h) => Redirect::to(&format!("/households/{}", h.id)).into_response(),
        Err(e) if e.status == StatusCode::FORBIDDEN => error_page(e),
        Err(e) => record_form(&state, &a, &f, Some(e.message)),
    }
}
