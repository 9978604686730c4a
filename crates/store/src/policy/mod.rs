//! 政策发布 in the store: policy documents through their lifecycle (draft → review by the issuing
//! level → published → revised or repealed), each step an event on the issuing region's ledger
//! chain, and the public reads (published documents only). The full-text index is derived from
//! these rows elsewhere (`fupin-search`); `policy_stamp` says when it is stale.

pub mod conformance;
pub mod schema;

use crate::core::db::{Backend, Row, Tx, Val};
use crate::core::ledger::{self, Event, EVENT_COLS};
use crate::core::query::require;
use crate::sql_store::SqlStore;
use crate::{Page, Result, StoreError};
use fupin_domain::access::{Action, Caller};
use fupin_domain::id_number::Date;
use fupin_domain::policy::{self, Attachment, Category, DocNumber, Policy, PolicyDraft, PolicyState, Validity};
use fupin_domain::{DomainError, Level, RegionCode};
use serde_json::json;

/// Filters of a policy list. `None` everywhere: every document the caller may read.
#[derive(Debug, Clone, Default)]
pub struct PolicyQuery {
    pub level: Option<Level>,
    /// Issued by exactly this region.
    pub issuer: Option<RegionCode>,
    /// Applying to this region: issued by it or by a region above it.
    pub applies_to: Option<RegionCode>,
    pub category: Option<Category>,
    pub validity: Option<Validity>,
    /// 发布日期 from and to (inclusive).
    pub from: Option<Date>,
    pub to: Option<Date>,
    /// Only these documents (the search's hits), in this order.
    pub ids: Option<Vec<String>>,
    /// Drafts and documents in review of the caller's own region instead of published ones.
    pub unpublished: bool,
    pub page: u32,
    pub per_page: u32,
}

pub trait PolicyStore: Send + Sync {
    /// A new draft of the caller's region (a revision of `revises` when given, which must be
    /// published and of the same region).
    fn draft_policy(&self, caller: &Caller, draft: &PolicyDraft, revises: Option<&str>, at: &str) -> Result<Policy>;
    /// Rewrites a draft (not once it is in review or published).
    fn edit_policy(&self, caller: &Caller, id: &str, expected_version: i64, draft: &PolicyDraft, at: &str) -> Result<Policy>;
    /// Sends a draft to the issuing level's review.
    fn submit_policy(&self, caller: &Caller, id: &str, expected_version: i64, at: &str) -> Result<Policy>;
    /// The issuing level approves (published on `at`'s date; the document it revises becomes
    /// 已修订) or returns it to draft with a note.
    fn review_policy(&self, caller: &Caller, id: &str, expected_version: i64, approve: bool, note: &str, at: &str) -> Result<Policy>;
    /// 废止: the whole document, or a part of it (it stays in force, marked 部分废止).
    fn repeal_policy(&self, caller: &Caller, id: &str, expected_version: i64, partial: bool, note: &str, at: &str) -> Result<Policy>;
    /// A document: published ones to anyone (`None` is the public); drafts and documents in
    /// review only to their region's drafters and reviewers.
    fn policy(&self, caller: Option<&Caller>, id: &str) -> Result<Policy>;
    fn policies(&self, caller: Option<&Caller>, q: &PolicyQuery) -> Result<Page<Policy>>;
    /// Published documents in id order after `after`: what the search index holds.
    fn published_policies_after(&self, after: Option<&str>, limit: u32) -> Result<Vec<Policy>>;
    /// Changes whenever a published document changes (publication, repeal, revision).
    fn policy_stamp(&self) -> Result<String>;
    /// A document's lifecycle events, oldest first (with the same reading rights as `policy`).
    fn policy_history(&self, caller: Option<&Caller>, id: &str) -> Result<Vec<Event>>;
    /// Attaches a file to a draft (checked by `policy::attachment`; kept by its SHA-256).
    fn attach_policy_file(&self, caller: &Caller, id: &str, expected_version: i64, name: &str, bytes: &[u8], at: &str) -> Result<Policy>;
    /// Removes a draft's attachment.
    fn remove_policy_file(&self, caller: &Caller, id: &str, expected_version: i64, no: i64, at: &str) -> Result<Policy>;
    /// A document's attachments (with the same reading rights as `policy`).
    fn policy_attachments(&self, caller: Option<&Caller>, id: &str) -> Result<Vec<Attachment>>;
    /// One attachment and its bytes.
    fn policy_file(&self, caller: Option<&Caller>, id: &str, no: i64) -> Result<(Attachment, Vec<u8>)>;
}

