//! What a caller is shown of a household: personal fields masked unless the role needs them.

use fupin_domain::access::{mask_account, mask_phone, PiiView};
use fupin_domain::registry::household::Household;
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MemberView {
    pub no: i64,
    pub name: String,
    pub sex: &'static str,
    pub id_number: String,
    pub age: i32,
    pub relation: &'static str,
    pub education: &'static str,
    pub schooling: &'static str,
    pub health: String,
    pub labour: &'static str,
    pub work_status: &'static str,
    pub months_away: i64,
    pub phone: String,
    pub active: bool,
    pub left: Option<&'static str>,
    /// 出生日期 as recorded (masked like the ID number), and whether it contradicts the ID.
    pub birth_date: String,
    pub birth_date_mismatch: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IncomeView {
    pub year: i32,
    pub wage: String,
    pub business: String,
    pub property: String,
    pub transfer: String,
    pub transfer_excluded: String,
    pub expenses: String,
    pub hard_expenses: String,
    pub net: String,
    pub per_capita_for_exit: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HouseholdView {
    pub id: String,
    pub village: String,
    pub version: i64,
    pub status: &'static str,
    pub status_label: &'static str,
    pub attribute: &'static str,
    pub attribute_label: &'static str,
    pub standard_label: &'static str,
    pub main_cause: &'static str,
    pub main_cause_label: &'static str,
    pub other_causes: Vec<&'static str>,
    pub phone: String,
    pub bank: String,
    pub bank_account: String,
    pub planned_exit_year: Option<i32>,
    pub registered_year: i32,
    pub exited_year: Option<i32>,
    /// 监测对象类型, if monitored.
    pub monitoring: Option<&'static str>,
    pub form_version: String,
    pub size: i64,
    pub conditions: fupin_domain::registry::household::Conditions,
    /// 两不愁三保障 not met: the exit check's own judgement (`lifecycle::guarantees_unmet`).
    pub unmet_conditions: Vec<String>,
    /// 危房等级: "", "C" or "D".
    pub dangerous_house: String,
    pub members: Vec<MemberView>,
    pub incomes: Vec<IncomeView>,
    pub helpers: Vec<fupin_domain::registry::household::Helper>,
    pub measures: Vec<MeasureView>,
    /// Which personal fields this view shows unmasked.
    pub unmasked: PiiView,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MeasureView {
    pub no: i64,
    pub path: &'static str,
    pub name: String,
    pub amount: String,
    pub unit: String,
    pub year: i32,
}

pub fn household_view(h: &Household, pii: PiiView, as_of: fupin_domain::id_number::Date) -> HouseholdView {
    let phone = |p: &str| if pii.phone { p.to_string() } else { mask_phone(p) };
    HouseholdView {
        id: h.id.clone(),
        village: h.village.to_string(),
        version: h.version,
        status: h.status.code(),
        status_label: h.status.label(),
        attribute: h.attribute.code(),
        attribute_label: h.attribute.label(),
        standard_label: h.standard.label(),
        main_cause: h.main_cause.code(),
        main_cause_label: h.main_cause.label(),
        other_causes: h.other_causes.iter().map(|c| c.label()).collect(),
        phone: phone(&h.phone),
        bank: h.bank.clone(),
        bank_account: if pii.bank { h.bank_account.clone() } else { mask_account(&h.bank_account) },
        planned_exit_year: h.planned_exit_year,
        registered_year: h.registered_year,
        exited_year: h.exited_year,
        monitoring: h.monitoring.map(|m| m.label()),
        form_version: h.form_version.clone(),
        size: h.size(),
        conditions: h.conditions.clone(),
        unmet_conditions: fupin_domain::registry::lifecycle::guarantees_unmet(h, as_of),
        dangerous_house: h.details.dangerous_house.clone(),
        members: h
            .members
            .iter()
            .map(|m| MemberView {
                no: m.no,
                name: m.name.clone(),
                sex: m.sex.label(),
                id_number: if pii.id_number { m.id_number.to_string() } else { m.id_number.masked() },
                age: m.id_number.birth_date().age_on(as_of),
                relation: m.relation.label(),
                education: m.education.label(),
                schooling: m.schooling.label(),
                health: if pii.health { m.health.label().to_string() } else { "***".to_string() },
                labour: m.labour.label(),
                work_status: m.work_status.label(),
                months_away: m.months_away,
                phone: phone(&m.phone),
                active: m.is_active(),
                left: m.left.map(|c| c.label()),
                birth_date: match m.birth_date {
                    Some(d) if pii.id_number => d.to_string(),
                    Some(_) => "****-**-**".into(),
                    None => String::new(),
                },
                birth_date_mismatch: m.birth_date.is_some_and(|d| d != m.id_number.birth_date()),
            })
            .collect(),
        incomes: h
            .incomes
            .iter()
            .map(|i| IncomeView {
                year: i.year,
                wage: i.wage.to_string(),
                business: i.business.to_string(),
                property: i.property.to_string(),
                transfer: i.transfer.to_string(),
                transfer_excluded: i.transfer_excluded.to_string(),
                expenses: i.expenses.to_string(),
                hard_expenses: i.hard_expenses.to_string(),
                net: i.net().to_string(),
                per_capita_for_exit: i.net_for_exit().per_capita(h.size()).to_string(),
            })
            .collect(),
        helpers: h.helpers.iter().map(|x| fupin_domain::registry::household::Helper { phone: phone(&x.phone), ..x.clone() }).collect(),
        measures: h
            .measures
            .iter()
            .map(|m| MeasureView {
                no: m.no,
                path: m.path.label(),
                name: m.name.clone(),
                amount: m.amount.to_string(),
                unit: m.unit.clone(),
                year: m.year,
            })
            .collect(),
        unmasked: pii,
    }
}
