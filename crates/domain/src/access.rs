//! Who may see and do what. A user acts within one region (a code prefix); helpers further
//! within their own households. Personal data is shown by need to know; the store audits every
//! unmasked read.

use crate::{DomainError, Level, RegionCode};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    ProvinceOfficial,
    CityOfficial,
    CountyOfficial,
    TownshipOfficial,
    VillageOfficial,
    /// 帮扶责任人
    Helper,
    /// 行业部门
    Department,
    /// 社会帮扶主体
    Donor,
    /// 第三方评估
    Evaluator,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::ProvinceOfficial,
        Role::CityOfficial,
        Role::CountyOfficial,
        Role::TownshipOfficial,
        Role::VillageOfficial,
        Role::Helper,
        Role::Department,
        Role::Donor,
        Role::Evaluator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::ProvinceOfficial => "province_official",
            Role::CityOfficial => "city_official",
            Role::CountyOfficial => "county_official",
            Role::TownshipOfficial => "township_official",
            Role::VillageOfficial => "village_official",
            Role::Helper => "helper",
            Role::Department => "department",
            Role::Donor => "donor",
            Role::Evaluator => "evaluator",
        }
    }

    pub fn parse(s: &str) -> Result<Role, DomainError> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| DomainError::new("role.unknown", format!("未知角色“{s}”")))
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::ProvinceOfficial => "省级管理员",
            Role::CityOfficial => "市级管理员",
            Role::CountyOfficial => "县级管理员",
            Role::TownshipOfficial => "乡镇管理员",
            Role::VillageOfficial => "村级管理员",
            Role::Helper => "帮扶责任人",
            Role::Department => "行业部门",
            Role::Donor => "社会帮扶主体",
            Role::Evaluator => "第三方评估机构",
        }
    }

    /// The level an official's region must have; other roles may sit at any level.
    pub fn official_level(self) -> Option<Level> {
        match self {
            Role::ProvinceOfficial => Some(Level::Province),
            Role::CityOfficial => Some(Level::City),
            Role::CountyOfficial => Some(Level::County),
            Role::TownshipOfficial => Some(Level::Township),
            Role::VillageOfficial => Some(Level::Village),
            _ => None,
        }
    }

    /// What this role may do: the one table both the store's checks and the pages' links read,
    /// so a link is never shown for what the store would refuse.
    pub fn may(self, action: Action) -> bool {
        use Action::*;
        let official = self.official_level().is_some();
        match action {
            // Donors see figures, never individual files.
            ReadFiles => self != Role::Donor,
            // Village officials keep the files (the field work is theirs).
            EditFiles => self == Role::VillageOfficial,
            HandleCases => official,
            // Checks and the yearly update run over a region, not over one helper's households.
            RunChecks => official,
            ImportFiles => official,
            ReadFigures => true,
            Dispatch => official,
            SetTargets => matches!(self, Role::ProvinceOfficial | Role::CityOfficial),
            // Who unmasked whose data, when: the province's administrators.
            ReadPiiAudit => self == Role::ProvinceOfficial,
            RecordVisits => matches!(self, Role::Helper | Role::VillageOfficial),
            // Policies are issued by the province, cities and counties (their officials and the
            // industry departments draft; the officials of the issuing level approve).
            DraftPolicies => matches!(self, Role::ProvinceOfficial | Role::CityOfficial | Role::CountyOfficial | Role::Department),
            ReviewPolicies => matches!(self, Role::ProvinceOfficial | Role::CityOfficial | Role::CountyOfficial),
            Donate => self == Role::Donor,
            // The people who know the household speak for it: its village official and helper.
            RecordNeeds => matches!(self, Role::VillageOfficial | Role::Helper),
            VerifyNeeds => self == Role::TownshipOfficial,
            VerifyDonors => self == Role::CountyOfficial,
            // The matcher runs over a county or a larger region (donors serve across counties).
            RunMatcher => matches!(self, Role::ProvinceOfficial | Role::CityOfficial | Role::CountyOfficial),
            // Reports are handled from above the region they are about, so never by a village.
            HandleReports => matches!(self, Role::ProvinceOfficial | Role::CityOfficial | Role::CountyOfficial | Role::TownshipOfficial),
            // Third-party means not the county judged: only the evaluator draws and records.
            Evaluate => self == Role::Evaluator,
            // The county judged and the levels above it, and the evaluator; the field list names
            // households, so not the donors, and the village and helpers have no use for it.
            ReadEvaluations => {
                self == Role::Evaluator || matches!(self, Role::ProvinceOfficial | Role::CityOfficial | Role::CountyOfficial)
            }
            // The province shares central and provincial funds among its counties, a city its own.
            AllocateFunds => matches!(self, Role::ProvinceOfficial | Role::CityOfficial),
            // The county keeps the project library (县级统筹): projects, notices, payments.
            ManageProjects => self == Role::CountyOfficial,
            // Officials follow the money of their region; the industry departments (whose funds
            // are pooled) and the evaluator (whose appraisal reads it) too. Donors and helpers
            // read the public notices.
            ReadFunds => official || matches!(self, Role::Department | Role::Evaluator),
            // The departments' registers reach the province's, a city's or a county's office,
            // which matches them over its region.
            MatchRegisters => matches!(self, Role::ProvinceOfficial | Role::CityOfficial | Role::CountyOfficial),
            // Every official follows the matches of the region; the village verifies its own.
            ReadMatches => official,
            VerifyMatches => self == Role::VillageOfficial,
        }
    }

    pub fn pii(self) -> PiiView {
        let (id_number, phone, bank, health) = match self {
            Role::VillageOfficial => (true, true, true, true),
            Role::CountyOfficial => (true, true, true, false),
            Role::TownshipOfficial => (true, true, false, false),
            Role::Helper => (false, true, false, true),
            Role::Department => (false, false, false, true),
            Role::Evaluator => (false, true, false, false),
            Role::ProvinceOfficial | Role::CityOfficial | Role::Donor => (false, false, false, false),
        };
        PiiView { id_number, phone, bank, health }
    }

    /// What the role's spreadsheet exports show unmasked. Officials keep the files and exchange
    /// them with the county offices (an export is edited and imported back), so theirs are
    /// whole; every other role's export is masked like its pages. Unmasked exports are audited.
    pub fn export_pii(self) -> PiiView {
        match self.official_level() {
            Some(_) => PiiView::ALL,
            None => self.pii(),
        }
    }
}