const COLS: &str = "id, issuer_region, version, state, validity, title, issuer_unit, doc_number, category, written_on, \
                    published_on, effective_on, expires_on, body, implements, revises, revised_by, drafted_by";

fn parse_policy(r: &Row) -> Result<Policy> {
    let corrupt = |e: DomainError| StoreError::Corrupt(format!("policies ({}): {e}", r.str(0).unwrap_or("?")));
    let date = |i: usize| -> Result<Option<Date>> { r.opt_text(i)?.map(|s| Date::parse(&s).map_err(corrupt)).transpose() };
    Ok(Policy {
        id: r.text(0)?,
        issuer_region: RegionCode::parse(r.str(1)?).map_err(corrupt)?,
        version: r.int(2)?,
        state: PolicyState::parse(r.str(3)?).map_err(corrupt)?,
        validity: Validity::parse(r.str(4)?).map_err(corrupt)?,
        draft: PolicyDraft {
            title: r.text(5)?,
            issuer_unit: r.text(6)?,
            doc_number: r.opt_text(7)?.map(|s| DocNumber::parse(&s).map_err(corrupt)).transpose()?,
            category: Category::parse(r.str(8)?).map_err(corrupt)?,
            written_on: Date::parse(r.str(9)?).map_err(corrupt)?,
            effective_on: date(11)?,
            expires_on: date(12)?,
            body: r.text(13)?,
            implements: r.opt_text(14)?,
        },
        published_on: date(10)?,
        revises: r.opt_text(15)?,
        revised_by: r.opt_text(16)?,
        drafted_by: r.text(17)?,
    })
}

fn row(p: &Policy) -> Vec<Val> {
    let d = &p.draft;
    vec![
        p.id.as_str().into(),
        p.issuer_region.as_str().into(),
        p.version.into(),
        p.state.code().into(),
        p.validity.code().into(),
        d.title.trim().into(),
        d.issuer_unit.trim().into(),
        d.doc_number.as_ref().map(|n| n.to_string()).into(),
        d.category.code().into(),
        d.written_on.to_string().into(),
        p.published_on.map(|x| x.to_string()).into(),
        d.effective_on.map(|x| x.to_string()).into(),
        d.expires_on.map(|x| x.to_string()).into(),
        d.body.as_str().into(),
        d.implements.as_deref().into(),
        p.revises.as_deref().into(),
        p.revised_by.as_deref().into(),
        p.drafted_by.as_str().into(),
    ]
}

fn save(tx: &mut dyn Tx, p: &Policy) -> Result<()> {
    let params: Vec<String> = (1..=18).map(|i| format!("${i}")).collect();
    tx.exec("DELETE FROM policies WHERE id = $1", &[p.id.as_str().into()])?;
    tx.exec(&format!("INSERT INTO policies ({COLS}) VALUES ({})", params.join(", ")), &row(p))?;
    Ok(())
}

fn load(tx: &mut dyn Tx, id: &str) -> Result<Option<Policy>> {
    tx.query_one(&format!("SELECT {COLS} FROM policies WHERE id = $1"), &[id.into()])?.map(|r| parse_policy(&r)).transpose()
}

/// Appends a lifecycle event to the issuing region's chain.
fn record(tx: &mut dyn Tx, actor: &str, p: &Policy, kind: &str, reason: &str, at: &str) -> Result<()> {
    let payload = json!({"state": p.state, "validity": p.validity, "version": p.version, "title": p.draft.title,
        "doc_number": p.draft.doc_number.as_ref().map(|n| n.to_string())});
    let mut ev = Event::new(p.issuer_region.as_str(), &p.id, kind, actor, at, reason, payload.to_string());
    ledger::append(tx, &mut ev)
}

use crate::core::query::business_date;

/// Who may read a document that is not published: its region's drafters and reviewers.
fn may_see_unpublished(caller: &Caller, p: &Policy) -> bool {
    (caller.role.may(Action::DraftPolicies) || caller.role.may(Action::ReviewPolicies)) && caller.scope.region == p.issuer_region
}

