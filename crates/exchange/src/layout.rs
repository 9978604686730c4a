//! The sheets and their columns: one definition for writing and reading, so an exported file
//! always imports back.

use fupin_domain::codes::*;
use fupin_domain::household::{Household, Member};
use fupin_domain::id_number::Date;
use fupin_domain::{DomainError, IdNumber, RegionCode, Yuan};

pub const MEMBERS: &str = "贫困户成员";
pub const INCOMES: &str = "年度收入";
pub const MEASURES: &str = "帮扶措施";
pub const PAIRS: &str = "帮扶结对";
/// Data rows per member sheet (Excel's limit is 1,048,576 rows including the header).
pub const MAX_ROWS: usize = 1_048_575;

pub const ID: &str = "户编号";

/// Household columns, repeated on every member row.
pub static HOUSEHOLD_HEADERS: &[&str] = &[
    ID,
    "村代码",
    "脱贫状态(代码)",
    "贫困户属性(代码)",
    "识别标准(代码)",
    "主要致贫原因(代码)",
    "其他致贫原因(代码,逗号分隔)",
    "户联系电话",
    "开户银行",
    "银行账号",
    "计划脱贫年度",
    "建档年度",
    "脱贫年度",
    "表样版本",
    "不愁吃穿",
    "义务教育有保障",
    "基本医疗有保障",
    "住房安全有保障",
    "饮水安全",
    "生活用电",
    "耕地面积(亩)",
    "住房面积(平方米)",
    "危房等级",
    "易地扶贫搬迁",
    "军烈属",
    "卫生厕所",
    "距村主干路(公里)",
    "加入合作社",
    "监测对象类型(代码)",
];

pub static MEMBER_HEADERS: &[&str] = &[
    "成员序号",
    "姓名",
    "性别(代码)",
    "公民身份号码",
    "与户主关系(代码)",
    "民族",
    "文化程度(代码)",
    "在校生状况(代码)",
    "健康状况(代码)",
    "劳动技能(代码)",
    "务工状况(代码)",
    "务工时间(月)",
    "是否低保",
    "基本医疗保险",
    "大病保险",
    "养老保险",
    "成员联系电话",
    "成员减少原因(代码)",
    BIRTH_DATE,
];

/// Columns added after the first layout: files without them still import (the value is then
/// empty, or 0 for money).
pub const BIRTH_DATE: &str = "出生日期";
pub const HARD_EXPENSES: &str = "刚性支出(元,医疗残疾灾害)";
pub const OPTIONAL_HEADERS: &[&str] = &[BIRTH_DATE, HARD_EXPENSES];

