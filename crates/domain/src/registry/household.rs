//! 建档立卡: the household file, its members, yearly income, conditions, helpers and measures,
//! and the changes officials make to it. `apply_change` is the one place that decides whether a
//! change is valid; the store persists what it returns.

use crate::config::Rules;
use crate::id_number::Date;
use crate::registry::codes::*;
use crate::{DomainError, IdNumber, RegionCode, Yuan};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// 两不愁三保障 and the utilities the file records.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conditions {
    /// 不愁吃、不愁穿
    pub food_clothing: bool,
    /// 义务教育有保障 (every school-age member in school)
    pub compulsory_education: bool,
    /// 基本医疗有保障
    pub medical_insurance: bool,
    /// 住房安全有保障
    pub safe_housing: bool,
    /// 饮水安全
    pub safe_water: bool,
    /// 生活用电
    pub electricity: bool,
}

impl Conditions {
    /// Every item met.
    pub fn all_met() -> Conditions {
        Conditions {
            food_clothing: true,
            compulsory_education: true,
            medical_insurance: true,
            safe_housing: true,
            safe_water: true,
            electricity: true,
        }
    }

    /// The unmet items of 两不愁三保障 and utilities, by Chinese name.
    pub fn unmet(&self) -> Vec<&'static str> {
        [
            (self.food_clothing, "不愁吃穿"),
            (self.compulsory_education, "义务教育有保障"),
            (self.medical_insurance, "基本医疗有保障"),
            (self.safe_housing, "住房安全有保障"),
            (self.safe_water, "饮水安全"),
            (self.electricity, "生活用电"),
        ]
        .into_iter()
        .filter(|(ok, _)| !ok)
        .map(|(_, name)| name)
        .collect()
    }
}

/// Land, housing and circumstances: the rest of the form, kept together because no rule or
/// rollup reads them one by one yet.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Details {
    /// 耕地面积 (亩)
    pub cultivated_land_mu: f64,
    /// 住房面积 (m²)
    pub housing_area_m2: f64,
    /// 危房等级: "", "C" or "D"
    pub dangerous_house: String,
    /// 是否易地扶贫搬迁
    pub relocation: bool,
    /// 是否军烈属
    pub military_family: bool,
    /// 是否有卫生厕所
    pub sanitary_toilet: bool,
    /// 与村主干路距离 (km)
    pub distance_to_road_km: f64,
    /// 是否加入农民专业合作社
    pub cooperative: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub no: i64,
    pub name: String,
    pub sex: Sex,
    pub id_number: IdNumber,
    pub relation: Relation,
    pub ethnicity: String,
    pub education: Education,
    pub schooling: Schooling,
    pub health: Health,
    pub labour: Labour,
    pub work_status: WorkStatus,
    pub months_away: i64,
    pub dibao: bool,
    pub medical_insurance: bool,
    pub serious_illness_insurance: bool,
    pub pension_insurance: bool,
    pub phone: String,
    /// 出生日期 as the form records it; the ID number carries one too, and the data checks
    /// flag files where the two differ.
    #[serde(default)]
    pub birth_date: Option<Date>,
    /// `None` while the member belongs to the household; why they left otherwise.
    pub left: Option<MemberChange>,
}

impl Member {
    /// A member as a form first records them: sex and birth date from the ID number, the other
    /// fields at their usual values (primary schooling, not in school, healthy, an ordinary
    /// labourer not working away, in the basic and serious-illness insurance), to be set after.
    pub fn new(no: i64, name: &str, id_number: IdNumber, relation: Relation) -> Member {
        Member {
            no,
            name: name.to_string(),
            sex: if id_number.is_male() { Sex::Male } else { Sex::Female },
            birth_date: Some(id_number.birth_date()),
            id_number,
            relation,
            ethnicity: "汉族".into(),
            education: Education::Primary,
            schooling: Schooling::NotInSchool,
            health: Health::Healthy,
            labour: Labour::Ordinary,
            work_status: WorkStatus::None,
            months_away: 0,
            dibao: false,
            medical_insurance: true,
            serious_illness_insurance: true,
            pension_insurance: false,
            phone: String::new(),
            left: None,
        }
    }

