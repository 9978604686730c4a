//! 政策发布 pages: the public policy portal (search, filters, a document with its revision chain
//! and history), and the officials' desk (drafts, review, repeal, revision).

use super::search::{search, ListParams, PolicyList, PER_PAGE};
use crate::auth::{self, Auth, MaybeAuth, PageAuth};
use crate::error::ApiError;
use crate::ui::{csrf_refused, error_page, nav, options, render, Nav};
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use fupin_domain::access::Action;
use fupin_domain::id_number::Date;
use fupin_domain::policy::{Category, DocNumber, Policy, PolicyDraft, PolicyState, Validity};
use fupin_domain::DomainError;
use fupin_store::{Event, PolicyQuery};
use std::sync::Arc;

use crate::ui::{form_get as get, FormMap};

#[derive(Template)]
#[template(path = "policies.html")]
struct ListPage {
    nav: Option<Nav>,
    p: ListParams,
    list: Option<PolicyList>,
    error: Option<String>,
    categories: Vec<(&'static str, &'static str)>,
    validities: Vec<(&'static str, &'static str)>,
    levels: Vec<(&'static str, &'static str)>,
    pages: u32,
    /// The query string without `page` (for the pager).
    base: String,
}

impl ListPage {
    fn v<'a>(&self, o: &'a Option<String>) -> &'a str {
        o.as_deref().unwrap_or("")
    }
}

fn query_string(p: &ListParams) -> String {
    let mut parts = vec![];
    for (k, v) in [
        ("q", &p.q),
        ("level", &p.level),
        ("issuer", &p.issuer),
        ("category", &p.category),
        ("validity", &p.validity),
        ("from", &p.from),
        ("to", &p.to),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            parts.push(format!("{k}={}", url_escape(v)));
        }
    }
    parts.join("&")
}

fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// 政策文件: search and filters, no login.
pub async fn list_page(State(state): State<Arc<AppState>>, MaybeAuth(a): MaybeAuth, Query(p): Query<ListParams>) -> Response {
    let (list, error) = match search(&state, &p).await {
        Ok(l) => (Some(l), None),
        Err(e) if e.status == StatusCode::BAD_REQUEST => (None, Some(e.message)),
        Err(e) => return error_page(e),
    };
    let pages = list.as_ref().map_or(1, |l| (l.total as u32).div_ceil(PER_PAGE).max(1));
    render(ListPage {
        nav: a.as_ref().map(|a| nav(a, &state)),
        base: query_string(&p),
        p,
        list,
        error,
        categories: options(Category::ALL, Category::code, Category::label),
        validities: options(Validity::ALL, Validity::code, Validity::label),
        levels: vec![("province", "省级"), ("city", "市级"), ("county", "县级")],
        pages,
    })
}

/// One line of a document's history.
struct HistoryLine {
    at: String,
    what: &'static str,
    note: String,
}

fn history_label(kind: &str) -> &'static str {
    match kind {
        "policy.draft" => "起草",
        "policy.draft_revision" => "起草修订版",
        "policy.edit" => "修改草稿",
        "policy.submit" => "送审",
        "policy.return" => "退回修改",
        "policy.publish" => "审核通过并发布",
        "policy.revised" => "被修订",
        "policy.partly_repeal" => "部分废止",
        "policy.repeal" => "全文废止",
        "policy.attach" => "添加附件",
        "policy.detach" => "删除附件",
        _ => "其他",
    }
}

#[derive(Template)]
#[template(path = "policy.html")]
struct DocPage {
    nav: Option<Nav>,
    p: Policy,
    paragraphs: Vec<String>,
    history: Vec<HistoryLine>,
    /// Titles of the documents it links to: (id, title) of what it revises, what revised it and
    /// what it implements.
    revises: Option<(String, String)>,
    revised_by: Option<(String, String)>,
    implements: Option<(String, String)>,
    attachments: Vec<fupin_domain::policy::Attachment>,
    /// The officials' actions on it (empty for the public and other regions).
    can_draft: bool,
    can_review: bool,
    error: Option<String>,
    notice: Option<String>,
    form: DraftForm,
    categories: Vec<(&'static str, &'static str)>,
}

