//! What every function shares: the business metadata, the reference divisions (行政区划), users
//! and sessions, and the check of the whole ledger.

use crate::core::db::{Backend, Row, Val};
use crate::core::ledger::{self, VerifyReport};
use crate::core::query::{require, Query};
use crate::sql_store::SqlStore;
use crate::{Page, Result, StoreError, COUNT_CAP};
use fupin_domain::access::Role;
use fupin_domain::access::{Action, Caller};
use fupin_domain::config::Rules;
use fupin_domain::{Level, RegionCode};
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Region {
    pub code: String,
    pub name: String,
    pub level: Level,
    pub parent_code: Option<String>,
    pub rural_population: i64,
}

#[derive(Debug, Clone)]
pub struct UserRecord {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub region: RegionCode,
    pub helper_id: Option<String>,
    pub password_hash: String,
}

#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub username: String,
    pub csrf_token: String,
    pub expires_at: i64,
}

/// A filter on the PII audit, inside the caller's region.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Only reads of files (or exports) in this region.
    pub region: Option<RegionCode>,
    pub username: Option<String>,
    /// Business dates, inclusive.
    pub from: Option<String>,
    pub until: Option<String>,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
}

/// One unmasked read or export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub at: String,
    pub username: String,
    /// The household read, or `export:REGION` for a spreadsheet export.
    pub subject: String,
    pub fields: String,
}

/// Reference data, accounts and operations. These methods take no `Caller` (but the PII audit):
/// reference divisions are public, users and sessions are looked up before there is a caller
/// (login), and the ledger check and raw SQL are operators' tools that the web never exposes.
pub trait PlatformStore: Send + Sync {
    fn backend_name(&self) -> &'static str;
    fn rules(&self) -> &Rules;

    fn meta(&self, key: &str) -> Result<Option<String>>;
    fn set_meta(&self, key: &str, value: &str) -> Result<()>;

    /// Loads or refreshes reference divisions (one transaction).
    fn load_regions(&self, regions: &[Region]) -> Result<()>;
    /// Reference data: any region's name and place (no figures), for breadcrumbs and forms.
    fn region(&self, code: &RegionCode) -> Result<Option<Region>>;
    /// Reference data: the regions directly below `code`, by code (for the public's forms).
    fn child_regions(&self, code: &RegionCode) -> Result<Vec<Region>>;

    fn verify_ledger(&self) -> Result<VerifyReport>;
    /// Every chain's head, signed with the platform's key (made on first use), for the public.
    fn signed_heads(&self, date: &str) -> Result<crate::core::heads::SignedHeads>;
    /// The first chain whose published head the ledger no longer holds, with why.
    fn heads_departure(&self, file: &crate::core::heads::SignedHeads) -> Result<Option<(String, String)>>;

    fn user(&self, username: &str) -> Result<Option<UserRecord>>;
    /// Adds or updates a user; a changed password ends the user's sessions.
    fn put_user(&self, user: &UserRecord) -> Result<()>;
    fn create_session(&self, token_hash: &str, s: &SessionRecord) -> Result<()>;
    fn session(&self, token_hash: &str, now: i64) -> Result<Option<SessionRecord>>;
    fn delete_session(&self, token_hash: &str) -> Result<()>;

    /// Raw SQL, for operators' tools and tamper tests only.
    fn exec_raw(&self, sql: &str) -> Result<u64>;

    /// The PII audit, newest first: province administrators only, inside their region.
    fn pii_audit(&self, caller: &Caller, q: &AuditQuery) -> Result<Page<AuditEntry>>;
}

pub(crate) fn parse_region(r: &Row) -> Result<Region> {
    let level = r.text(2)?;
    Ok(Region {
        code: r.text(0)?,
        name: r.text(1)?,
        level: Level::parse(&level)
            .ok_or_else(|| StoreError::Corrupt(format!("regions ({}): level {level:?}", r.str(0).unwrap_or("?"))))?,
        parent_code: r.opt_text(3)?,
        rural_population: r.int(4)?,
    })
}

pub fn region_row(r: &Region) -> Vec<Val> {
    vec![r.code.as_str().into(), r.name.as_str().into(), r.level.as_str().into(), r.parent_code.clone().into(), r.rural_population.into()]
}