    pub fn is_active(&self) -> bool {
        self.left.is_none()
    }
}

/// One year's income (元). Education, medical and housing transfers are recorded but do not
/// count toward the income that qualifies a household to exit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Income {
    pub year: i32,
    /// 工资性收入
    pub wage: Yuan,
    /// 家庭经营性收入
    pub business: Yuan,
    /// 财产性收入
    pub property: Yuan,
    /// 转移性收入 that counts (低保金, 养老金, 生态补偿金 …)
    pub transfer: Yuan,
    /// 教育、医疗报销、住房补助: recorded, never counted toward exit
    pub transfer_excluded: Yuan,
    /// 生产经营性支出
    pub expenses: Yuan,
    /// 刚性支出: medical costs after reimbursement, disability and disaster losses that year.
    /// Not part of net income; weighed by 防返贫监测 against the year before's income.
    #[serde(default)]
    pub hard_expenses: Yuan,
}

impl Income {
    /// 家庭纯收入 as the statistics define it.
    pub fn net(&self) -> Yuan {
        self.wage + self.business + self.property + self.transfer + self.transfer_excluded - self.expenses
    }

    /// The net income that may be weighed against the poverty line for exit.
    pub fn net_for_exit(&self) -> Yuan {
        self.net() - self.transfer_excluded
    }
}

/// 帮扶责任人
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Helper {
    pub id: String,
    pub name: String,
    /// 帮扶单位
    pub unit: String,
    pub phone: String,
}

/// 帮扶措施: one measure on one of the five paths.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measure {
    pub no: i64,
    pub path: Path,
    pub name: String,
    pub amount: Yuan,
    /// 责任单位
    pub unit: String,
    pub year: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Household {
    /// Village code at registration followed by a 4-digit sequence: the region leads the key.
    pub id: String,
    pub village: RegionCode,
    pub status: Status,
    pub attribute: Attribute,
    pub standard: Standard,
    pub main_cause: Cause,
    pub other_causes: Vec<Cause>,
    pub phone: String,
    pub bank: String,
    pub bank_account: String,
    pub planned_exit_year: Option<i32>,
    pub registered_year: i32,
    pub exited_year: Option<i32>,
    /// 防返贫监测: set and cleared only by the monitoring workflows.
    #[serde(default)]
    pub monitoring: Option<MonitorType>,
    pub form_version: String,
    pub conditions: Conditions,
    pub details: Details,
    /// Optimistic concurrency: every change bumps it; a change made against an old version fails.
    pub version: i64,
    pub members: Vec<Member>,
    pub incomes: Vec<Income>,
    pub helpers: Vec<Helper>,
    pub measures: Vec<Measure>,
}

impl Household {
    pub fn active_members(&self) -> impl Iterator<Item = &Member> {
        self.members.iter().filter(|m| m.is_active())
    }

    pub fn size(&self) -> i64 {
        self.active_members().count() as i64
    }

    pub fn head(&self) -> Option<&Member> {
        self.active_members().find(|m| m.relation == Relation::Head)
    }

    pub fn income(&self, year: i32) -> Option<&Income> {
        self.incomes.iter().find(|i| i.year == year)
    }

    /// 人均纯收入 for exit purposes.
    pub fn per_capita_for_exit(&self, year: i32) -> Option<Yuan> {
        self.income(year).map(|i| i.net_for_exit().per_capita(self.size()))
    }