/// The draft form's values: the document's, or what was typed into a refused form.
#[derive(Default)]
pub struct DraftForm {
    pub values: FormMap,
    pub field: Option<String>,
}

impl DraftForm {
    fn of(p: &PolicyDraft) -> DraftForm {
        let mut v = FormMap::new();
        v.insert("title".into(), p.title.clone());
        v.insert("issuer_unit".into(), p.issuer_unit.clone());
        v.insert("doc_number".into(), p.doc_number.as_ref().map(|n| n.to_string()).unwrap_or_default());
        v.insert("category".into(), p.category.code().into());
        v.insert("written_on".into(), p.written_on.to_string());
        v.insert("effective_on".into(), p.effective_on.map(|d| d.to_string()).unwrap_or_default());
        v.insert("expires_on".into(), p.expires_on.map(|d| d.to_string()).unwrap_or_default());
        v.insert("body".into(), p.body.clone());
        v.insert("implements".into(), p.implements.clone().unwrap_or_default());
        DraftForm { values: v, field: None }
    }

    pub fn v(&self, k: &str) -> &str {
        self.values.get(k).map(String::as_str).unwrap_or("")
    }

    pub fn bad(&self, k: &str) -> bool {
        self.field.as_deref() == Some(k)
    }
}

const DRAFT_FIELDS: &[&str] =
    &["title", "issuer_unit", "doc_number", "category", "written_on", "effective_on", "expires_on", "body", "implements", "revises"];

fn draft_from_form(f: &FormMap) -> Result<PolicyDraft, DomainError> {
    let date = |k: &'static str, code: &'static str| -> Result<Option<Date>, DomainError> {
        let v = get(f, k);
        if v.is_empty() {
            return Ok(None);
        }
        Date::parse(&v).map(Some).map_err(|e| DomainError::new(code, e.message))
    };
    let number = get(f, "doc_number");
    Ok(PolicyDraft {
        title: get(f, "title"),
        issuer_unit: get(f, "issuer_unit"),
        doc_number: if number.is_empty() { None } else { Some(DocNumber::parse(&number)?) },
        category: Category::parse(&get(f, "category")).map_err(|e| DomainError::new("policy.category", e.message))?,
        written_on: date("written_on", "policy.written_on")?.ok_or_else(|| DomainError::new("policy.written_on", "请填写成文日期"))?,
        effective_on: date("effective_on", "policy.effective_on")?,
        expires_on: date("expires_on", "policy.expires_on")?,
        body: f.get("body").cloned().unwrap_or_default(),
        implements: Some(get(f, "implements")).filter(|s| !s.is_empty()),
    })
}

/// The field an error names (`policy.title` → `title`).
fn field_of(code: &str) -> Option<String> {
    DRAFT_FIELDS.iter().find(|f| code.split('.').any(|p| p == **f) || code == format!("policy.{f}_taken")).map(|f| f.to_string())
}

