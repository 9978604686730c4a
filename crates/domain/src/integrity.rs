//! 大数据比对: the registers other departments keep (deaths and cremations, vehicles, companies,
//! those paid from public funds, urban home purchases), matched by ID number against the poor
//! households' members. A match is a question for the village, never a verdict: the village
//! verifies it by a deadline and records what it found; nothing is removed automatically, and
//! an outcome that says the file changed is accepted only once the file has changed.

use crate::id_number::{Date, IdNumber};
use crate::registry::codes::{code_enum, Status};
use crate::DomainError;
use serde::Serialize;

code_enum!(
    /// 比对数据: which department's register a file is.
    RegisterKind, "register_kind" {
    Deaths = "deaths" "死亡和火化登记",
    Vehicles = "vehicles" "机动车登记",
    Companies = "companies" "工商注册登记",
    PublicEmployees = "public_employees" "财政供养人员",
    Homes = "homes" "城镇购房登记",
});
impl RegisterKind {
    const FIELD_LABEL: &'static str = "比对数据类型";

    /// What a match means for the household, as the village is asked to verify it.
    pub fn finding(self) -> &'static str {
        match self {
            RegisterKind::Deaths => "成员已死亡（火化）但仍计入家庭人口",
            RegisterKind::Vehicles => "成员名下登记有机动车",
            RegisterKind::Companies => "成员注册或入股企业",
            RegisterKind::PublicEmployees => "成员为财政供养人员",
            RegisterKind::Homes => "成员在城镇购买商品房",
        }
    }

    /// What the register's date column records.
    pub fn date_label(self) -> &'static str {
        match self {
            RegisterKind::Deaths => "死亡日期",
            RegisterKind::Vehicles | RegisterKind::Companies => "登记日期",
            RegisterKind::PublicEmployees => "入职日期",
            RegisterKind::Homes => "购房日期",
        }
    }
}

code_enum!(
    /// 核实结果: what the village found when it checked a match.
    Outcome, "integrity_outcome" {
    Pending = "pending" "待核实",
    // The household is eligible all the same (a car used for farm work, a death recorded since…).
    Explained = "explained" "核实无误已说明",
    // 清退: the household was wrongly included and has been removed through its case.
    Removed = "removed" "已清退",
    // The member who died or left has been taken off the file through the change path.
    MemberChanged = "member_changed" "已变更家庭成员",
});
impl Outcome {
    const FIELD_LABEL: &'static str = "核实结果";
}

/// Days the village has to verify a match (a county's usual deadline for a 核查 list).
pub const VERIFY_DAYS: i64 = 15;

/// The columns every register carries; the others are kept as the match's details.
pub const ID_COLUMN: &str = "公民身份号码";
pub const NAME_COLUMN: &str = "姓名";
pub const DATE_COLUMN: &str = "日期";

/// One row of a register, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub id_number: IdNumber,
    pub name: String,
    pub date: Date,
    /// The register's other columns, by header, in the file's order.
    pub details: Vec<(String, String)>,
}

impl Record {
    /// A row as the register gives it; `today` bounds the date (a death cannot be in the future).
    pub fn parse(id: &str, name: &str, date: &str, today: Date) -> Result<(IdNumber, String, Date), DomainError> {
        let id_number = IdNumber::parse(id)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 50 {
            return Err(DomainError::new("integrity.name", "姓名不能为空，且不超过50个字"));
        }
        let date = parse_date(date)?;
        if date > today {
            return Err(DomainError::new("integrity.date_future", format!("日期{date}晚于今天{today}")));
        }
        Ok((id_number, name.to_string(), date))
    }
}

/// Registers write dates as `2017-03-05`, `2017/3/5`, `2017.03.05` or `20170305`.
pub fn parse_date(s: &str) -> Result<Date, DomainError> {
    let s = s.trim();
    let bad = || DomainError::new("integrity.date", format!("日期“{s}”无效，应为如2017-03-05的日期"));
    let parts: Vec<&str> = s.split(['-', '/', '.']).collect();
    let (y, m, d) = match parts.as_slice() {
        [y, m, d] => (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?, d.parse().map_err(|_| bad())?),
        [all] if all.len() == 8 && all.bytes().all(|b| b.is_ascii_digit()) => {
            (all[..4].parse().map_err(|_| bad())?, all[4..6].parse().map_err(|_| bad())?, all[6..].parse().map_err(|_| bad())?)
        }
        _ => return Err(bad()),
    };
    if !(1900..=2100).contains(&y) {
        return Err(bad());
    }
    Date::new(y, m, d).ok_or_else(bad)
}

