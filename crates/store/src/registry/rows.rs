//! Household files to and from table rows. The single place that knows the column order, used
//! by the command path and by bulk loading alike.

use crate::core::db::{Row, Tx, Val};
use crate::StoreError;
use fupin_domain::id_number::Date;
use fupin_domain::registry::codes::*;
use fupin_domain::registry::household::{Helper, Household, Income, Measure, Member};
use fupin_domain::{IdNumber, RegionCode, Yuan};

pub const HOUSEHOLD_COLS: &[&str] = &[
    "id",
    "village_code",
    "status",
    "attribute",
    "standard",
    "main_cause",
    "other_causes",
    "head_name",
    "head_id_number",
    "size",
    "phone",
    "bank",
    "bank_account",
    "planned_exit_year",
    "registered_year",
    "exited_year",
    "monitoring",
    "form_version",
    "conditions",
    "details",
    "version",
    "updated_at",
    "digest",
];
pub const MEMBER_COLS: &[&str] = &[
    "household_id",
    "member_no",
    "village_code",
    "name",
    "sex",
    "id_number",
    "relation",
    "ethnicity",
    "education",
    "schooling",
    "health",
    "labour",
    "work_status",
    "months_away",
    "dibao",
    "medical_insurance",
    "serious_illness_insurance",
    "pension_insurance",
    "phone",
    "active",
    "left_reason",
    "birth_date",
];
pub const INCOME_COLS: &[&str] =
    &["household_id", "year", "wage", "business", "property", "transfer", "transfer_excluded", "expenses", "hard_expenses"];
pub const HELPER_COLS: &[&str] = &["id", "name", "unit", "phone"];
pub const PAIR_COLS: &[&str] = &["household_id", "helper_id"];
pub const MEASURE_COLS: &[&str] = &["household_id", "measure_no", "path", "name", "amount", "unit", "year"];

fn codes<T: Copy>(v: &[T], code: impl Fn(T) -> &'static str) -> String {
    v.iter().map(|x| code(*x)).collect::<Vec<_>>().join(",")
}

pub fn household_row(h: &Household, updated_at: &str) -> Vec<Val> {
    let head = h.head();
    vec![
        h.id.clone().into(),
        h.village.as_str().into(),
        h.status.code().into(),
        h.attribute.code().into(),
        h.standard.code().into(),
        h.main_cause.code().into(),
        codes(&h.other_causes, Cause::code).into(),
        head.map(|m| m.name.clone()).unwrap_or_default().into(),
        head.map(|m| m.id_number.to_string()).unwrap_or_default().into(),
        h.size().into(),
        h.phone.clone().into(),
        h.bank.clone().into(),
        h.bank_account.clone().into(),
        h.planned_exit_year.into(),
        h.registered_year.into(),
        h.exited_year.into(),
        h.monitoring.map(|m| m.code()).unwrap_or("").into(),
        h.form_version.clone().into(),
        serde_json::to_string(&h.conditions).expect("plain struct").into(),
        serde_json::to_string(&h.details).expect("plain struct").into(),
        h.version.into(),
        updated_at.into(),
        fupin_domain::registry::sheet::file_digest(h).into(),
    ]
}

pub fn member_row(h: &Household, m: &Member) -> Vec<Val> {
    vec![
        h.id.clone().into(),
        m.no.into(),
        h.village.as_str().into(),
        m.name.clone().into(),
        m.sex.code().into(),
        m.id_number.to_string().into(),
        m.relation.code().into(),
        m.ethnicity.clone().into(),
        m.education.code().into(),
        m.schooling.code().into(),
        m.health.code().into(),
        m.labour.code().into(),
        m.work_status.code().into(),
        m.months_away.into(),
        m.dibao.into(),
        m.medical_insurance.into(),
        m.serious_illness_insurance.into(),
        m.pension_insurance.into(),
        m.phone.clone().into(),
        // A moved-out file's members live on in the new file: only that one holds them active.
        (m.is_active() && h.status != Status::TransferredOut).into(),
        m.left.map(|c| c.code()).into(),
        m.birth_date.map(|d| d.to_string()).into(),
    ]
}

pub fn income_row(h: &Household, i: &Income) -> Vec<Val> {
    vec![
        h.id.clone().into(),
        i.year.into(),
        i.wage.fen().into(),
        i.business.fen().into(),
        i.property.fen().into(),
        i.transfer.fen().into(),
        i.transfer_excluded.fen().into(),
        i.expenses.fen().into(),
        i.hard_expenses.fen().into(),
    ]
}

pub fn helper_row(x: &Helper) -> Vec<Val> {
    vec![x.id.clone().into(), x.name.clone().into(), x.unit.clone().into(), x.phone.clone().into()]
}

pub fn measure_row(h: &Household, m: &Measure) -> Vec<Val> {
    vec![
        h.id.clone().into(),
        m.no.into(),
        m.path.code().into(),
        m.name.clone().into(),
        m.amount.fen().into(),
        m.unit.clone().into(),
        m.year.into(),
    ]
}