/// The columns a sheet must have: all but the optional ones.
pub fn required(headers: &[&'static str]) -> Vec<&'static str> {
    headers.iter().copied().filter(|h| !OPTIONAL_HEADERS.contains(h)).collect()
}

pub static INCOME_HEADERS: &[&str] = &[
    ID,
    "年度",
    "工资性收入(元)",
    "家庭经营性收入(元)",
    "财产性收入(元)",
    "转移性收入(元,计入)",
    "教育医疗住房补助(元,不计入脱贫)",
    "生产经营性支出(元)",
    HARD_EXPENSES,
];
pub static MEASURE_HEADERS: &[&str] = &[ID, "措施序号", "帮扶路径(代码)", "措施名称", "金额(元)", "责任单位", "年度"];
pub static PAIR_HEADERS: &[&str] = &[ID, "帮扶责任人编号", "帮扶责任人姓名", "帮扶单位"];

pub fn yes(b: bool) -> String {
    if b { "是" } else { "否" }.to_string()
}

fn opt_year(y: Option<i32>) -> String {
    y.map(|y| y.to_string()).unwrap_or_default()
}

pub fn household_cells(h: &Household) -> Vec<String> {
    let c = &h.conditions;
    let d = &h.details;
    vec![
        h.id.clone(),
        h.village.to_string(),
        h.status.code().into(),
        h.attribute.code().into(),
        h.standard.code().into(),
        h.main_cause.code().into(),
        h.other_causes.iter().map(|c| c.code()).collect::<Vec<_>>().join(","),
        h.phone.clone(),
        h.bank.clone(),
        h.bank_account.clone(),
        opt_year(h.planned_exit_year),
        h.registered_year.to_string(),
        opt_year(h.exited_year),
        h.form_version.clone(),
        yes(c.food_clothing),
        yes(c.compulsory_education),
        yes(c.medical_insurance),
        yes(c.safe_housing),
        yes(c.safe_water),
        yes(c.electricity),
        d.cultivated_land_mu.to_string(),
        d.housing_area_m2.to_string(),
        d.dangerous_house.clone(),
        yes(d.relocation),
        yes(d.military_family),
        yes(d.sanitary_toilet),
        d.distance_to_road_km.to_string(),
        yes(d.cooperative),
        h.monitoring.map(|m| m.code().to_string()).unwrap_or_default(),
    ]
}

pub fn member_cells(m: &Member) -> Vec<String> {
    vec![
        m.no.to_string(),
        m.name.clone(),
        m.sex.code().into(),
        m.id_number.to_string(),
        m.relation.code().into(),
        m.ethnicity.clone(),
        m.education.code().into(),
        m.schooling.code().into(),
        m.health.code().into(),
        m.labour.code().into(),
        m.work_status.code().into(),
        m.months_away.to_string(),
        yes(m.dibao),
        yes(m.medical_insurance),
        yes(m.serious_illness_insurance),
        yes(m.pension_insurance),
        m.phone.clone(),
        m.left.map(|c| c.code().to_string()).unwrap_or_default(),
        m.birth_date.map(|d| d.to_string()).unwrap_or_default(),
    ]
}

/// Parsing helpers that name the problem in Chinese.
pub fn parse_bool(s: &str) -> Result<bool, DomainError> {
    match s.trim() {
        "是" | "1" | "Y" | "y" | "TRUE" | "true" => Ok(true),
        "否" | "0" | "N" | "n" | "FALSE" | "false" | "" => Ok(false),
        other => Err(DomainError::new("cell.bool", format!("“{other}”应为“是”或“否”"))),
    }
}

pub fn parse_int(s: &str, what: &str, range: std::ops::RangeInclusive<i64>) -> Result<i64, DomainError> {
    let v: i64 = s.trim().parse().map_err(|_| DomainError::new("cell.int", format!("{what}“{s}”应为整数")))?;
    if !range.contains(&v) {
        return Err(DomainError::new("cell.range", format!("{what}{v}超出范围（{}–{}）", range.start(), range.end())));
    }
    Ok(v)
}

pub fn parse_opt_year(s: &str, what: &str) -> Result<Option<i32>, DomainError> {
    if s.trim().is_empty() {
        Ok(None)
    } else {
        Ok(Some(parse_int(s, what, 2000..=2035)? as i32))
    }
}

pub fn parse_area(s: &str, what: &str) -> Result<f64, DomainError> {
    if s.trim().is_empty() {
        return Ok(0.0);
    }
    let v: f64 = s.trim().parse().map_err(|_| DomainError::new("cell.number", format!("{what}“{s}”应为数字")))?;
    if !(0.0..=100_000.0).contains(&v) || !v.is_finite() {
        return Err(DomainError::new("cell.range", format!("{what}{v}超出范围")));
    }
    Ok(v)
}

pub fn parse_money(s: &str) -> Result<Yuan, DomainError> {
    if s.trim().is_empty() {
        Ok(Yuan::ZERO)
    } else {
        Yuan::parse(s)
    }
}

pub fn parse_region(s: &str) -> Result<RegionCode, DomainError> {
    RegionCode::parse(s)
}

pub fn parse_id(s: &str) -> Result<IdNumber, DomainError> {
    IdNumber::parse(s)
}

pub fn parse_causes(s: &str) -> Result<Vec<Cause>, DomainError> {
    s.split([',', '，', '、']).map(str::trim).filter(|x| !x.is_empty()).map(Cause::parse).collect()
}

pub fn parse_date(s: &str) -> Result<Date, DomainError> {
    Date::parse(s)
}