async fn doc_page(
    state: &Arc<AppState>,
    a: Option<&Auth>,
    id: String,
    error: Option<ApiError>,
    typed: Option<FormMap>,
    notice: Option<String>,
) -> Response {
    let caller = a.map(|a| a.caller.clone());
    let loaded = blocking(state, move |s| {
        let p = s.policy(caller.as_ref(), &id)?;
        let events: Vec<Event> = s.policy_history(caller.as_ref(), &id)?;
        let title = |id: &Option<String>| -> Option<(String, String)> {
            let id = id.as_ref()?;
            s.policy(caller.as_ref(), id).ok().map(|x| (x.id, x.draft.title))
        };
        let links = (title(&p.revises), title(&p.revised_by), title(&p.draft.implements));
        let files = s.policy_attachments(caller.as_ref(), &id)?;
        Ok((p, events, links, files))
    })
    .await;
    let (p, events, (revises, revised_by, implements), attachments) = match loaded {
        Ok(x) => x,
        Err(e) => return error_page(e),
    };
    let own = a.is_some_and(|a| a.caller.scope.region == p.issuer_region);
    let history = events
        .into_iter()
        .map(|e| HistoryLine {
            at: e.at,
            what: history_label(&e.kind),
            note: if e.kind == "policy.publish" || e.kind == "policy.draft" { String::new() } else { e.reason },
        })
        .collect();
    let mut form = match typed {
        Some(t) => DraftForm { values: t, field: None },
        None => DraftForm::of(&p.draft),
    };
    form.field = error.as_ref().and_then(|e| field_of(&e.code));
    render(DocPage {
        nav: a.map(|a| nav(a, state)),
        paragraphs: p.draft.body.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect(),
        history,
        revises,
        revised_by,
        implements,
        attachments,
        can_draft: own && a.is_some_and(|a| a.user.role.may(Action::DraftPolicies)),
        can_review: own && a.is_some_and(|a| a.user.role.may(Action::ReviewPolicies)),
        error: error.map(|e| e.message),
        notice,
        form,
        categories: options(Category::ALL, Category::code, Category::label),
        p,
    })
}

/// A published document, for anyone; a draft only for its region's officials.
pub async fn doc(State(state): State<Arc<AppState>>, MaybeAuth(a): MaybeAuth, Path(id): Path<String>) -> Response {
    doc_page(&state, a.as_ref(), id, None, None, None).await
}

#[derive(Template)]
#[template(path = "policy_desk.html")]
struct DeskPage {
    nav: Nav,
    region_name: String,
    unpublished: Vec<Policy>,
    published: Vec<Policy>,
    published_total: i64,
    in_force_above: Vec<Policy>,
    form: DraftForm,
    revises: Option<(String, String)>,
    error: Option<String>,
    categories: Vec<(&'static str, &'static str)>,
}

#[derive(serde::Deserialize)]
pub struct DeskParams {
    /// Drafting a revision of this published document: the form starts from its text.
    revises: Option<String>,
}

async fn desk_page(state: &Arc<AppState>, a: &Auth, revises: Option<String>, error: Option<ApiError>, typed: Option<FormMap>) -> Response {
    if !a.user.role.may(Action::DraftPolicies) {
        return error_page(ApiError::new(StatusCode::FORBIDDEN, "forbidden", "只有省、市、县扶贫管理员和行业部门可以起草政策文件"));
    }
    let (caller, region) = (a.caller.clone(), a.caller.scope.region.clone());
    let today = state.today();
    let loaded = blocking(state, move |s| {
        let name = s.region(&region)?.map(|r| r.name).unwrap_or_default();
        let unpublished = s.policies(Some(&caller), &PolicyQuery { unpublished: true, per_page: 100, ..Default::default() })?;
        let published = s.policies(Some(&caller), &PolicyQuery { issuer: Some(region.clone()), per_page: 50, ..Default::default() })?;
        let above = s.policies(Some(&caller), &PolicyQuery { applies_to: Some(region.clone()), per_page: 100, ..Default::default() })?;
        let base = match &revises {
            Some(id) => Some(s.policy(Some(&caller), id)?),
            None => None,
        };
        Ok((name, unpublished, published, above, base))
    })
    .await;
    let (region_name, unpublished, published, above, base) = match loaded {
        Ok(x) => x,
        Err(e) => return error_page(e),
    };
    let mut form = match (typed, &base) {
        (Some(t), _) => DraftForm { values: t, field: None },
        (None, Some(b)) => {
            let mut f = DraftForm::of(&b.draft);
            f.values.insert("doc_number".into(), String::new());
            f.values.insert("written_on".into(), today.to_string());
            f.values.insert("title".into(), format!("{}（修订）", b.draft.title));
            f
        }
        (None, None) => {
            let mut f = DraftForm::default();
            f.values.insert("issuer_unit".into(), a.user.display_name.clone());
            f.values.insert("written_on".into(), today.to_string());
            f
        }
    };
    form.field = error.as_ref().and_then(|e| field_of(&e.code));
    let own = a.caller.scope.region.to_string();
    render(DeskPage {
        nav: nav(a, state),
        region_name,
        unpublished: unpublished.items,
        published_total: published.total,
        published: published.items,
        in_force_above: above.items.into_iter().filter(|p| p.issuer_region.as_str() != own && p.in_force_on(today)).collect(),
        form,
        revises: base.map(|b| (b.id, b.draft.title)),
        error: error.map(|e| e.message),
        categories: options(Category::ALL, Category::code, Category::label),
    })
}