    /// Checks the rules that hold for every file, whatever changed.
    pub fn validate(&self) -> Result<(), DomainError> {
        let heads = self.active_members().filter(|m| m.relation == Relation::Head).count();
        if heads != 1 {
            return Err(DomainError::new("household.head", format!("户内应有且仅有一名户主，现有{heads}名")));
        }
        if self.other_causes.len() > 2 {
            return Err(DomainError::new("household.causes", "其他致贫原因最多两项"));
        }
        if self.other_causes.contains(&self.main_cause) {
            return Err(DomainError::new("household.causes", "其他致贫原因不能与主要致贫原因相同"));
        }
        let mut ids: Vec<&str> = self.active_members().map(|m| m.id_number.as_str()).collect();
        ids.sort_unstable();
        if ids.windows(2).any(|w| w[0] == w[1]) {
            return Err(DomainError::new("member.duplicate_id", "同一身份证号在户内出现两次"));
        }
        for m in &self.members {
            if m.name.trim().is_empty() || m.name.chars().count() > 30 {
                return Err(DomainError::new("member.name", format!("成员{}的姓名不能为空且不超过30字", m.no)));
            }
            if !(0..=12).contains(&m.months_away) {
                return Err(DomainError::new("member.months_away", format!("成员{}的务工时间应在0到12个月之间", m.name)));
            }
            let id_male = m.id_number.is_male();
            if id_male != (m.sex == Sex::Male) {
                return Err(DomainError::new("member.sex", format!("成员{}的性别与身份证号不符", m.name)));
            }
        }
        if let Some(y) = self.planned_exit_year {
            if !(2014..=2030).contains(&y) {
                return Err(DomainError::new("household.planned_exit_year", format!("计划脱贫年度{y}超出范围")));
            }
        }
        Ok(())
    }

    /// The checks that need the business date: no member born after it (by the ID number or
    /// the recorded birth date), none born more than `MAX_AGE` years before it, no departure
    /// dated after it. The store runs them on every write, whatever path the file came by.
    pub fn validate_on(&self, today: Date) -> Result<(), DomainError> {
        let oldest = Date::new(today.year - MAX_AGE, 1, 1).expect("1 January exists");
        for m in self.active_members() {
            for (what, born) in [("身份证号中的出生日期", Some(m.id_number.birth_date())), ("出生日期", m.birth_date)] {
                let Some(born) = born else { continue };
                if born > today {
                    return Err(DomainError::new("member.born_later", format!("成员{}的{what}{born}晚于业务日期{today}", m.name)));
                }
                if born < oldest {
                    return Err(DomainError::new("member.too_old", format!("成员{}的{what}{born}早于{}年前，请核对", m.name, MAX_AGE)));
                }
            }
        }
        Ok(())
    }
}

/// No one on a file is older than this (years): an older birth date is a typing error.
pub const MAX_AGE: i32 = 120;

/// The editable fields of the household record itself (not its members, income …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HouseholdFields {
    pub attribute: Attribute,
    pub standard: Standard,
    pub main_cause: Cause,
    pub other_causes: Vec<Cause>,
    pub phone: String,
    pub bank: String,
    pub bank_account: String,
    pub planned_exit_year: Option<i32>,
    pub conditions: Conditions,
    pub details: Details,
}

impl HouseholdFields {
    pub fn of(h: &Household) -> HouseholdFields {
        HouseholdFields {
            attribute: h.attribute,
            standard: h.standard,
            main_cause: h.main_cause,
            other_causes: h.other_causes.clone(),
            phone: h.phone.clone(),
            bank: h.bank.clone(),
            bank_account: h.bank_account.clone(),
            planned_exit_year: h.planned_exit_year,
            conditions: h.conditions.clone(),
            details: h.details.clone(),
        }
    }
}

/// A change to a household file. Each becomes exactly one ledger event. It is built in Rust
/// only, never read from outside: what a user or a spreadsheet may send is an `Edit`, and the
/// transitions (`SetStatus`, `SetMonitoring`) are applied by the last step of a workflow.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// 修改户信息
    EditFields {
        fields: HouseholdFields,
    },
    /// 新增或修改成员
    PutMember {
        member: Member,
    },
    /// 成员减少 (death, marriage out …): the member stays on file, marked as gone.
    MemberLeft {
        no: i64,
        change: MemberChange,
        date: String,
    },
    /// 录入年度收入
    SetIncome {
        income: Income,
    },
    /// 结对帮扶责任人
    AssignHelper {
        helper_id: String,
    },
    UnassignHelper {
        helper_id: String,
    },
    /// 新增帮扶措施
    AddMeasure {
        measure: Measure,
    },
    RemoveMeasure {
        no: i64,
    },
    /// A status change outside the full workflows (those arrive with the lifecycle module).
    /// Marks or clears a monitored household (防返贫监测), by the monitoring workflows only.
    SetMonitoring {
        monitoring: Option<MonitorType>,
    },
    SetStatus {
        status: Status,
        year: i32,
    },
    /// 批量导入: the whole file as a county office's spreadsheet has it (fields, members,
    /// incomes, measures, helpers); status and years stay as they are.
    Replace {
        fields: HouseholdFields,
        members: Vec<Member>,
        incomes: Vec<Income>,
        measures: Vec<Measure>,
        helper_ids: Vec<String>,
    },
}