pub(crate) const REGION_COLS: &str = "code, name, level, parent_code, rural_population";

impl<B: Backend> PlatformStore for SqlStore<B> {
    fn backend_name(&self) -> &'static str {
        self.backend.name()
    }

    fn rules(&self) -> &Rules {
        &self.rules
    }

    fn meta(&self, key: &str) -> Result<Option<String>> {
        self.read(|tx| tx.query_one("SELECT value FROM meta WHERE key = $1", &[key.into()])?.map(|r| r.text(0)).transpose())
    }

    fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[key.into(), value.into()],
            )
            .map(|_| ())
        })
    }

    fn load_regions(&self, regions: &[Region]) -> Result<()> {
        self.write(|tx| {
            for r in regions {
                tx.exec(
                    "INSERT INTO regions (code, name, level, parent_code, rural_population) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, \
                     parent_code = excluded.parent_code, rural_population = excluded.rural_population",
                    &region_row(r),
                )?;
            }
            Ok(())
        })
    }

    fn region(&self, code: &RegionCode) -> Result<Option<Region>> {
        let sql = format!("SELECT {REGION_COLS} FROM regions WHERE code = $1");
        self.read(|tx| tx.query_one(&sql, &[code.as_str().into()])?.map(|r| parse_region(&r)).transpose())
    }

    fn child_regions(&self, code: &RegionCode) -> Result<Vec<Region>> {
        let sql = format!("SELECT {REGION_COLS} FROM regions WHERE parent_code = $1 ORDER BY code");
        self.read(|tx| tx.query(&sql, &[code.as_str().into()])?.iter().map(parse_region).collect())
    }

    fn signed_heads(&self, date: &str) -> Result<crate::core::heads::SignedHeads> {
        use crate::core::heads;
        // A read, but for the very first publication, which makes the key.
        let key = match self.read(heads::existing_key)? {
            Some(k) => k,
            None => self.write(heads::signing_key)?,
        };
        self.read(|tx| Ok(heads::sign(&key, date, heads::heads(tx)?)))
    }

    fn heads_departure(&self, file: &crate::core::heads::SignedHeads) -> Result<Option<(String, String)>> {
        self.read(|tx| crate::core::heads::first_departure(tx, file))
    }

    fn verify_ledger(&self) -> Result<VerifyReport> {
        let counties: Vec<String> = self.read(|tx| {
            let mut counties: BTreeSet<String> =
                tx.query("SELECT county_code FROM chain_heads", &[])?.iter().map(|r| r.text(0)).collect::<Result<_>>()?;
            // Counties with events but no head: one primary-key seek per county, not a scan of every event.
            let mut after = String::new();
            while let Some(r) = tx
                .query_one("SELECT county_code FROM ledger WHERE county_code > $1 ORDER BY county_code LIMIT 1", &[after.as_str().into()])?
            {
                after = r.text(0)?;
                counties.insert(after.clone());
            }
            Ok(counties.into_iter().collect())
        })?;
        // One read transaction per county, on every core; both backends pool 8 connections.
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
        ledger::verify_counties(&counties, workers, |county| self.read(|tx| ledger::check_county(tx, county)))
    }

    fn user(&self, username: &str) -> Result<Option<UserRecord>> {
        self.read(|tx| {
            let r = tx.query_one(
                "SELECT username, display_name, role, region_code, helper_id, password_hash FROM users WHERE username = $1",
                &[username.into()],
            )?;
            r.map(|r| {
                Ok(UserRecord {
                    username: r.text(0)?,
                    display_name: r.text(1)?,
                    role: Role::parse(&r.text(2)?)?,
                    region: RegionCode::parse(&r.text(3)?)?,
                    helper_id: r.opt_text(4)?,
                    password_hash: r.text(5)?,
                })
            })
            .transpose()
        })
    }

    fn put_user(&self, u: &UserRecord) -> Result<()> {
        self.write(|tx| {
            // A new password ends every session of the old one.
            let old = tx.query_one("SELECT password_hash FROM users WHERE username = $1", &[u.username.as_str().into()])?;
            if old.map(|r| r.text(0)).transpose()?.is_some_and(|h| h != u.password_hash) {
                tx.exec("DELETE FROM sessions WHERE username = $1", &[u.username.as_str().into()])?;
            }
            tx.exec(
                "INSERT INTO users (username, display_name, role, region_code, helper_id, password_hash) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (username) DO UPDATE SET display_name = excluded.display_name, role = excluded.role, \
                 region_code = excluded.region_code, helper_id = excluded.helper_id, password_hash = excluded.password_hash",
                &[
                    u.username.as_str().into(),
                    u.display_name.as_str().into(),
                    u.role.as_str().into(),
                    u.region.as_str().into(),
                    u.helper_id.clone().into(),
                    u.password_hash.as_str().into(),
                ],
            )
            .map(|_| ())
        })
    }

    fn create_session(&self, token_hash: &str, s: &SessionRecord) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "INSERT INTO sessions (token_hash, username, csrf_token, expires_at) VALUES ($1, $2, $3, $4)",
                &[token_hash.into(), s.username.as_str().into(), s.csrf_token.as_str().into(), s.expires_at.into()],
            )
            .map(|_| ())
        })
    }

    fn session(&self, token_hash: &str, now: i64) -> Result<Option<SessionRecord>> {
        self.read(|tx| {
            tx.query_one(
                "SELECT username, csrf_token, expires_at FROM sessions WHERE token_hash = $1 AND expires_at > $2",
                &[token_hash.into(), now.into()],
            )?
            .map(|r| Ok(SessionRecord { username: r.text(0)?, csrf_token: r.text(1)?, expires_at: r.int(2)? }))
            .transpose()
        })
    }

    fn delete_session(&self, token_hash: &str) -> Result<()> {
        self.write(|tx| tx.exec("DELETE FROM sessions WHERE token_hash = $1", &[token_hash.into()]).map(|_| ()))
    }

    fn exec_raw(&self, sql: &str) -> Result<u64> {
        self.write(|tx| tx.exec(sql, &[]))
    }

    fn pii_audit(&self, caller: &Caller, aq: &AuditQuery) -> Result<Page<AuditEntry>> {
        require(caller.role.may(Action::ReadPiiAudit), "只有省级管理员可以查看个人信息查阅记录")?;
        let region = aq.region.clone().unwrap_or_else(|| caller.scope.region.clone());
        if !caller.scope.contains_region(&region) {
            return Err(StoreError::NotFound);
        }
        // Subjects lead with the region code (household ids) or `export:` and the region.
        let (lo, hi) = region.code_range();
        let mut q = Query::new(" FROM pii_audit WHERE ((household_id >= ");
        let (a, b) = (q.bind(lo.as_str()), q.bind(hi.as_str()));
        let (c, d) = (q.bind(format!("export:{lo}")), q.bind(format!("export:{hi}")));
        q.push(&format!("{a} AND household_id < {b}) OR (household_id >= {c} AND household_id < {d}))"));
        for (cond, val) in [(" AND username = ", &aq.username), (" AND at >= ", &aq.from), (" AND at <= ", &aq.until)] {
            if let Some(v) = val.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                let p = q.bind(v);
                q.push(&format!("{cond}{p}"));
            }
        }
        let per_page = aq.per_page.clamp(1, 200);
        let page = aq.page.max(1);
        self.read(|tx| {
            let count = format!("SELECT COUNT(*) FROM (SELECT 1{} LIMIT {}) c", q.sql, COUNT_CAP + 1);
            let total = tx.query_one(&count, &q.params)?.map(|r| r.int(0)).transpose()?.unwrap_or(0);
            let list = format!(
                "SELECT at, username, household_id, fields{} ORDER BY at DESC, household_id LIMIT {per_page} OFFSET {}",
                q.sql,
                (page as u64 - 1) * per_page as u64
            );
            let items = tx
                .query(&list, &q.params)?
                .into_iter()
                .map(|r| Ok(AuditEntry { at: r.text(0)?, username: r.text(1)?, subject: r.text(2)?, fields: r.text(3)? }))
                .collect::<Result<_>>()?;
            Ok(Page { items, total: total.min(COUNT_CAP), total_capped: total > COUNT_CAP, page, per_page })
        })
    }
}