/// What a user may do on the platform; `Role::may` is the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// 贫困户档案: read files, their history and cases (a helper only its own households).
    ReadFiles,
    /// 建档 and edit files.
    EditFiles,
    /// 业务办理: take a step of a case, resolve an objection.
    HandleCases,
    /// 数据核查 and 动态调整 over a region.
    RunChecks,
    /// 导入 files from the county offices' spreadsheets.
    ImportFiles,
    /// Figures without personal data: the region dashboard, the three maps, indicators.
    ReadFigures,
    /// 调度: 倒排工期 and the key tasks an official dispatches, splits, reports on and tracks.
    Dispatch,
    /// 下达减贫目标.
    SetTargets,
    /// 个人信息查阅记录.
    ReadPiiAudit,
    /// 走访记录: record a visit to a household (its paired helper, or the village official).
    RecordVisits,
    /// 政策发布: draft a policy of one's own region (province, city, county; departments too).
    DraftPolicies,
    /// 政策发布: approve or return a draft of one's own region and publish, repeal or revise.
    ReviewPolicies,
    /// 供需对接, the donor's side: register, offer, accept or pick a need, record a delivery.
    Donate,
    /// 供需对接, the household's side: record its needs, agree to a donor, confirm receipt.
    RecordNeeds,
    /// 供需对接: the township verifies a need before donors see it.
    VerifyNeeds,
    /// 供需对接: the county verifies (and may suspend) a donor based in it.
    VerifyDonors,
    /// 供需对接: run the optimal matcher over a region, or cancel a match under way.
    RunMatcher,
    /// 监督举报: read and handle the public's reports about the regions below one's own.
    HandleReports,
    /// 第三方评估: design and draw a county's sample, record the field results.
    Evaluate,
    /// 第三方评估: read a county's evaluations (its sample, field list, results).
    ReadEvaluations,
    /// 扶贫资金: share a year's fund among the counties by the factor method, set the factors.
    AllocateFunds,
    /// 扶贫资金: keep the county's project library (record, approve, notice, pay, accept).
    ManageProjects,
    /// 扶贫资金: read the allocations, projects, payments, reports and flags of one's region.
    ReadFunds,
    /// 大数据比对: match a department's register against the region's poor households.
    MatchRegisters,
    /// 大数据比对: read the matches of one's region and how they were verified.
    ReadMatches,
    /// 大数据比对: record what the village found when it verified a match.
    VerifyMatches,
}

/// Which personal fields a role sees unmasked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PiiView {
    pub id_number: bool,
    pub phone: bool,
    pub bank: bool,
    pub health: bool,
}

impl PiiView {
    pub const ALL: PiiView = PiiView { id_number: true, phone: true, bank: true, health: true };

    pub fn any(&self) -> bool {
        self.id_number || self.phone || self.bank || self.health
    }

    /// Names of the unmasked fields, for the audit log.
    pub fn fields(&self) -> String {
        [(self.id_number, "id_number"), (self.phone, "phone"), (self.bank, "bank"), (self.health, "health")]
            .into_iter()
            .filter(|(on, _)| *on)
            .map(|(_, n)| n)
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Where a caller may act: the store filters every query by it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub region: RegionCode,
    /// For helpers: only the households they are paired with.
    pub helper_id: Option<String>,
}

impl Scope {
    pub fn region(region: RegionCode) -> Scope {
        Scope { region, helper_id: None }
    }