/// The edits a user may send (the API's `changes`, the pages' forms): everything but the
/// transitions, which no JSON can name.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Edit {
    EditFields { fields: HouseholdFields },
    PutMember { member: Member },
    MemberLeft { no: i64, change: MemberChange, date: String },
    SetIncome { income: Income },
    AssignHelper { helper_id: String },
    UnassignHelper { helper_id: String },
    AddMeasure { measure: Measure },
    RemoveMeasure { no: i64 },
}

impl From<Edit> for Change {
    fn from(e: Edit) -> Change {
        match e {
            Edit::EditFields { fields } => Change::EditFields { fields },
            Edit::PutMember { member } => Change::PutMember { member },
            Edit::MemberLeft { no, change, date } => Change::MemberLeft { no, change, date },
            Edit::SetIncome { income } => Change::SetIncome { income },
            Edit::AssignHelper { helper_id } => Change::AssignHelper { helper_id },
            Edit::UnassignHelper { helper_id } => Change::UnassignHelper { helper_id },
            Edit::AddMeasure { measure } => Change::AddMeasure { measure },
            Edit::RemoveMeasure { no } => Change::RemoveMeasure { no },
        }
    }
}

impl Change {
    /// A status or monitoring transition: only a workflow's last step applies one.
    pub fn is_transition(&self) -> bool {
        matches!(self, Change::SetStatus { .. } | Change::SetMonitoring { .. })
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Change::EditFields { .. } => "edit_fields",
            Change::PutMember { .. } => "put_member",
            Change::MemberLeft { .. } => "member_left",
            Change::SetIncome { .. } => "set_income",
            Change::AssignHelper { .. } => "assign_helper",
            Change::UnassignHelper { .. } => "unassign_helper",
            Change::AddMeasure { .. } => "add_measure",
            Change::RemoveMeasure { .. } => "remove_measure",
            Change::SetStatus { .. } => "set_status",
            Change::Replace { .. } => "import",
            Change::SetMonitoring { .. } => "set_monitoring",
        }
    }
}

/// What a change did: the before and after of the part it touched, for the ledger.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Effect {
    pub before: Value,
    pub after: Value,
}

