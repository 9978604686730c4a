//! National code lists of the household file. Each enumeration keeps its code (what forms,
//! exports and the database hold) and its Chinese label (what people read).

use crate::DomainError;

macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident, $field:literal { $($variant:ident = $code:literal $label:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "&'static str")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// Accepts the code or the Chinese label.
            pub fn parse(s: &str) -> Result<$name, DomainError> {
                let s = s.trim();
                $name::ALL.iter().copied().find(|v| v.code() == s || v.label() == s).ok_or_else(|| {
                    DomainError::new(concat!("code.", $field), format!("{}代码“{}”无效", $name::FIELD_LABEL, s))
                })
            }
        }

        impl TryFrom<String> for $name {
            type Error = DomainError;
            fn try_from(s: String) -> Result<Self, DomainError> { $name::parse(&s) }
        }

        impl From<$name> for &'static str {
            fn from(v: $name) -> &'static str { v.code() }
        }

        /// Served as its code: a string with the list's codes as its only values.
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                let labels: Vec<String> = $name::ALL.iter().map(|v| format!("{} {}", v.code(), v.label())).collect();
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some($name::ALL.iter().map(|v| v.code())))
                    .description(Some(format!("{}代码：{}", $name::FIELD_LABEL, labels.join("，"))))
                    .into()
            }
        }
        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}
    };
}
pub(crate) use code_enum;

code_enum!(
    /// 致贫原因
    Cause, "cause" {
    Illness = "01" "因病", Disability = "02" "因残", Schooling = "03" "因学", Disaster = "04" "因灾",
    NoLand = "05" "缺土地", NoWater = "06" "缺水", NoSkills = "07" "缺技术", NoLabour = "08" "缺劳动力",
    NoCapital = "09" "缺资金", PoorTransport = "10" "交通条件落后", NoDrive = "11" "自身发展动力不足",
    Other = "99" "其他",
});
impl Cause {
    const FIELD_LABEL: &'static str = "致贫原因";
}

code_enum!(
    /// 健康状况
    Health, "health" {
    Healthy = "01" "健康", Chronic = "02" "长期慢性病", Serious = "03" "患有大病", Disabled = "04" "残疾",
});
impl Health {
    const FIELD_LABEL: &'static str = "健康状况";
}

code_enum!(
    /// 劳动技能
    Labour, "labour" {
    Ordinary = "01" "普通劳动力", Skilled = "02" "技能劳动力", Lost = "03" "丧失劳动力", None = "04" "无劳动力",
});
impl Labour {
    const FIELD_LABEL: &'static str = "劳动技能";
    pub fn can_work(self) -> bool {
        matches!(self, Labour::Ordinary | Labour::Skilled)
    }
}

code_enum!(
    /// 文化程度
    Education, "education" {
    Illiterate = "01" "文盲或半文盲", Primary = "02" "小学", Junior = "03" "初中", Senior = "04" "高中",
    College = "05" "大专及以上", Preschool = "06" "学龄前儿童",
});
impl Education {
    const FIELD_LABEL: &'static str = "文化程度";
}

code_enum!(
    /// 在校生状况 (grouped: the national list numbers each grade; we keep its stage codes)
    Schooling, "schooling" {
    NotInSchool = "01" "非在校生", Preschool = "02" "学前教育", Primary = "03" "小学",
    Grade7 = "04" "七年级", Grade8 = "05" "八年级", Grade9 = "06" "九年级",
    Senior1 = "07" "高中一年级", Senior2 = "08" "高中二年级", Senior3 = "09" "高中三年级",
    Vocational1 = "10" "中职一年级", Vocational2 = "11" "中职二年级", Vocational3 = "12" "中职三年级",
    Higher1 = "13" "高职一年级", Higher2 = "14" "高职二年级", Higher3 = "15" "高职三年级",
    University = "16" "大专及以上",
});
impl Schooling {
    const FIELD_LABEL: &'static str = "在校生状况";
    /// Compulsory education: primary school to grade 9.
    pub fn is_compulsory(self) -> bool {
        matches!(self, Schooling::Primary | Schooling::Grade7 | Schooling::Grade8 | Schooling::Grade9)
    }
}

code_enum!(
    /// 务工状况
    WorkStatus, "work_status" {
    None = "00" "未务工", InTownship = "01" "乡(镇)内", InCounty = "02" "乡(镇)外县内",
    InProvince = "03" "县外省内", OutOfProvince = "04" "省外", Other = "05" "其他",
});
impl WorkStatus {
    const FIELD_LABEL: &'static str = "务工状况";
}