    pub fn contains_region(&self, code: &RegionCode) -> bool {
        self.region.contains(code)
    }
}

/// Masks a phone number: `138****1234`.
pub fn mask_phone(p: &str) -> String {
    if p.chars().count() < 7 {
        return "*".repeat(p.chars().count());
    }
    let chars: Vec<char> = p.chars().collect();
    let n = chars.len();
    format!("{}****{}", chars[..3].iter().collect::<String>(), chars[n - 4..].iter().collect::<String>())
}

/// Masks a bank account: only the last four digits.
pub fn mask_account(a: &str) -> String {
    let chars: Vec<char> = a.chars().collect();
    if chars.len() <= 4 {
        return "*".repeat(chars.len());
    }
    format!("****{}", chars[chars.len() - 4..].iter().collect::<String>())
}

/// Masks the personal values inside a ledger payload (`{"before": …, "after": …}` of any
/// change) as a role's view of the file masks them: by field name at any depth, so a member, the
/// household fields and a whole snapshot are all covered. Other values (codes, village and
/// household numbers) are left as they are. A payload that is not JSON is starred whole.
pub fn mask_payload(payload: &str, pii: PiiView) -> String {
    if pii == PiiView::ALL {
        return payload.to_string();
    }
    match serde_json::from_str::<serde_json::Value>(payload) {
        Ok(mut v) => {
            mask_value(&mut v, pii);
            v.to_string()
        }
        Err(_) => "*".repeat(payload.chars().count().min(16)),
    }
}

fn mask_value(v: &mut serde_json::Value, pii: PiiView) {
    use serde_json::Value;
    match v {
        Value::Object(fields) => {
            for (k, x) in fields.iter_mut() {
                let shown = match k.as_str() {
                    "id_number" | "birth_date" => pii.id_number,
                    "phone" => pii.phone,
                    "bank_account" => pii.bank,
                    "health" => pii.health,
                    _ => {
                        mask_value(x, pii);
                        continue;
                    }
                };
                if shown || x.is_null() {
                    continue;
                }
                let text = x.as_str().map(str::to_string).unwrap_or_else(|| x.to_string());
                *x = Value::String(match k.as_str() {
                    "id_number" => crate::IdNumber::parse(&text).map(|i| i.masked()).unwrap_or_else(|_| "*".repeat(text.chars().count())),
                    "birth_date" => "****-**-**".into(),
                    "phone" => mask_phone(&text),
                    "bank_account" => mask_account(&text),
                    _ => "***".into(),
                });
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|x| mask_value(x, pii)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_are_masked_by_field_at_any_depth() {
        let p = r#"{"after":{"members":[{"no":2,"id_number":"37152119500301011X","health":"2","phone":"13812345678","birth_date":"1950-03-01"}],"bank_account":"6228480012345678","village":"371521100001"},"before":null}"#;
        let none = PiiView { id_number: false, phone: false, bank: false, health: false };
        let m = mask_payload(p, none);
        for secret in ["19500301", "13812345678", "12345678\"", "1950-03-01", "\"health\":\"2\""] {
            assert!(!m.contains(secret), "{secret} in {m}");
        }
        assert!(m.contains("\"village\":\"371521100001\"") && m.contains("\"no\":2"), "{m}");
        assert!(m.contains("5678\""), "the last four of the account stay: {m}");
        // A township official sees ID numbers and phones, not the bank account or health.
        let township = PiiView { id_number: true, phone: true, bank: false, health: false };
        let t = mask_payload(p, township);
        assert!(t.contains("37152119500301011X") && t.contains("13812345678") && !t.contains("6228480012345678"), "{t}");
        assert_eq!(mask_payload(p, PiiView::ALL), p);
        assert!(!mask_payload("not json 37152119500301011X", none).contains("1950"));
    }

    #[test]
    fn masks() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_account("6228480012345678"), "****5678");
        assert_eq!(mask_phone(""), "");
    }

    #[test]
    fn only_village_officials_edit() {
        assert!(Role::ALL.iter().filter(|r| r.may(Action::EditFiles)).eq([Role::VillageOfficial].iter()));
        assert!(!Role::Donor.may(Action::ReadFiles));
        assert!(!Role::Helper.may(Action::RunChecks) && Role::TownshipOfficial.may(Action::RunChecks));
        assert!(!Role::ProvinceOfficial.pii().any());
    }
}

/// Who is asking: every store call takes one, and the store filters by its scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub username: String,
    pub role: Role,
    pub scope: Scope,
}

impl Caller {
    /// The system itself (imports, the demo generator, operators' commands): the whole province.
    pub fn system(province: RegionCode) -> Caller {
        Caller { username: "system".into(), role: Role::ProvinceOfficial, scope: Scope::region(province) }
    }
}