/// Applies `change` to `h` (with `helper` resolved by the caller for AssignHelper) and returns
/// what changed. On error `h` may be partly changed: callers work on a copy.
/// For `AssignHelper`, `helpers` holds the helper; for `Replace`, every helper named.
pub fn apply_change(h: &mut Household, change: &Change, helpers: Vec<Helper>, rules: &Rules) -> Result<Effect, DomainError> {
    let helper = helpers.first().cloned();
    let effect = match change {
        Change::EditFields { fields } => {
            let before = HouseholdFields::of(h);
            h.attribute = fields.attribute;
            h.standard = fields.standard;
            h.main_cause = fields.main_cause;
            h.other_causes = fields.other_causes.clone();
            h.phone = fields.phone.trim().to_string();
            h.bank = fields.bank.trim().to_string();
            h.bank_account = fields.bank_account.trim().to_string();
            h.planned_exit_year = fields.planned_exit_year;
            h.conditions = fields.conditions.clone();
            h.details = fields.details.clone();
            if !h.phone.is_empty() && !(h.phone.len() == 11 && h.phone.bytes().all(|b| b.is_ascii_digit())) {
                return Err(DomainError::new("household.phone", format!("联系电话“{}”应为11位手机号", h.phone)));
            }
            Effect { before: json!(before), after: json!(HouseholdFields::of(h)) }
        }
        Change::PutMember { member } => {
            let pos = h.members.iter().position(|m| m.no == member.no);
            let before = pos.map(|p| json!(h.members[p])).unwrap_or(Value::Null);
            match pos {
                Some(p) => h.members[p] = member.clone(),
                None => h.members.push(member.clone()),
            }
            Effect { before, after: json!(member) }
        }
        Change::MemberLeft { no, change, date } => {
            if !change.is_departure() {
                return Err(DomainError::new("member.change", format!("“{}”不是成员减少的类型", change.label())));
            }
            Date::parse(date)?;
            let m = h
                .members
                .iter_mut()
                .find(|m| m.no == *no && m.is_active())
                .ok_or_else(|| DomainError::new("member.not_found", format!("户内没有在册成员{no}")))?;
            if m.relation == Relation::Head {
                return Err(DomainError::new("member.head_left", "户主减少前须先变更户主"));
            }
            m.left = Some(*change);
            Effect { before: json!({"no": no, "left": null}), after: json!({"no": no, "left": change, "date": date}) }
        }
        Change::SetIncome { income } => {
            if !(2010..=2035).contains(&income.year) {
                return Err(DomainError::new("income.year", format!("收入年度{}超出范围", income.year)));
            }
            let pos = h.incomes.iter().position(|i| i.year == income.year);
            let before = pos.map(|p| json!(h.incomes[p])).unwrap_or(Value::Null);
            match pos {
                Some(p) => h.incomes[p] = income.clone(),
                None => h.incomes.push(income.clone()),
            }
            h.incomes.sort_by_key(|i| i.year);
            Effect { before, after: json!(income) }
        }
        Change::AssignHelper { helper_id } => {
            if h.helpers.iter().any(|x| &x.id == helper_id) {
                return Err(DomainError::new("helper.already_assigned", "该帮扶责任人已与本户结对"));
            }
            let helper = helper.ok_or_else(|| DomainError::new("helper.not_found", format!("帮扶责任人{helper_id}不存在")))?;
            h.helpers.push(helper.clone());
            Effect { before: Value::Null, after: json!(helper) }
        }
        Change::UnassignHelper { helper_id } => {
            let pos = h
                .helpers
                .iter()
                .position(|x| &x.id == helper_id)
                .ok_or_else(|| DomainError::new("helper.not_assigned", "该帮扶责任人未与本户结对"))?;
            let removed = h.helpers.remove(pos);
            Effect { before: json!(removed), after: Value::Null }
        }
        Change::AddMeasure { measure } => {
            if h.measures.iter().any(|m| m.no == measure.no) {
                return Err(DomainError::new("measure.duplicate", format!("措施编号{}已存在", measure.no)));
            }
            if measure.name.trim().is_empty() {
                return Err(DomainError::new("measure.name", "措施名称不能为空"));
            }
            h.measures.push(measure.clone());
            Effect { before: Value::Null, after: json!(measure) }
        }
        Change::RemoveMeasure { no } => {
            let pos = h
                .measures
                .iter()
                .position(|m| m.no == *no)
                .ok_or_else(|| DomainError::new("measure.not_found", format!("措施{no}不存在")))?;
            let removed = h.measures.remove(pos);
            Effect { before: json!(removed), after: Value::Null }
        }
        Change::Replace { fields, members, incomes, measures, .. } => {
            let snapshot = |h: &Household| json!({"fields": HouseholdFields::of(h), "members": h.members, "incomes": h.incomes, "measures": h.measures, "helpers": h.helpers.iter().map(|x| &x.id).collect::<Vec<_>>()});
            let before = snapshot(h);
            // The fields go through the same checks as a form edit.
            apply_change(h, &Change::EditFields { fields: fields.clone() }, vec![], rules)?;
            h.members = members.clone();
            h.incomes = incomes.clone();
            h.incomes.sort_by_key(|i| i.year);
            h.measures = measures.clone();
            h.helpers = helpers;
            Effect { before, after: snapshot(h) }
        }
        Change::SetMonitoring { monitoring } => {
            let before = json!({"monitoring": h.monitoring});
            h.monitoring = *monitoring;
            Effect { before, after: json!({"monitoring": h.monitoring}) }
        }
        Change::SetStatus { status, year } => {
            let before = json!({"status": h.status, "exited_year": h.exited_year});
            if h.status == Status::NonPoor && *status == Status::Poor {
                // A recorded household identified as poor is registered (建档立卡) that year.
                h.registered_year = *year;
            }
            h.status = *status;
            h.exited_year = match status {
                Status::Exited | Status::ExitedNoPolicy => Some(*year),
                // A moved-out file keeps the year it exited, as it was when it left.
                Status::TransferredOut => h.exited_year,
                _ => None,
            };
            Effect { before, after: json!({"status": h.status, "exited_year": h.exited_year}) }
        }
    };
    let _ = rules;
    h.validate()?;
    Ok(effect)
}