/// The document for a change by `caller` at `expected_version`: NotFound outside what the
/// caller may read, Conflict on a stale version.
fn for_change(tx: &mut dyn Tx, caller: &Caller, id: &str, expected_version: i64) -> Result<Policy> {
    let p = load(tx, id)?.ok_or(StoreError::NotFound)?;
    if caller.scope.region != p.issuer_region {
        return Err(if p.is_public() {
            StoreError::Forbidden("只有发文地区可以修改、审核或废止本文件".into())
        } else {
            StoreError::NotFound
        });
    }
    if p.version != expected_version {
        return Err(StoreError::Conflict { current: p.version });
    }
    Ok(p)
}

/// A 文号 is the issuer's once: refused if another document of the region holds it.
fn doc_number_free(tx: &mut dyn Tx, p: &Policy) -> Result<()> {
    let Some(n) = &p.draft.doc_number else { return Ok(()) };
    let n = n.to_string();
    let taken = tx.query_one(
        "SELECT id FROM policies WHERE issuer_region = $1 AND doc_number = $2 AND id <> $3",
        &[p.issuer_region.as_str().into(), n.as_str().into(), p.id.as_str().into()],
    )?;
    match taken {
        Some(r) => Err(DomainError::new("policy.doc_number_taken", format!("发文字号{n}已被本地区的文件{}使用", r.text(0)?)).into()),
        None => Ok(()),
    }
}

fn next_id(tx: &mut dyn Tx, region: &RegionCode) -> Result<String> {
    let prefix = format!("P{region}-");
    let (lo, hi) = (format!("{prefix}00000"), format!("{prefix}99999"));
    let last = tx.query_one("SELECT MAX(id) FROM policies WHERE id >= $1 AND id <= $2", &[lo.as_str().into(), hi.as_str().into()])?;
    let n = last.and_then(|r| r.opt_text(0).ok().flatten()).and_then(|id| id[prefix.len()..].parse::<u32>().ok()).unwrap_or(0) + 1;
    Ok(format!("{prefix}{n:05}"))
}

/// A WHERE clause built up with numbered parameters.
#[derive(Default)]
struct Where {
    sql: Vec<String>,
    vals: Vec<Val>,
}

impl Where {
    /// `sql` with its one `?` as the next parameter.
    fn cond(&mut self, sql: &str, v: Val) {
        self.vals.push(v);
        self.sql.push(sql.replace('?', &format!("${}", self.vals.len())));
    }

    fn one_of(&mut self, col: &str, vals: Vec<Val>) {
        let mut list = vec![];
        for v in vals {
            self.vals.push(v);
            list.push(format!("${}", self.vals.len()));
        }
        self.sql.push(format!("{col} IN ({})", list.join(", ")));
    }
}

impl<B: Backend> PolicyStore for SqlStore<B> {
    fn draft_policy(&self, caller: &Caller, draft: &PolicyDraft, revises: Option<&str>, at: &str) -> Result<Policy> {
        require(caller.role.may(Action::DraftPolicies), "只有省、市、县扶贫管理员和行业部门可以起草政策文件")?;
        if !policy::issues_policies(caller.scope.region.level()) {
            return Err(StoreError::Forbidden("政策文件由省、市、县发布，乡镇和村负责落实".into()));
        }
        policy::validate(draft)?;
        self.write(|tx| {
            if let Some(higher) = &draft.implements {
                let h = load(tx, higher)?
                    .filter(|h| h.is_public())
                    .ok_or_else(|| DomainError::new("policy.implements", format!("所落实的上级文件{higher}不存在或未发布")))?;
                // A document carries out one of its own region's (a measure under the region's
                // plan) or of a region above; never a neighbour's.
                if !h.issuer_region.contains(&caller.scope.region) {
                    return Err(DomainError::new("policy.implements", "所落实的文件应由本级或上级地区发布").into());
                }
            }
            if let Some(old) = revises {
                let o = load(tx, old)?.filter(|o| o.is_public() && o.issuer_region == caller.scope.region);
                let o = o.ok_or_else(|| DomainError::new("policy.revises", format!("被修订的文件{old}不存在或不是本地区已发布的文件")))?;
                if matches!(o.validity, Validity::Revised | Validity::Repealed) {
                    return Err(DomainError::new("policy.revises", format!("文件{old}已{}，不能再修订", o.validity.label())).into());
                }
            }
            let p = Policy {
                id: next_id(tx, &caller.scope.region)?,
                version: 1,
                issuer_region: caller.scope.region.clone(),
                draft: draft.clone(),
                state: PolicyState::Draft,
                validity: Validity::InForce,
                published_on: None,
                revises: revises.map(str::to_string),
                revised_by: None,
                drafted_by: caller.username.clone(),
            };
            doc_number_free(tx, &p)?;
            save(tx, &p)?;
            let kind = if revises.is_some() { "policy.draft_revision" } else { "policy.draft" };
            record(tx, &caller.username, &p, kind, "起草", at)?;
            Ok(p)
        })
    }