/// 政策发布: the region's drafts and documents in review, its published documents, the higher
/// levels' documents in force for it, and the draft form.
pub async fn desk(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth, Query(p): Query<DeskParams>) -> Response {
    desk_page(&state, &a, p.revises.filter(|r| !r.is_empty()), None, None).await
}

/// 起草: a new draft (or revision) from the form; refused fields come back marked with what
/// was typed.
pub async fn create(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth, Form(f): Form<FormMap>) -> Response {
    if !auth::csrf_ok(&a, &get(&f, "csrf")) {
        return csrf_refused();
    }
    let revises = Some(get(&f, "revises")).filter(|r| !r.is_empty());
    let draft = match draft_from_form(&f) {
        Ok(d) => d,
        Err(e) => return desk_page(&state, &a, revises, Some(e.into()), Some(f)).await,
    };
    let (caller, at, r) = (a.caller.clone(), state.today().to_string(), revises.clone());
    match blocking(&state, move |s| s.draft_policy(&caller, &draft, r.as_deref(), &at)).await {
        Ok(p) => Redirect::to(&format!("/public/policies/{}", p.id)).into_response(),
        Err(e) if e.status == StatusCode::FORBIDDEN || e.status == StatusCode::NOT_FOUND => error_page(e),
        Err(e) => desk_page(&state, &a, revises, Some(e), Some(f)).await,
    }
}

fn version(f: &FormMap) -> i64 {
    get(f, "version").parse().unwrap_or(0)
}

/// The actions on one document: edit (a draft), submit, approve or return, repeal.
pub async fn act(
    State(state): State<Arc<AppState>>,
    PageAuth(a): PageAuth,
    Path((id, action)): Path<(String, String)>,
    Form(f): Form<FormMap>,
) -> Response {
    if !auth::csrf_ok(&a, &get(&f, "csrf")) {
        return csrf_refused();
    }
    let (caller, at, v, key) = (a.caller.clone(), state.today().to_string(), version(&f), id.clone());
    let note = get(&f, "note");
    let result = match action.as_str() {
        "edit" => match draft_from_form(&f) {
            Ok(d) => blocking(&state, move |s| s.edit_policy(&caller, &key, v, &d, &at)).await.map(|p| (p, "草稿已保存")),
            Err(e) => Err(e.into()),
        },
        "submit" => blocking(&state, move |s| s.submit_policy(&caller, &key, v, &at)).await.map(|p| (p, "已送审，等待本级审核")),
        "approve" => blocking(&state, move |s| s.review_policy(&caller, &key, v, true, &note, &at)).await.map(|p| (p, "审核通过，已发布")),
        "return" => blocking(&state, move |s| s.review_policy(&caller, &key, v, false, &note, &at)).await.map(|p| (p, "已退回修改")),
        "repeal" | "partly_repeal" => {
            let partial = action == "partly_repeal";
            blocking(&state, move |s| s.repeal_policy(&caller, &key, v, partial, &note, &at)).await.map(|p| (p, "已标记废止"))
        }
        _ => Err(ApiError::not_found()),
    };
    match result {
        Ok((p, done)) => {
            if p.state == PolicyState::Published {
                super::api::reindex(&state, &p).await;
            }
            doc_page(&state, Some(&a), id, None, None, Some(done.to_string())).await
        }
        Err(e) if e.status == StatusCode::NOT_FOUND || e.status == StatusCode::INTERNAL_SERVER_ERROR => error_page(e),
        Err(e) => {
            let typed = (action == "edit").then_some(f);
            doc_page(&state, Some(&a), id, Some(e), typed, None).await
        }
    }
}