#[cfg(test)]
pub mod fixtures {
    //! A small valid household for tests.
    use super::*;

    pub fn member(no: i64, relation: Relation, birth: Date, seq: u32) -> Member {
        Member { education: Education::Primary, ..Member::new(no, &format!("成员{no}"), IdNumber::build("371521", birth, seq), relation) }
    }

    pub fn household() -> Household {
        Household {
            id: "3715211010010001".into(),
            village: RegionCode::parse("371521101001").unwrap(),
            status: Status::Poor,
            attribute: Attribute::Ordinary,
            standard: Standard::Provincial,
            main_cause: Cause::Illness,
            other_causes: vec![],
            phone: String::new(),
            bank: String::new(),
            bank_account: String::new(),
            planned_exit_year: Some(2017),
            registered_year: 2015,
            exited_year: None,
            monitoring: None,
            form_version: "SD-2016".into(),
            conditions: Conditions::default(),
            details: Details::default(),
            version: 1,
            members: vec![
                member(1, Relation::Head, Date::new(1950, 3, 1).unwrap(), 11),
                member(2, Relation::Spouse, Date::new(1952, 7, 9).unwrap(), 22),
            ],
            incomes: vec![],
            helpers: vec![],
            measures: vec![],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

    #[test]
    fn exit_income_excludes_education_medical_housing() {
        let i = Income {
            year: 2016,
            wage: Yuan::from_yuan(5000),
            transfer: Yuan::from_yuan(1000),
            transfer_excluded: Yuan::from_yuan(3000),
            expenses: Yuan::from_yuan(500),
            ..Income::default()
        };
        assert_eq!(i.net(), Yuan::from_yuan(8500));
        assert_eq!(i.net_for_exit(), Yuan::from_yuan(5500));
    }

    #[test]
    fn a_second_head_is_refused() {
        let mut h = household();
        let extra = member(3, Relation::Head, Date::new(1980, 1, 1).unwrap(), 33);
        let err = apply_change(&mut h, &Change::PutMember { member: extra }, vec![], &Rules::default()).unwrap_err();
        assert_eq!(err.code, "household.head");
    }

    #[test]
    fn member_departure_keeps_the_record() {
        let mut h = household();
        let c = Change::MemberLeft { no: 2, change: MemberChange::Death, date: "2016-05-01".into() };
        apply_change(&mut h, &c, vec![], &Rules::default()).unwrap();
        assert_eq!(h.size(), 1);
        assert_eq!(h.members.len(), 2);
        let head_left = Change::MemberLeft { no: 1, change: MemberChange::Death, date: "2016-05-01".into() };
        assert_eq!(apply_change(&mut h, &head_left, vec![], &Rules::default()).unwrap_err().code, "member.head_left");
    }

    #[test]
    fn bad_phone_is_refused() {
        let mut h = household();
        let mut f = HouseholdFields::of(&h);
        f.phone = "12345".into();
        let err = apply_change(&mut h, &Change::EditFields { fields: f }, vec![], &Rules::default()).unwrap_err();
        assert_eq!(err.code, "household.phone");
    }
}
