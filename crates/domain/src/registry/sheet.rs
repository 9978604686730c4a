//! A household file as a county office's spreadsheet holds it: the four tables, their Chinese
//! column names, and each file's cells in them. One definition serves export, import and the
//! file digest, so an exported file imports back unchanged and an unchanged file is known as
//! such from its cells alone.

use crate::registry::household::{Household, Income, Measure, Member};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

pub const MEMBERS: &str = "贫困户成员";
pub const INCOMES: &str = "年度收入";
pub const MEASURES: &str = "帮扶措施";
pub const PAIRS: &str = "帮扶结对";

pub const ID: &str = "户编号";

/// A personal field a column of the layout holds, masked unless the reader's `PiiView` allows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PiiColumn {
    IdNumber,
    Phone,
    BankAccount,
    Health,
}

impl PiiColumn {
    /// The personal column a header names, if any (the one list of them, for export and import).
    pub fn of(header: &str) -> Option<PiiColumn> {
        match header {
            "公民身份号码" => Some(PiiColumn::IdNumber),
            "户联系电话" | "成员联系电话" => Some(PiiColumn::Phone),
            "银行账号" => Some(PiiColumn::BankAccount),
            "健康状况(代码)" => Some(PiiColumn::Health),
            _ => None,
        }
    }

    pub fn visible(self, pii: crate::access::PiiView) -> bool {
        match self {
            PiiColumn::IdNumber => pii.id_number,
            PiiColumn::Phone => pii.phone,
            PiiColumn::BankAccount => pii.bank,
            PiiColumn::Health => pii.health,
        }
    }

    /// The cell as a reader without the right sees it: stars stand for what is hidden, so the
    /// layout stays readable and the importer can tell a masked file from a whole one.
    pub fn mask(self, cell: &str) -> String {
        match self {
            _ if cell.is_empty() => String::new(),
            PiiColumn::IdNumber => crate::IdNumber::parse(cell).map(|i| i.masked()).unwrap_or_else(|_| "*".repeat(cell.chars().count())),
            PiiColumn::Phone => crate::access::mask_phone(cell),
            PiiColumn::BankAccount => crate::access::mask_account(cell),
            PiiColumn::Health => "**".into(),
        }
    }

    /// A cell that a masked export wrote: never taken for a real value on import.
    pub fn is_masked(cell: &str) -> bool {
        cell.contains('*')
    }
}

/// Masks the personal cells of `row` (cells in `headers` order) that `pii` does not show.
pub fn mask_row(headers: &[&str], row: &mut [String], pii: crate::access::PiiView) {
    for (h, cell) in headers.iter().zip(row.iter_mut()) {
        if let Some(col) = PiiColumn::of(h).filter(|c| !c.visible(pii)) {
            *cell = col.mask(cell);
        }
    }
}

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
/// The helper's name and unit are shown for reading; only the helper's number is the file's.
pub static PAIR_HEADERS: &[&str] = &[ID, "帮扶责任人编号", "帮扶责任人姓名", "帮扶单位"];

/// The columns a sheet must have: all but the optional ones.
pub fn required(headers: &[&'static str]) -> Vec<&'static str> {
    headers.iter().copied().filter(|h| !OPTIONAL_HEADERS.contains(h)).collect()
}

pub fn yes(b: bool) -> &'static str {
    if b {
        "是"
    } else {
        "否"
    }
}

/// Formats values into one reused buffer and hands each cell on as text: the digest of every
/// file written renders its cells, and a fresh String per cell would dominate that.
struct Cells<'f> {
    buf: String,
    out: &'f mut dyn FnMut(&str),
}

impl Cells<'_> {
    fn text(&mut self, s: &str) {
        (self.out)(s);
    }

    fn show(&mut self, v: impl std::fmt::Display) {
        self.buf.clear();
        write!(self.buf, "{v}").expect("writing to a String");
        (self.out)(&self.buf);
    }

    fn opt(&mut self, v: Option<impl std::fmt::Display>) {
        match v {
            Some(v) => self.show(v),
            None => self.text(""),
        }
    }
}

/// The household's cells, in `HOUSEHOLD_HEADERS` order.
pub fn each_household_cell(h: &Household, out: &mut dyn FnMut(&str)) {
    let (c, d) = (&h.conditions, &h.details);
    let mut w = Cells { buf: String::new(), out };
    w.text(&h.id);
    w.text(h.village.as_str());
    w.text(h.status.code());
    w.text(h.attribute.code());
    w.text(h.standard.code());
    w.text(h.main_cause.code());
    w.buf.clear();
    for (i, cause) in h.other_causes.iter().enumerate() {
        if i > 0 {
            w.buf.push(',');
        }
        w.buf.push_str(cause.code());
    }
    (w.out)(&w.buf);
    w.text(&h.phone);
    w.text(&h.bank);
    w.text(&h.bank_account);
    w.opt(h.planned_exit_year);
    w.show(h.registered_year);
    w.opt(h.exited_year);
    w.text(&h.form_version);
    for b in [c.food_clothing, c.compulsory_education, c.medical_insurance, c.safe_housing, c.safe_water, c.electricity] {
        w.text(yes(b));
    }
    w.show(d.cultivated_land_mu);
    w.show(d.housing_area_m2);
    w.text(&d.dangerous_house);
    for b in [d.relocation, d.military_family, d.sanitary_toilet] {
        w.text(yes(b));
    }
    w.show(d.distance_to_road_km);
    w.text(yes(d.cooperative));
    w.text(h.monitoring.map_or("", |m| m.code()));
}