/// A stored code or date that no longer parses, named by table and household (the Row layer
/// names its own column errors). Called only on the error path: nothing is formatted per row.
fn corrupt(table: &str, r: &Row, e: StoreError) -> StoreError {
    match e {
        StoreError::Invalid(d) => StoreError::Corrupt(format!("{table} (household_id = {}): {}", r.str(0).unwrap_or("?"), d.message)),
        other => other,
    }
}

fn insert_sql(table: &str, cols: &[&str]) -> String {
    let params: Vec<String> = (1..=cols.len()).map(|i| format!("${i}")).collect();
    format!("INSERT INTO {table} ({}) VALUES ({})", cols.join(", "), params.join(", "))
}

/// Writes the whole file: the household row (insert or update) and all rows hanging off it.
/// Rewriting the children keeps one write function for creation and every kind of change.
pub fn save_household(tx: &mut dyn Tx, h: &Household, updated_at: &str) -> Result<(), StoreError> {
    let sets: Vec<String> = HOUSEHOLD_COLS[1..].iter().map(|c| format!("{c} = excluded.{c}")).collect();
    let sql = format!("{} ON CONFLICT (id) DO UPDATE SET {}", insert_sql("households", HOUSEHOLD_COLS), sets.join(", "));
    tx.exec(&sql, &household_row(h, updated_at))?;
    for table in ["members", "incomes", "household_helpers", "measures"] {
        tx.exec(&format!("DELETE FROM {table} WHERE household_id = $1"), &[h.id.as_str().into()])?;
    }
    let member_sql = insert_sql("members", MEMBER_COLS);
    for m in &h.members {
        tx.exec(&member_sql, &member_row(h, m))?;
    }
    let income_sql = insert_sql("incomes", INCOME_COLS);
    for i in &h.incomes {
        tx.exec(&income_sql, &income_row(h, i))?;
    }
    let pair_sql = insert_sql("household_helpers", PAIR_COLS);
    for x in &h.helpers {
        tx.exec(&pair_sql, &[h.id.as_str().into(), x.id.as_str().into()])?;
    }
    let measure_sql = insert_sql("measures", MEASURE_COLS);
    for m in &h.measures {
        tx.exec(&measure_sql, &measure_row(h, m))?;
    }
    Ok(())
}

/// Loads one whole file, or None.
pub fn load_household(tx: &mut dyn Tx, id: &str) -> Result<Option<Household>, StoreError> {
    Ok(load_households_range(tx, &[id.to_string()])?.pop())
}

fn parse_household(r: &Row) -> Result<Household, StoreError> {
    let bad_json = |e: serde_json::Error| StoreError::Corrupt(format!("households: conditions or details not JSON: {e}"));
    let other = r.text(6)?;
    Ok(Household {
        id: r.text(0)?,
        village: RegionCode::parse(&r.text(1)?)?,
        status: Status::parse(&r.text(2)?)?,
        attribute: Attribute::parse(&r.text(3)?)?,
        standard: Standard::parse(&r.text(4)?)?,
        main_cause: Cause::parse(&r.text(5)?)?,
        other_causes: other.split(',').filter(|s| !s.is_empty()).map(Cause::parse).collect::<Result<_, _>>()?,
        phone: r.text(10)?,
        bank: r.text(11)?,
        bank_account: r.text(12)?,
        planned_exit_year: r.opt_int(13)?.map(|y| y as i32),
        registered_year: r.int(14)? as i32,
        exited_year: r.opt_int(15)?.map(|y| y as i32),
        monitoring: Some(r.text(16)?).filter(|m| !m.is_empty()).map(|m| MonitorType::parse(&m)).transpose()?,
        form_version: r.text(17)?,
        conditions: serde_json::from_str(&r.text(18)?).map_err(bad_json)?,
        details: serde_json::from_str(&r.text(19)?).map_err(bad_json)?,
        version: r.int(20)?,
        members: vec![],
        incomes: vec![],
        helpers: vec![],
        measures: vec![],
    })
}

fn parse_member(r: &Row) -> Result<Member, StoreError> {
    Ok(Member {
        no: r.int(1)?,
        name: r.text(3)?,
        sex: Sex::parse(&r.text(4)?)?,
        id_number: IdNumber::parse(&r.text(5)?)?,
        relation: Relation::parse(&r.text(6)?)?,
        ethnicity: r.text(7)?,
        education: Education::parse(&r.text(8)?)?,
        schooling: Schooling::parse(&r.text(9)?)?,
        health: Health::parse(&r.text(10)?)?,
        labour: Labour::parse(&r.text(11)?)?,
        work_status: WorkStatus::parse(&r.text(12)?)?,
        months_away: r.int(13)?,
        dibao: r.int(14)? != 0,
        medical_insurance: r.int(15)? != 0,
        serious_illness_insurance: r.int(16)? != 0,
        pension_insurance: r.int(17)? != 0,
        phone: r.text(18)?,
        left: r.opt_text(20)?.map(|c| MemberChange::parse(&c)).transpose()?,
        birth_date: r.opt_text(21)?.filter(|d| !d.is_empty()).map(|d| Date::parse(&d)).transpose()?,
    })
}