code_enum!(
    /// 与户主关系
    Relation, "relation" {
    Head = "01" "户主", Spouse = "02" "配偶", Son = "03" "之子", Daughter = "04" "之女",
    DaughterInLaw = "05" "之儿媳", SonInLaw = "06" "之女婿", Grandson = "07" "之孙子",
    Granddaughter = "08" "之孙女", Parent = "09" "之父母", Other = "99" "其他",
});
impl Relation {
    const FIELD_LABEL: &'static str = "与户主关系";
}

code_enum!(
    /// 性别
    Sex, "sex" { Male = "1" "男", Female = "2" "女" });
impl Sex {
    const FIELD_LABEL: &'static str = "性别";
}

code_enum!(
    /// 贫困户属性
    Attribute, "attribute" {
    Ordinary = "1" "一般贫困户", Dibao = "2" "低保贫困户", TekunScattered = "3" "特困供养贫困户(分散供养)",
    TekunCentral = "4" "特困供养贫困户(集中供养)",
});
impl Attribute {
    const FIELD_LABEL: &'static str = "贫困户属性";
}

code_enum!(
    /// 识别标准
    Standard, "standard" { National = "1" "国家标准", Provincial = "2" "省定标准", City = "3" "市定标准" });
impl Standard {
    const FIELD_LABEL: &'static str = "识别标准";
}

code_enum!(
    /// 脱贫状态, plus 清退 for files found wrongly included.
    Status, "status" {
    Poor = "1" "未脱贫", Exited = "2" "已脱贫(享受政策)", ExitedNoPolicy = "3" "已脱贫(不再享受政策)",
    Returned = "4" "返贫", Removed = "9" "清退",
    // A file whose household moved to another village or county: it keeps its history here and
    // continues under a new number there (迁出).
    TransferredOut = "8" "已迁出",
    // A rural household recorded for 防返贫监测 that was never registered as poor (边缘户, 突发困难户).
    NonPoor = "0" "非建档立卡户",
});
impl Status {
    const FIELD_LABEL: &'static str = "脱贫状态";
    /// Still counted among the poor who remain to be lifted out.
    pub fn is_remaining(self) -> bool {
        matches!(self, Status::Poor | Status::Returned)
    }

    /// On the register (建档立卡) in its own village: counted by the registered totals.
    pub fn is_registered(self) -> bool {
        !matches!(self, Status::TransferredOut | Status::NonPoor)
    }
}

code_enum!(
    /// 防返贫监测对象类型
    MonitorType, "monitor_type" {
    Unstable = "1" "脱贫不稳定户", Marginal = "2" "边缘易致贫户", Sudden = "3" "突发严重困难户",
});
impl MonitorType {
    const FIELD_LABEL: &'static str = "监测对象类型";
}

code_enum!(
    /// 五个一批: the five paths of assistance.
    Path, "path" {
    Production = "1" "发展生产脱贫一批", Employment = "2" "转移就业脱贫一批", Relocation = "3" "易地搬迁脱贫一批",
    Ecological = "4" "生态补偿脱贫一批", SocialSecurity = "5" "社会保障兜底一批",
});
impl Path {
    const FIELD_LABEL: &'static str = "帮扶路径";
}

code_enum!(
    /// 成员变更: why a member joined or left a household.
    MemberChange, "member_change" {
    Death = "1" "死亡", MarriedOut = "2" "嫁出", Emigrated = "3" "出国定居", Imprisoned = "4" "判刑收监",
    MarriedIn = "5" "嫁入", Birth = "6" "新生儿", OtherIn = "7" "其他转入", OtherOut = "8" "其他转出",
});
impl MemberChange {
    const FIELD_LABEL: &'static str = "成员变更类型";
    pub fn is_departure(self) -> bool {
        matches!(
            self,
            MemberChange::Death | MemberChange::MarriedOut | MemberChange::Emigrated | MemberChange::Imprisoned | MemberChange::OtherOut
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_labels_parse() {
        assert_eq!(Cause::parse("01").unwrap(), Cause::Illness);
        assert_eq!(Cause::parse("因残").unwrap(), Cause::Disability);
        let e = Cause::parse("42").unwrap_err();
        assert_eq!(e.code, "code.cause");
        assert!(e.message.contains("致贫原因"));
        assert_eq!(serde_json::to_string(&Path::Relocation).unwrap(), "\"3\"");
        assert_eq!(serde_json::from_str::<Health>("\"04\"").unwrap(), Health::Disabled);
    }

    #[test]
    fn codes_are_unique_within_each_list() {
        fn unique<T: Copy>(all: &[T], code: impl Fn(T) -> &'static str) {
            let mut v: Vec<_> = all.iter().map(|x| code(*x)).collect();
            v.sort();
            let n = v.len();
            v.dedup();
            assert_eq!(n, v.len());
        }
        unique(Cause::ALL, Cause::code);
        unique(Schooling::ALL, Schooling::code);
        unique(Relation::ALL, Relation::code);
        unique(Status::ALL, Status::code);
    }
}
