//! 政策发布: policy documents as Chinese government portals record them (标题, 发文机关, 发文字号,
//! 成文日期 and 发布日期, 施行日期, 失效日期, 主题分类, 有效性, full text) and their lifecycle:
//! draft → review by the issuing level → published → revised (a new version) or repealed.
//! Published text is never edited in place: a revision is a new document that names the one it
//! revises, and the old one stays readable with its dates.

use crate::id_number::Date;
use crate::registry::codes::code_enum;
use crate::{DomainError, Level, RegionCode};
use serde::{Deserialize, Serialize};

code_enum!(
    /// 主题分类
    Category, "policy_category" {
    Industry = "01" "产业", Employment = "02" "就业", Relocation = "03" "搬迁", Ecology = "04" "生态",
    Education = "05" "教育", Health = "06" "健康", Housing = "07" "住房", SafetyNet = "08" "兜底",
    Finance = "09" "金融", Infrastructure = "10" "基础设施", General = "11" "综合",
});
impl Category {
    const FIELD_LABEL: &'static str = "主题分类";
}

code_enum!(
    /// 有效性
    Validity, "policy_validity" {
    InForce = "1" "有效", Revised = "2" "已修订", PartlyRepealed = "3" "部分废止", Repealed = "4" "全文废止",
});
impl Validity {
    const FIELD_LABEL: &'static str = "有效性";
}

code_enum!(
    /// Where a document is in its lifecycle.
    PolicyState, "policy_state" {
    Draft = "draft" "草稿", InReview = "review" "待审核", Published = "published" "已发布",
});
impl PolicyState {
    const FIELD_LABEL: &'static str = "状态";
}

/// 发文字号 `机关代字〔年份〕序号号`, e.g. 鲁政发〔2016〕13号. Parsed from the forms people type it
/// in (〔〕, [], ［］ or （） around the year) and always written with 〔〕.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DocNumber {
    /// 机关代字: the issuing organ's abbreviation and the document series (鲁政发, 聊政办字).
    pub agency: String,
    pub year: i32,
    pub seq: u32,
}

impl DocNumber {
    pub fn parse(s: &str) -> Result<DocNumber, DomainError> {
        let bad = |why: &str| {
            DomainError::new("policy.doc_number", format!("发文字号“{s}”{why}，应为“机关代字〔年份〕序号号”，如 鲁政发〔2016〕13号"))
        };
        let t = s.trim();
        let open = t.find(['〔', '[', '［', '（', '(']).ok_or_else(|| bad("缺少年份括号"))?;
        let agency = t[..open].trim();
        let rest = &t[open + t[open..].chars().next().map_or(1, char::len_utf8)..];
        let close = rest.find(['〕', ']', '］', '）', ')']).ok_or_else(|| bad("年份括号不完整"))?;
        let year: i32 = rest[..close].trim().parse().map_err(|_| bad("年份应为四位数字"))?;
        let after = &rest[close + rest[close..].chars().next().map_or(1, char::len_utf8)..];
        let number = after.trim().strip_suffix('号').ok_or_else(|| bad("应以“号”结尾"))?;
        let seq: u32 = number.trim().parse().map_err(|_| bad("序号应为数字"))?;
        if agency.is_empty() || agency.chars().count() > 20 || !agency.chars().all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) {
            return Err(bad("机关代字应为1至20个汉字"));
        }
        if !(1949..=2100).contains(&year) {
            return Err(bad("年份不在1949至2100之间"));
        }
        if !(1..=99_999).contains(&seq) {
            return Err(bad("序号应在1至99999之间"));
        }
        Ok(DocNumber { agency: agency.to_string(), year, seq })
    }
}

impl std::fmt::Display for DocNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}〔{}〕{}号", self.agency, self.year, self.seq)
    }
}

impl TryFrom<String> for DocNumber {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, DomainError> {
        DocNumber::parse(&s)
    }
}