/// 上传附件 to a draft: PDF, Word or an image, checked by its first bytes.
pub async fn attach(
    State(state): State<Arc<AppState>>,
    PageAuth(a): PageAuth,
    Path(id): Path<String>,
    mut form: axum::extract::Multipart,
) -> Response {
    let (mut csrf, mut version, mut upload, mut failed) = (String::new(), 0i64, None, None);
    loop {
        match form.next_field().await {
            Ok(Some(field)) => match field.name() {
                Some("csrf") => csrf = field.text().await.unwrap_or_default(),
                Some("version") => version = field.text().await.unwrap_or_default().trim().parse().unwrap_or(0),
                Some("file") => {
                    let name = field.file_name().unwrap_or("").to_string();
                    match field.bytes().await {
                        Ok(b) => upload = Some((name, b)),
                        Err(e) => failed = Some(format!("上传失败：{e}")),
                    }
                }
                _ => {}
            },
            Ok(None) => break,
            Err(e) => {
                failed = Some(format!("上传失败（附件不能超过{} MB）：{e}", fupin_domain::policy::MAX_ATTACHMENT_BYTES / 1024 / 1024));
                break;
            }
        }
    }
    if !auth::csrf_ok(&a, &csrf) {
        return csrf_refused();
    }
    let Some((name, bytes)) = upload.filter(|(n, _)| failed.is_none() && !n.is_empty()) else {
        let why = failed.unwrap_or_else(|| "请选择要上传的附件".into());
        return doc_page(&state, Some(&a), id, Some(ApiError::bad_request("attachment.missing", why)), None, None).await;
    };
    let (caller, at, key) = (a.caller.clone(), state.today().to_string(), id.clone());
    match blocking(&state, move |s| s.attach_policy_file(&caller, &key, version, &name, &bytes, &at)).await {
        Ok(_) => doc_page(&state, Some(&a), id, None, None, Some("附件已上传".into())).await,
        Err(e) if e.status == StatusCode::NOT_FOUND || e.status == StatusCode::INTERNAL_SERVER_ERROR => error_page(e),
        Err(e) => doc_page(&state, Some(&a), id, Some(e), None, None).await,
    }
}

/// 删除附件 of a draft.
pub async fn detach(
    State(state): State<Arc<AppState>>,
    PageAuth(a): PageAuth,
    Path((id, no)): Path<(String, i64)>,
    Form(f): Form<FormMap>,
) -> Response {
    if !auth::csrf_ok(&a, &get(&f, "csrf")) {
        return csrf_refused();
    }
    let (caller, at, v, key) = (a.caller.clone(), state.today().to_string(), version(&f), id.clone());
    match blocking(&state, move |s| s.remove_policy_file(&caller, &key, v, no, &at)).await {
        Ok(_) => doc_page(&state, Some(&a), id, None, None, Some("附件已删除".into())).await,
        Err(e) if e.status == StatusCode::NOT_FOUND || e.status == StatusCode::INTERNAL_SERVER_ERROR => error_page(e),
        Err(e) => doc_page(&state, Some(&a), id, Some(e), None, None).await,
    }
}

/// An attachment's bytes, as the content type recorded when it was checked, always as a
/// download (never rendered in the platform's origin).
pub async fn download(State(state): State<Arc<AppState>>, MaybeAuth(a): MaybeAuth, Path((id, no)): Path<(String, i64)>) -> Response {
    let caller = a.map(|a| a.caller);
    match blocking(&state, move |s| s.policy_file(caller.as_ref(), &id, no)).await {
        Ok((att, bytes)) => {
            let ascii: String = att.name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' { c } else { '_' }).collect();
            let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", url_escape(&att.name));
            ([(axum::http::header::CONTENT_TYPE, att.content_type), (axum::http::header::CONTENT_DISPOSITION, disposition)], bytes)
                .into_response()
        }
        Err(e) => error_page(e),
    }
}