/// A member's cells, in `MEMBER_HEADERS` order.
pub fn each_member_cell(m: &Member, out: &mut dyn FnMut(&str)) {
    let mut w = Cells { buf: String::new(), out };
    w.show(m.no);
    w.text(&m.name);
    w.text(m.sex.code());
    w.text(m.id_number.as_str());
    w.text(m.relation.code());
    w.text(&m.ethnicity);
    for code in [m.education.code(), m.schooling.code(), m.health.code(), m.labour.code(), m.work_status.code()] {
        w.text(code);
    }
    w.show(m.months_away);
    for b in [m.dibao, m.medical_insurance, m.serious_illness_insurance, m.pension_insurance] {
        w.text(yes(b));
    }
    w.text(&m.phone);
    w.text(m.left.map_or("", |c| c.code()));
    w.opt(m.birth_date);
}

/// A year's income row, in `INCOME_HEADERS` order.
pub fn each_income_cell(id: &str, i: &Income, out: &mut dyn FnMut(&str)) {
    let mut w = Cells { buf: String::new(), out };
    w.text(id);
    w.show(i.year);
    for v in [i.wage, i.business, i.property, i.transfer, i.transfer_excluded, i.expenses, i.hard_expenses] {
        w.show(v);
    }
}

/// A measure row, in `MEASURE_HEADERS` order.
pub fn each_measure_cell(id: &str, m: &Measure, out: &mut dyn FnMut(&str)) {
    let mut w = Cells { buf: String::new(), out };
    w.text(id);
    w.show(m.no);
    w.text(m.path.code());
    w.text(&m.name);
    w.show(m.amount);
    w.text(&m.unit);
    w.show(m.year);
}

fn collect(f: impl FnOnce(&mut dyn FnMut(&str))) -> Vec<String> {
    let mut v = vec![];
    f(&mut |c| v.push(c.to_string()));
    v
}

pub fn household_cells(h: &Household) -> Vec<String> {
    collect(|out| each_household_cell(h, out))
}

pub fn member_cells(m: &Member) -> Vec<String> {
    collect(|out| each_member_cell(m, out))
}

pub fn income_cells(id: &str, i: &Income) -> Vec<String> {
    collect(|out| each_income_cell(id, i, out))
}

pub fn measure_cells(id: &str, m: &Measure) -> Vec<String> {
    collect(|out| each_measure_cell(id, m, out))
}

/// The four tables, as the parts of a file's digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Members = 0,
    Incomes = 1,
    Measures = 2,
    Pairs = 3,
}

/// A digest of one part of a file: SHA-256 over its rows' trimmed cells, in order, cut to 64
/// bits. What is compared is one file against its own stored digest, so 64 bits leave a chance
/// of 2⁻⁶⁴ that a changed part passes as unchanged.
#[derive(Clone, Default)]
pub struct PartDigest {
    sha: Sha256,
    row: Vec<u8>,
}

impl PartDigest {
    /// A cell, trimmed already (both the reader and `file_digest` trim).
    pub fn cell(&mut self, s: &str) {
        self.row.extend_from_slice(s.as_bytes());
        self.row.push(0x1f);
    }

    pub fn end_row(&mut self) {
        self.row.push(0x1e);
        self.sha.update(&self.row);
        self.row.clear();
    }

    pub fn finish(self) -> u64 {
        let d = self.sha.finalize();
        u64::from_be_bytes(d[..8].try_into().expect("SHA-256 is 32 bytes"))
    }
}

/// The digest of what an import can change, as the four parts (`Part` order) of the cells an
/// export writes: members (with the household's cells), incomes, measures, paired helpers'
/// numbers, each in key order. 64 hex digits; equal parts mean an import changes nothing there.
pub fn file_digest(h: &Household) -> String {
    let mut members: Vec<&Member> = h.members.iter().collect();
    members.sort_by_key(|m| m.no);
    let mut incomes: Vec<&Income> = h.incomes.iter().collect();
    incomes.sort_by_key(|i| i.year);
    let mut measures: Vec<&Measure> = h.measures.iter().collect();
    measures.sort_by_key(|m| m.no);
    let mut helpers: Vec<&str> = h.helpers.iter().map(|x| x.id.as_str()).collect();
    helpers.sort_unstable();
    let mut household = vec![];
    each_household_cell(h, &mut |c| household.push(c.trim().to_string()));
    let parts = [
        part(members, |m, out| {
            household.iter().for_each(|c| out(c));
            each_member_cell(m, out);
        }),
        part(incomes, |i, out| each_income_cell(&h.id, i, out)),
        part(measures, |m, out| each_measure_cell(&h.id, m, out)),
        part(helpers, |x, out| {
            out(&h.id);
            out(x);
        }),
    ];
    parts.iter().map(|p| format!("{p:016x}")).collect()
}