impl From<DocNumber> for String {
    fn from(d: DocNumber) -> String {
        d.to_string()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for DocNumber {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("发文字号，机关代字〔年份〕序号号"))
            .examples(["鲁政发〔2016〕13号"])
            .into()
    }
}
#[cfg(feature = "openapi")]
impl utoipa::ToSchema for DocNumber {}

/// What the drafting official writes: everything but the lifecycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PolicyDraft {
    pub title: String,
    /// 发文机关 (the unit; the issuing region is the drafter's).
    pub issuer_unit: String,
    /// 发文字号; needed to publish, not to draft.
    pub doc_number: Option<DocNumber>,
    pub category: Category,
    /// 成文日期
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2016-03-01"))]
    pub written_on: Date,
    /// 施行日期 (default: the day it is published)
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub effective_on: Option<Date>,
    /// 失效日期
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub expires_on: Option<Date>,
    pub body: String,
    /// The policy this one implements (its id): of the issuer's own region or one above.
    pub implements: Option<String>,
}

/// A policy document with its place in the lifecycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Policy {
    pub id: String,
    /// Row version, for optimistic concurrency.
    pub version: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub issuer_region: RegionCode,
    #[serde(flatten)]
    pub draft: PolicyDraft,
    pub state: PolicyState,
    pub validity: Validity,
    /// 发布日期, set when the issuing level approves it.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub published_on: Option<Date>,
    /// The document this one revises (its id); publishing this marks that one 已修订.
    pub revises: Option<String>,
    /// The document that revised this one, once published.
    pub revised_by: Option<String>,
    pub drafted_by: String,
}

impl Policy {
    /// The level that issued it: province, city or county.
    pub fn level(&self) -> Level {
        self.issuer_region.level()
    }

    /// Readable by the public: published, whatever became of it since.
    pub fn is_public(&self) -> bool {
        self.state == PolicyState::Published
    }

    /// In force on `day` for a household or official of any region under the issuer.
    pub fn in_force_on(&self, day: Date) -> bool {
        self.is_public()
            && matches!(self.validity, Validity::InForce | Validity::PartlyRepealed)
            && self.draft.effective_on.or(self.published_on).is_none_or(|d| d <= day)
            && self.draft.expires_on.is_none_or(|d| d > day)
    }
}

/// The levels that issue policies (a township or village carries them out).
pub fn issues_policies(level: Level) -> bool {
    matches!(level, Level::Province | Level::City | Level::County)
}

/// Checks a draft: what must be there, lengths, and dates in order.
pub fn validate(d: &PolicyDraft) -> Result<(), DomainError> {
    let title = d.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(DomainError::new("policy.title", "标题不能为空，最多200字"));
    }
    if d.issuer_unit.trim().is_empty() || d.issuer_unit.chars().count() > 60 {
        return Err(DomainError::new("policy.issuer_unit", "发文机关不能为空，最多60字"));
    }
    if d.body.trim().is_empty() {
        return Err(DomainError::new("policy.body", "正文不能为空"));
    }
    if d.body.chars().count() > 200_000 {
        return Err(DomainError::new("policy.body", "正文最多20万字，更长的内容请作为附件"));
    }
    if let Some(e) = d.effective_on {
        if e < d.written_on {
            return Err(DomainError::new("policy.effective_on", format!("施行日期{e}早于成文日期{}", d.written_on)));
        }
    }
    if let Some(x) = d.expires_on {
        let from = d.effective_on.unwrap_or(d.written_on);
        if x <= from {
            return Err(DomainError::new("policy.expires_on", format!("失效日期{x}应晚于施行日期{from}")));
        }
    }
    if d.doc_number.as_ref().is_some_and(|n| n.year > d.written_on.year + 1 || n.year < d.written_on.year - 1) {
        return Err(DomainError::new("policy.doc_number", "发文字号中的年份应与成文日期的年份一致"));
    }
    Ok(())
}