    fn edit_policy(&self, caller: &Caller, id: &str, expected_version: i64, draft: &PolicyDraft, at: &str) -> Result<Policy> {
        require(caller.role.may(Action::DraftPolicies), "只有省、市、县扶贫管理员和行业部门可以起草政策文件")?;
        policy::validate(draft)?;
        self.write(|tx| {
            let mut p = for_change(tx, caller, id, expected_version)?;
            if p.state != PolicyState::Draft {
                return Err(
                    DomainError::new("policy.state", format!("“{}”的文件不能修改，已发布的文件请起草修订版", p.state.label())).into()
                );
            }
            p.draft = draft.clone();
            p.version += 1;
            doc_number_free(tx, &p)?;
            save(tx, &p)?;
            record(tx, &caller.username, &p, "policy.edit", "修改草稿", at)?;
            Ok(p)
        })
    }

    fn submit_policy(&self, caller: &Caller, id: &str, expected_version: i64, at: &str) -> Result<Policy> {
        require(caller.role.may(Action::DraftPolicies), "只有省、市、县扶贫管理员和行业部门可以起草政策文件")?;
        self.write(|tx| {
            let mut p = for_change(tx, caller, id, expected_version)?;
            if p.state != PolicyState::Draft {
                return Err(DomainError::new("policy.state", format!("“{}”的文件不能送审", p.state.label())).into());
            }
            policy::publishable(&p.draft, business_date(at)?)?;
            p.state = PolicyState::InReview;
            p.version += 1;
            save(tx, &p)?;
            record(tx, &caller.username, &p, "policy.submit", "送审", at)?;
            Ok(p)
        })
    }

    fn review_policy(&self, caller: &Caller, id: &str, expected_version: i64, approve: bool, note: &str, at: &str) -> Result<Policy> {
        require(caller.role.may(Action::ReviewPolicies), "只有发文地区的扶贫管理员可以审核发布政策文件")?;
        self.write(|tx| {
            let mut p = for_change(tx, caller, id, expected_version)?;
            if p.state != PolicyState::InReview {
                return Err(DomainError::new("policy.state", format!("“{}”的文件不在审核中", p.state.label())).into());
            }
            p.version += 1;
            if !approve {
                if note.trim().is_empty() {
                    return Err(DomainError::new("policy.note", "退回修改须写明意见").into());
                }
                p.state = PolicyState::Draft;
                save(tx, &p)?;
                record(tx, &caller.username, &p, "policy.return", note, at)?;
                return Ok(p);
            }
            let on = business_date(at)?;
            policy::publishable(&p.draft, on)?;
            doc_number_free(tx, &p)?;
            p.state = PolicyState::Published;
            p.published_on = Some(on);
            save(tx, &p)?;
            record(tx, &caller.username, &p, "policy.publish", if note.trim().is_empty() { "审核通过，发布" } else { note }, at)?;
            if let Some(old) = p.revises.clone() {
                let mut o = load(tx, &old)?.ok_or(StoreError::NotFound)?;
                o.validity = Validity::Revised;
                o.revised_by = Some(p.id.clone());
                o.version += 1;
                save(tx, &o)?;
                record(tx, &caller.username, &o, "policy.revised", &format!("由{}修订", p.id), at)?;
            }
            Ok(p)
        })
    }

    fn repeal_policy(&self, caller: &Caller, id: &str, expected_version: i64, partial: bool, note: &str, at: &str) -> Result<Policy> {
        require(caller.role.may(Action::ReviewPolicies), "只有发文地区的扶贫管理员可以废止政策文件")?;
        if note.trim().is_empty() {
            return Err(DomainError::new("policy.note", "废止须写明理由（如被某文件取代）").into());
        }
        self.write(|tx| {
            let mut p = for_change(tx, caller, id, expected_version)?;
            if !p.is_public() || matches!(p.validity, Validity::Revised | Validity::Repealed) {
                return Err(DomainError::new("policy.state", format!("“{}”“{}”的文件不能废止", p.state.label(), p.validity.label())).into());
            }
            if partial && p.validity == Validity::PartlyRepealed {
                return Err(DomainError::new("policy.state", "文件已部分废止；再次废止请选择全文废止").into());
            }
            p.validity = if partial { Validity::PartlyRepealed } else { Validity::Repealed };
            p.version += 1;
            save(tx, &p)?;
            record(tx, &caller.username, &p, if partial { "policy.partly_repeal" } else { "policy.repeal" }, note, at)?;
            Ok(p)
        })
    }