/// Whose matches count: members still counted in a file on the register that still receives
/// (not yet exited, or exited and still enjoying the policies). A file removed, moved out or
/// exited for good has nothing left to verify.
pub fn checked(status: Status) -> bool {
    matches!(status, Status::Poor | Status::Returned | Status::Exited)
}

/// The ID number as a key: its seventeen digits (the check character follows from them).
pub fn key(id: &IdNumber) -> u64 {
    id.as_str().as_bytes()[..17].iter().fold(0u64, |k, d| k * 10 + u64::from(d - b'0'))
}

/// What the file looks like now, for an outcome that claims a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FileNow {
    pub status: Status,
    pub member_active: bool,
}

/// Checks an outcome the village records against the file as it is now: 已清退 only once the
/// file is 清退, 已变更家庭成员 only once the member no longer counts, and every outcome with
/// what was found (an explanation is the record an inspector reads later).
pub fn decide(outcome: Outcome, note: &str, now: FileNow) -> Result<(), DomainError> {
    let note = note.trim();
    if note.chars().count() < 4 || note.chars().count() > 500 {
        return Err(DomainError::new("integrity.note", "请写明核实情况（4至500字）"));
    }
    match outcome {
        Outcome::Pending => Err(DomainError::new("integrity.outcome_pending", "请选择核实结果")),
        Outcome::Removed if now.status != Status::Removed => {
            Err(DomainError::new("integrity.not_removed", "该户尚未清退：请先办理清退，再记录“已清退”"))
        }
        Outcome::MemberChanged if now.member_active => {
            Err(DomainError::new("integrity.member_active", "该成员仍在家庭成员中：请先在档案中变更成员，再记录“已变更家庭成员”"))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Date {
        Date::new(2017, 6, 30).unwrap()
    }

    #[test]
    fn dates_are_read_as_registers_write_them() {
        for s in ["2017-03-05", "2017/3/5", "2017.03.05", "20170305", " 2017-3-05 "] {
            assert_eq!(parse_date(s).unwrap(), Date::new(2017, 3, 5).unwrap(), "{s}");
        }
        for s in ["", "2017-02-30", "17-3-5", "2017年3月5日", "201703051", "3/5/2017"] {
            assert!(parse_date(s).is_err(), "{s}");
        }
    }

    #[test]
    fn a_row_needs_a_valid_number_a_name_and_a_past_date() {
        let id = IdNumber::build("371521", Date::new(1950, 1, 2).unwrap(), 17);
        let (n, name, d) = Record::parse(id.as_str(), " 张三 ", "2017-01-01", today()).unwrap();
        assert_eq!((n, name.as_str(), d), (id.clone(), "张三", Date::new(2017, 1, 1).unwrap()));
        assert_eq!(Record::parse("371521195001021234", "张三", "2017-01-01", today()).unwrap_err().code, "id_number.checksum");
        assert_eq!(Record::parse(id.as_str(), " ", "2017-01-01", today()).unwrap_err().code, "integrity.name");
        assert_eq!(Record::parse(id.as_str(), "张三", "2017-07-01", today()).unwrap_err().code, "integrity.date_future");
    }

    #[test]
    fn the_key_is_the_seventeen_digits() {
        let a = IdNumber::build("371521", Date::new(1950, 1, 2).unwrap(), 17);
        assert_eq!(key(&a), a.as_str()[..17].parse::<u64>().unwrap());
        let x = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(key(&x), 11010519491231002);
    }

    #[test]
    fn an_outcome_that_claims_a_change_needs_the_change() {
        let live = FileNow { status: Status::Poor, member_active: true };
        assert_eq!(decide(Outcome::Removed, "经核实该户不符合条件", live).unwrap_err().code, "integrity.not_removed");
        assert_eq!(decide(Outcome::MemberChanged, "成员已去世", live).unwrap_err().code, "integrity.member_active");
        assert_eq!(decide(Outcome::Explained, "无", live).unwrap_err().code, "integrity.note");
        assert_eq!(decide(Outcome::Pending, "还没有核实完", live).unwrap_err().code, "integrity.outcome_pending");
        decide(Outcome::Explained, "车辆为农用三轮车，经村民代表会议认定不影响", live).unwrap();
        decide(Outcome::Removed, "已按程序清退", FileNow { status: Status::Removed, member_active: true }).unwrap();
        decide(Outcome::MemberChanged, "已办理成员减少", FileNow { status: Status::Poor, member_active: false }).unwrap();
    }

    #[test]
    fn exited_files_that_no_longer_receive_are_not_checked() {
        assert!(checked(Status::Poor) && checked(Status::Returned) && checked(Status::Exited));
        assert!(!checked(Status::ExitedNoPolicy) && !checked(Status::Removed) && !checked(Status::TransferredOut) && !checked(Status::NonPoor));
    }
}