/// The digest of one table's rows: `row` gives each row's cells.
fn part<T>(rows: Vec<T>, row: impl Fn(T, &mut dyn FnMut(&str))) -> u64 {
    let mut d = PartDigest::default();
    for r in rows {
        row(r, &mut |c| d.cell(c.trim()));
        d.end_row();
    }
    d.finish()
}

/// One part of a stored digest, or None when none is stored. (A digest of the earlier form, one
/// SHA-256 of the whole file, only ever mismatches: such a file is compared in full once and
/// its digest rewritten.)
pub fn digest_part(digest: &str, part: Part) -> Option<u64> {
    let i = part as usize * 16;
    digest.get(i..i + 16).filter(|_| digest.len() == 64).and_then(|s| u64::from_str_radix(s, 16).ok())
}

#[cfg(test)]
mod pii_tests {
    use super::*;
    use crate::access::Role;

    #[test]
    fn every_personal_column_of_the_layout_is_known_and_masked() {
        let headers: Vec<&str> = HOUSEHOLD_HEADERS.iter().chain(MEMBER_HEADERS).copied().collect();
        let cols: Vec<PiiColumn> = headers.iter().filter_map(|h| PiiColumn::of(h)).collect();
        assert_eq!(cols.len(), 5, "ID number, two phones, bank account, health");
        let mut row: Vec<String> = headers.iter().map(|_| String::new()).collect();
        let at = |h: &str| headers.iter().position(|x| *x == h).unwrap();
        row[at("公民身份号码")] = "371521198001011239".into();
        row[at("户联系电话")] = "13812345678".into();
        row[at("银行账号")] = "6228480012345678".into();
        row[at("健康状况(代码)")] = "03".into();
        row[at("姓名")] = "张三".into();
        let mut dept = row.clone();
        mask_row(&headers, &mut dept, Role::Department.export_pii());
        assert_eq!(dept[at("公民身份号码")], "371521********1239");
        assert_eq!(dept[at("户联系电话")], "138****5678");
        assert_eq!(dept[at("银行账号")], "****5678");
        assert_eq!(dept[at("健康状况(代码)")], "03", "departments see health data");
        assert_eq!(dept[at("姓名")], "张三");
        let mut county = row.clone();
        mask_row(&headers, &mut county, Role::CountyOfficial.export_pii());
        assert_eq!(county, row, "officials' exports are whole");
        let mut donor = row.clone();
        mask_row(&headers, &mut donor, Role::Evaluator.export_pii());
        assert!(PiiColumn::is_masked(&donor[at("健康状况(代码)")]) && !PiiColumn::is_masked(&donor[at("户联系电话")]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::household::fixtures::household;
    use crate::registry::household::Helper;
    use crate::Yuan;

    fn parts(h: &Household) -> Vec<u64> {
        let d = file_digest(h);
        [Part::Members, Part::Incomes, Part::Measures, Part::Pairs].into_iter().map(|p| digest_part(&d, p).unwrap()).collect()
    }

    #[test]
    fn a_change_moves_the_part_of_its_table_only() {
        let h = household();
        let base = parts(&h);
        let changed = |f: &dyn Fn(&mut Household)| {
            let mut x = h.clone();
            f(&mut x);
            let p = parts(&x);
            (0..4).filter(|&i| p[i] != base[i]).collect::<Vec<_>>()
        };
        assert_eq!(changed(&|x| x.phone = "13700000000".into()), [0], "household cells are on the member rows");
        assert_eq!(changed(&|x| x.members[0].name = "另名".into()), [0]);
        assert_eq!(changed(&|x| x.incomes.push(Income { year: 2016, wage: Yuan::from_fen(100), ..Default::default() })), [1]);
        assert_eq!(
            changed(&|x| x.helpers.push(Helper { id: "H1".into(), name: "甲".into(), unit: "乙".into(), phone: String::new() })),
            [3]
        );
        // A helper's name and unit are the helper's, not the file's.
        let mut a = h.clone();
        a.helpers.push(Helper { id: "H1".into(), name: "甲".into(), unit: "乙".into(), phone: String::new() });
        let mut b = a.clone();
        b.helpers[0].name = "丙".into();
        assert_eq!(file_digest(&a), file_digest(&b));
    }

    #[test]
    fn order_in_memory_does_not_matter_key_order_does() {
        let mut h = household();
        let d = file_digest(&h);
        h.members.reverse();
        assert_eq!(file_digest(&h), d, "members are digested in their numbers' order");
        assert_eq!(digest_part("", Part::Members), None);
        assert_eq!(digest_part(&"f".repeat(64), Part::Pairs), Some(u64::MAX));
    }
}