    fn policy(&self, caller: Option<&Caller>, id: &str) -> Result<Policy> {
        let p = self.read(|tx| load(tx, id))?.ok_or(StoreError::NotFound)?;
        if p.is_public() || caller.is_some_and(|c| may_see_unpublished(c, &p)) {
            Ok(p)
        } else {
            Err(StoreError::NotFound)
        }
    }

    fn policies(&self, caller: Option<&Caller>, q: &PolicyQuery) -> Result<Page<Policy>> {
        let mut w = Where::default();
        if q.unpublished {
            let Some(c) = caller.filter(|c| c.role.may(Action::DraftPolicies) || c.role.may(Action::ReviewPolicies)) else {
                return Err(StoreError::Forbidden("只有起草和审核政策文件的用户可以查看草稿".into()));
            };
            w.cond("issuer_region = ?", c.scope.region.as_str().into());
            w.sql.push("state <> 'published'".into());
        } else {
            w.sql.push("state = 'published'".into());
        }
        if let Some(l) = q.level {
            // A literal from the enum: PostgreSQL would type a parameter here as int4.
            w.sql.push(format!("LENGTH(issuer_region) = {}", l.code_len()));
        }
        if let Some(r) = &q.issuer {
            w.cond("issuer_region = ?", r.as_str().into());
        }
        if let Some(r) = &q.applies_to {
            w.one_of("issuer_region", r.ancestors_and_self().iter().map(|a| a.as_str().into()).collect());
        }
        if let Some(c) = q.category {
            w.cond("category = ?", c.code().into());
        }
        if let Some(v) = q.validity {
            w.cond("validity = ?", v.code().into());
        }
        if let Some(d) = q.from {
            w.cond("published_on >= ?", d.to_string().into());
        }
        if let Some(d) = q.to {
            w.cond("published_on <= ?", d.to_string().into());
        }
        if let Some(ids) = &q.ids {
            if ids.is_empty() {
                return Ok(Page { items: vec![], total: 0, total_capped: false, page: 1, per_page: q.per_page.max(1) });
            }
            w.one_of("id", ids.iter().map(|i| i.as_str().into()).collect());
        }
        let vals = w.vals;
        let per_page = q.per_page.clamp(1, 100);
        // Past any list a province could hold: the offset stays a small number.
        let page = q.page.clamp(1, 100_000);
        let filter = w.sql.join(" AND ");
        self.read(|tx| {
            let total = tx.query_one(&format!("SELECT COUNT(*) FROM policies WHERE {filter}"), &vals)?.map(|r| r.int(0)).transpose()?.unwrap_or(0);
            let mut items: Vec<Policy> = if q.ids.is_some() {
                tx.query(&format!("SELECT {COLS} FROM policies WHERE {filter}"), &vals)?.iter().map(parse_policy).collect::<Result<_>>()?
            } else {
                let sql = format!(
                    "SELECT {COLS} FROM policies WHERE {filter} ORDER BY published_on DESC, written_on DESC, id DESC LIMIT {per_page} OFFSET {}",
                    (page - 1) * per_page
                );
                tx.query(&sql, &vals)?.iter().map(parse_policy).collect::<Result<_>>()?
            };
            if let Some(ids) = &q.ids {
                items.sort_by_key(|p| ids.iter().position(|i| *i == p.id));
            }
            Ok(Page { items, total, total_capped: false, page, per_page })
        })
    }

    fn published_policies_after(&self, after: Option<&str>, limit: u32) -> Result<Vec<Policy>> {
        self.read(|tx| {
            let sql =
                format!("SELECT {COLS} FROM policies WHERE state = 'published' AND id > $1 ORDER BY id LIMIT {}", limit.clamp(1, 10_000));
            tx.query(&sql, &[after.unwrap_or("").into()])?.iter().map(parse_policy).collect()
        })
    }