/// What a registration event records of the new file: enough to read the history, without
/// copying personal data into the permanent ledger.
pub fn registration_summary(h: &Household) -> serde_json::Value {
    serde_json::json!({
        "status": h.status,
        "attribute": h.attribute,
        "main_cause": h.main_cause,
        "village": h.village,
        "members": h.members.len(),
    })
}

/// Whole files of households `ids` (sorted, consecutive in key order), read by key range: one
/// query per table instead of one per household.
pub fn load_households_range(tx: &mut dyn Tx, ids: &[String]) -> Result<Vec<Household>, StoreError> {
    let (Some(first), Some(last)) = (ids.first(), ids.last()) else { return Ok(vec![]) };
    let range = [Val::from(first.as_str()), Val::from(last.as_str())];
    load_households_where(tx, ids, &|col| format!("{col} >= $1 AND {col} <= $2"), &range)
}

/// The same for ids scattered over a county (a few hundred at a time): read by the ids
/// themselves, not by the range they span.
pub fn load_households_listed(tx: &mut dyn Tx, ids: &[String]) -> Result<Vec<Household>, StoreError> {
    let params: Vec<Val> = ids.iter().map(|i| Val::from(i.as_str())).collect();
    let list = (1..=ids.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
    load_households_where(tx, ids, &|col| format!("{col} IN ({list})"), &params)
}

fn load_households_where(
    tx: &mut dyn Tx,
    ids: &[String],
    filter: &dyn Fn(&str) -> String,
    params: &[Val],
) -> Result<Vec<Household>, StoreError> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let range = params;
    let mut by_id: std::collections::BTreeMap<String, Household> = std::collections::BTreeMap::new();
    let sql = format!("SELECT {} FROM households WHERE {} ORDER BY id", HOUSEHOLD_COLS.join(", "), filter("id"));
    let wanted: std::collections::HashSet<&str> = ids.iter().map(String::as_str).collect();
    for r in tx.query(&sql, range)? {
        if wanted.contains(r.str(0)?) {
            let h = parse_household(&r).map_err(|e| corrupt("households", &r, e))?;
            by_id.insert(h.id.clone(), h);
        }
    }
    let sql = format!("SELECT {} FROM members WHERE {} ORDER BY household_id, member_no", MEMBER_COLS.join(", "), filter("household_id"));
    for r in tx.query(&sql, range)? {
        if let Some(h) = by_id.get_mut(&r.text(0)?) {
            h.members.push(parse_member(&r).map_err(|e| corrupt("members", &r, e))?);
        }
    }
    let sql = format!("SELECT {} FROM incomes WHERE {} ORDER BY household_id, year", INCOME_COLS.join(", "), filter("household_id"));
    for r in tx.query(&sql, range)? {
        if let Some(h) = by_id.get_mut(&r.text(0)?) {
            h.incomes.push(Income {
                year: r.int(1)? as i32,
                wage: Yuan::from_fen(r.int(2)?),
                business: Yuan::from_fen(r.int(3)?),
                property: Yuan::from_fen(r.int(4)?),
                transfer: Yuan::from_fen(r.int(5)?),
                transfer_excluded: Yuan::from_fen(r.int(6)?),
                expenses: Yuan::from_fen(r.int(7)?),
                hard_expenses: Yuan::from_fen(r.int(8)?),
            });
        }
    }
    let sql = format!(
        "SELECT p.household_id, x.id, x.name, x.unit, x.phone FROM household_helpers p JOIN helpers x ON x.id = p.helper_id \
         WHERE {} ORDER BY p.household_id, x.id",
        filter("p.household_id")
    );
    for r in tx.query(&sql, range)? {
        if let Some(h) = by_id.get_mut(&r.text(0)?) {
            h.helpers.push(Helper { id: r.text(1)?, name: r.text(2)?, unit: r.text(3)?, phone: r.text(4)? });
        }
    }
    let sql =
        format!("SELECT {} FROM measures WHERE {} ORDER BY household_id, measure_no", MEASURE_COLS.join(", "), filter("household_id"));
    for r in tx.query(&sql, range)? {
        if let Some(h) = by_id.get_mut(&r.text(0)?) {
            h.measures.push(Measure {
                no: r.int(1)?,
                path: Path::parse(&r.text(2)?).map_err(|e| corrupt("measures", &r, e.into()))?,
                name: r.text(3)?,
                amount: Yuan::from_fen(r.int(4)?),
                unit: r.text(5)?,
                year: r.int(6)? as i32,
            });
        }
    }
    Ok(by_id.into_values().collect())
}