/// Checks what publishing needs beyond a valid draft: the 文号, and a 发布日期 not before the
/// 成文日期.
pub fn publishable(d: &PolicyDraft, on: Date) -> Result<(), DomainError> {
    validate(d)?;
    if d.doc_number.is_none() {
        return Err(DomainError::new("policy.doc_number", "发布前须填写发文字号"));
    }
    if on < d.written_on {
        return Err(DomainError::new("policy.published_on", format!("发布日期{on}早于成文日期{}", d.written_on)));
    }
    Ok(())
}

/// A file attached to a document (the full text as signed, annexes, tables, photos), kept by
/// its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    pub no: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
}

/// An attachment's largest size, and how many a document holds.
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;
pub const MAX_ATTACHMENTS: usize = 20;

/// An upload's file name as kept and its content type: PDF, Word or an image, at most
/// `MAX_ATTACHMENT_BYTES` (`files::check`).
pub fn attachment(name: &str, bytes: &[u8]) -> Result<(String, &'static str), DomainError> {
    crate::files::check(name, bytes, crate::files::DOCUMENTS, MAX_ATTACHMENT_BYTES, "附件只能是PDF、Word（doc、docx）或图片（png、jpg）")
}

/// The campaign's terms, kept whole by the search's word segmentation (a general dictionary
/// splits 雨露计划 into 雨露 / 计划 and 富民农户贷 into four words).
pub const TERMS: &[&str] = &[
    "雨露计划",
    "易地扶贫搬迁",
    "富民农户贷",
    "两不愁三保障",
    "精准扶贫",
    "精准脱贫",
    "建档立卡",
    "脱贫攻坚",
    "扶贫开发",
    "光伏扶贫",
    "两线合一",
    "第一书记",
    "驻村工作队",
    "产业扶贫",
    "金融扶贫",
    "教育扶贫",
    "健康扶贫",
    "危房改造",
    "大病保险",
    "医疗救助",
    "特困供养",
    "最低生活保障",
    "公益岗位",
    "扶贫车间",
    "资产收益",
    "折股量化",
    "涉农资金",
    "第三方评估",
    "贫困发生率",
    "防返贫监测",
    "结对帮扶",
    "定点扶贫",
    "扶贫明白卡",
    "帮扶责任人",
    "动态调整",
    "扶贫小额信贷",
    "财政贴息",
    "省定扶贫工作重点村",
    "重点村",
    "五个一批",
    "社会扶贫",
    "行业扶贫",
    "专项扶贫",
    "扶贫资金",
    "转移就业",
    "技能培训",
    "生态补偿",
    "兜底保障",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    fn draft() -> PolicyDraft {
        PolicyDraft {
            title: "关于实施雨露计划的通知".into(),
            issuer_unit: "山东省扶贫开发领导小组办公室".into(),
            doc_number: Some(DocNumber::parse("鲁扶贫办发〔2016〕5号").unwrap()),
            category: Category::Education,
            written_on: d("2016-03-01"),
            effective_on: Some(d("2016-04-01")),
            expires_on: None,
            body: "对建档立卡贫困家庭子女接受中高等职业教育的，给予补助。".into(),
            implements: None,
        }
    }

    #[test]
    fn doc_numbers_parse_in_the_forms_people_type() {
        for s in ["鲁政发〔2016〕13号", "鲁政发[2016]13号", "鲁政发［2016］13号", " 鲁政发（2016）13号 ", "鲁政发(2016)13号"]
        {
            let n = DocNumber::parse(s).unwrap();
            assert_eq!((n.agency.as_str(), n.year, n.seq), ("鲁政发", 2016, 13), "{s}");
            assert_eq!(n.to_string(), "鲁政发〔2016〕13号");
        }
        for bad in [
            "",
            "鲁政发2016 13号",
            "鲁政发〔二〇一六〕13号",
            "鲁政发〔2016〕13",
            "〔2016〕13号",
            "Lu〔2016〕13号",
            "鲁政发〔1800〕1号",
            "鲁政发〔2016〕0号",
        ] {
            let e = DocNumber::parse(bad).unwrap_err();
            assert_eq!(e.code, "policy.doc_number", "{bad}");
            assert!(e.message.contains("发文字号"), "{}", e.message);
        }
        let json = serde_json::to_string(&DocNumber::parse("聊政办字〔2017〕8号").unwrap()).unwrap();
        assert_eq!(json, "\"聊政办字〔2017〕8号\"");
        assert!(serde_json::from_str::<DocNumber>("\"x\"").is_err());
    }

    #[test]
    fn drafts_are_checked_and_publishing_needs_a_doc_number() {
        validate(&draft()).unwrap();
        let mut x = draft();
        x.title = " ".into();
        assert_eq!(validate(&x).unwrap_err().code, "policy.title");
        let mut x = draft();
        x.effective_on = Some(d("2016-02-01"));
        assert_eq!(validate(&x).unwrap_err().code, "policy.effective_on");
        let mut x = draft();
        x.expires_on = Some(d("2016-04-01"));
        assert_eq!(validate(&x).unwrap_err().code, "policy.expires_on");
        let mut x = draft();
        x.doc_number = Some(DocNumber::parse("鲁扶贫办发〔2019〕5号").unwrap());
        assert_eq!(validate(&x).unwrap_err().code, "policy.doc_number");
        let mut x = draft();
        x.doc_number = None;
        validate(&x).unwrap();
        assert_eq!(publishable(&x, d("2016-03-05")).unwrap_err().code, "policy.doc_number");
        assert_eq!(publishable(&draft(), d("2016-02-05")).unwrap_err().code, "policy.published_on");
        publishable(&draft(), d("2016-03-05")).unwrap();
    }

    #[test]
    fn attachments_are_what_their_names_say() {
        assert_eq!(attachment("通知.pdf", b"%PDF-1.7 ...").unwrap(), ("通知.pdf".to_string(), "application/pdf"));
        assert_eq!(attachment("C:\\文件\\附表.PNG", b"\x89PNG\r\n\x1A\nxx").unwrap().0, "附表.PNG");
        assert_eq!(attachment("../../etc/照片.jpg", b"\xFF\xD8\xFF\xE0").unwrap().0, "照片.jpg");
        assert_eq!(
            attachment("说明.docx", b"PK\x03\x04...").unwrap().1,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        );
        assert_eq!(attachment("脚本.pdf", b"<script>alert(1)</script>").unwrap_err().code, "attachment.content");
        assert_eq!(attachment("程序.exe", b"MZ").unwrap_err().code, "attachment.type");
        assert_eq!(attachment("空.pdf", b"").unwrap_err().code, "attachment.empty");
        assert_eq!(attachment("/", b"%PDF-").unwrap_err().code, "attachment.name");
        let big = vec![b'%'; MAX_ATTACHMENT_BYTES + 1];
        assert_eq!(attachment("大.pdf", &big).unwrap_err().code, "attachment.size");
    }

    #[test]
    fn in_force_follows_state_validity_and_dates() {
        let mut p = Policy {
            id: "P37-1".into(),
            version: 1,
            issuer_region: RegionCode::parse("37").unwrap(),
            draft: draft(),
            state: PolicyState::Draft,
            validity: Validity::InForce,
            published_on: None,
            revises: None,
            revised_by: None,
            drafted_by: "province".into(),
        };
        assert!(!p.in_force_on(d("2017-01-01")), "a draft is not in force");
        p.state = PolicyState::Published;
        p.published_on = Some(d("2016-03-05"));
        assert!(!p.in_force_on(d("2016-03-20")), "before its 施行日期");
        assert!(p.in_force_on(d("2016-04-01")));
        p.draft.expires_on = Some(d("2018-01-01"));
        assert!(!p.in_force_on(d("2018-01-01")), "on its 失效日期");
        p.validity = Validity::Revised;
        assert!(!p.in_force_on(d("2017-01-01")));
        assert_eq!(p.level(), Level::Province);
        assert!(issues_policies(Level::County) && !issues_policies(Level::Township));
    }
}