    fn policy_stamp(&self) -> Result<String> {
        self.read(|tx| {
            let r = tx.query_one(
                "SELECT COUNT(*), CAST(COALESCE(SUM(version), 0) AS BIGINT), COALESCE(MAX(id), '') FROM policies WHERE state = 'published'",
                &[],
            )?;
            let r = r.ok_or_else(|| StoreError::Db("no stamp row".into()))?;
            Ok(format!("{}-{}-{}", r.int(0)?, r.int(1)?, r.text(2)?))
        })
    }

    fn attach_policy_file(&self, caller: &Caller, id: &str, expected_version: i64, name: &str, bytes: &[u8], at: &str) -> Result<Policy> {
        require(caller.role.may(Action::DraftPolicies), "只有省、市、县扶贫管理员和行业部门可以起草政策文件")?;
        let (name, content_type) = policy::attachment(name, bytes)?;
        self.write(|tx| {
            let mut p = for_change(tx, caller, id, expected_version)?;
            if p.state != PolicyState::Draft {
                return Err(DomainError::new("policy.state", "只有草稿可以添加附件，已发布的文件请起草修订版").into());
            }
            let rows = tx.query("SELECT no FROM policy_attachments WHERE policy_id = $1 ORDER BY no", &[id.into()])?;
            if rows.len() >= policy::MAX_ATTACHMENTS {
                return Err(DomainError::new("attachment.count", format!("每个文件最多{}个附件", policy::MAX_ATTACHMENTS)).into());
            }
            let no = rows.last().map(|r| r.int(0)).transpose()?.unwrap_or(0) + 1;
            let sha = crate::core::files::put(tx, bytes)?;
            tx.exec(
                "INSERT INTO policy_attachments (policy_id, no, name, content_type, size, sha256) VALUES ($1, $2, $3, $4, $5, $6)",
                &[id.into(), no.into(), name.as_str().into(), content_type.into(), (bytes.len() as i64).into(), sha.as_str().into()],
            )?;
            p.version += 1;
            save(tx, &p)?;
            record(tx, &caller.username, &p, "policy.attach", &format!("附件{no}：{name}（SHA-256 {sha}）"), at)?;
            Ok(p)
        })
    }

    fn remove_policy_file(&self, caller: &Caller, id: &str, expected_version: i64, no: i64, at: &str) -> Result<Policy> {
        require(caller.role.may(Action::DraftPolicies), "只有省、市、县扶贫管理员和行业部门可以起草政策文件")?;
        self.write(|tx| {
            let mut p = for_change(tx, caller, id, expected_version)?;
            if p.state != PolicyState::Draft {
                return Err(DomainError::new("policy.state", "已送审或已发布的文件不能删除附件").into());
            }
            let gone = tx.exec("DELETE FROM policy_attachments WHERE policy_id = $1 AND no = $2", &[id.into(), no.into()])?;
            if gone == 0 {
                return Err(StoreError::NotFound);
            }
            p.version += 1;
            save(tx, &p)?;
            record(tx, &caller.username, &p, "policy.detach", &format!("删除附件{no}"), at)?;
            Ok(p)
        })
    }

    fn policy_attachments(&self, caller: Option<&Caller>, id: &str) -> Result<Vec<Attachment>> {
        self.policy(caller, id)?;
        self.read(|tx| {
            let sql = "SELECT no, name, content_type, size, sha256 FROM policy_attachments WHERE policy_id = $1 ORDER BY no";
            tx.query(sql, &[id.into()])?
                .iter()
                .map(|r| Ok(Attachment { no: r.int(0)?, name: r.text(1)?, content_type: r.text(2)?, size: r.int(3)?, sha256: r.text(4)? }))
                .collect()
        })
    }

    fn policy_file(&self, caller: Option<&Caller>, id: &str, no: i64) -> Result<(Attachment, Vec<u8>)> {
        let a = self.policy_attachments(caller, id)?.into_iter().find(|a| a.no == no).ok_or(StoreError::NotFound)?;
        let bytes = self.read(|tx| crate::core::files::get(tx, &a.sha256))?;
        Ok((a, bytes))
    }

    fn policy_history(&self, caller: Option<&Caller>, id: &str) -> Result<Vec<Event>> {
        let p = self.policy(caller, id)?;
        self.read(|tx| {
            let sql = format!("SELECT {} FROM ledger WHERE county_code = $1 AND household_id = $2 ORDER BY seq", EVENT_COLS.join(", "));
            tx.query(&sql, &[p.issuer_region.as_str().into(), id.into()])?.iter().map(Event::from_row).collect()
        })
    }
}
