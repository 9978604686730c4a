//! A file's history as its readers read it: what happened, in Chinese, with each changed field
//! from its old value to its new one. The ledger's own payload stays one click away.

use fupin_domain::registry::codes::{
    Attribute, Cause, Education, Health, Labour, MemberChange, MonitorType, Path, Relation, Schooling, Sex, Standard, Status, WorkStatus,
};
use fupin_store::Event;
use serde_json::{Map, Value};

/// One line of the history table.
pub struct HistoryLine {
    pub at: String,
    pub what: String,
    pub actor: String,
    pub reason: String,
    /// "字段：旧 → 新", one per changed field (at most `MAX_CHANGES`).
    pub changes: Vec<String>,
    /// The ledger payload as stored (masked for the reader by the store).
    pub payload: String,
    pub hash: String,
}

/// A whole snapshot (an import) changes many fields; the line names the first ones.
const MAX_CHANGES: usize = 12;

/// The groups a reader filters the history by: (id, label).
pub const GROUPS: &[(&str, &str)] = &[("file", "户信息"), ("members", "成员"), ("income", "收入"), ("help", "帮扶"), ("cases", "业务办理")];

fn group(kind: &str) -> &'static str {
    match kind {
        "put_member" | "member_left" => "members",
        "set_income" => "income",
        "assign_helper" | "unassign_helper" | "add_measure" | "remove_measure" | "visit" => "help",
        k if k.starts_with("case.") || k == "set_status" || k == "set_monitoring" || k.starts_with("transfer") => "cases",
        _ => "file",
    }
}

/// The events of one group (all when `only` is none or unknown), newest first, with each
/// actor named by `actor_name` (a username's role and person; the public for objections).
pub fn lines(events: Vec<Event>, only: Option<&str>, actor_name: impl Fn(&str) -> String) -> Vec<HistoryLine> {
    let only = only.filter(|g| GROUPS.iter().any(|(id, _)| id == g));
    let mut out: Vec<HistoryLine> = events
        .into_iter()
        .filter(|e| only.is_none_or(|g| group(&e.kind) == g))
        .map(|e| {
            let changes = serde_json::from_str::<Value>(&e.payload).map(|p| changes(&e.kind, &p)).unwrap_or_default();
            HistoryLine {
                what: kind_label(&e.kind),
                actor: actor_name(&e.actor),
                at: e.at,
                reason: e.reason,
                changes,
                payload: e.payload,
                hash: e.hash,
            }
        })
        .collect();
    out.reverse();
    out
}

fn kind_label(kind: &str) -> String {
    if let Some(rest) = kind.strip_prefix("case.") {
        return case_label(rest).unwrap_or_else(|| kind.to_string());
    }
    match kind {
        "register" => "建档立卡",
        "record" => "录入（防返贫监测对象）",
        "transfer_in" => "迁入",
        "transfer_out" => "迁出",
        "edit_fields" => "修改户信息",
        "put_member" => "新增或修改成员",
        "member_left" => "成员减少",
        "set_income" => "录入年度收入",
        "assign_helper" => "结对帮扶责任人",
        "unassign_helper" => "解除帮扶责任人",
        "add_measure" => "新增帮扶措施",
        "remove_measure" => "删除帮扶措施",
        "set_status" => "脱贫状态变更",
        "set_monitoring" => "监测状态变更",
        "import" => "导入更新",
        "visit" => "走访",
        other => other,
    }
    .to_string()
}

/// `exit.announce` → 脱贫退出：乡镇审核、县级公告退出; `objection.dismissed` → 公示异议：不成立.
fn case_label(rest: &str) -> Option<String> {
    use fupin_domain::registry::lifecycle::CaseKind;
    let mut parts = rest.split('.');
    let (kind, step, rejected) = (parts.next()?, parts.next()?, parts.next() == Some("rejected"));
    if kind == "objection" {
        let what = match step {
            "lodged" => "受理",
            "upheld" => "成立，业务终止",
            "dismissed" => "不成立，公示继续",
            other => other,
        };
        return Some(format!("公示异议：{what}"));
    }
    let kind = CaseKind::parse(kind).ok()?;
    let step = if step == "open" { "提出申请" } else { kind.steps().iter().find(|s| s.id == step)?.label };
    Some(format!("{}：{step}{}", kind.label(), if rejected { "（不通过）" } else { "" }))
}

fn changes(kind: &str, payload: &Value) -> Vec<String> {
    let (mut before, mut after) = (Map::new(), Map::new());
    flatten("", &payload["before"], &mut before);
    flatten("", &payload["after"], &mut after);
    // Keys in the payload's own order (alphabetical: serde_json keeps its maps sorted).
    let keys: Vec<&String> = after.keys().chain(before.keys().filter(|k| !after.contains_key(*k))).collect();
    let mut out = vec![];
    for k in keys {
        let (b, a) = (before.get(k).unwrap_or(&Value::Null), after.get(k).unwrap_or(&Value::Null));
        if b == a {
            continue;
        }
        let Some(label) = field_label(k) else { continue };
        let line = match (b.is_null(), a.is_null()) {
            (true, _) => format!("{label}：{}", value(k, a)),
            (false, true) if kind.starts_with("remove") || kind.starts_with("unassign") => format!("{label}：{}（已删除）", value(k, b)),
            _ => format!("{label}：{} → {}", value(k, b), value(k, a)),
        };
        out.push(line);
        if out.len() == MAX_CHANGES {
            out.push("……".into());
            break;
        }
    }
    out
}

/// Objects become dotted keys (`conditions.safe_water`); arrays of objects (members, measures)
/// are summarised by count, their changes being events of their own.
fn flatten(prefix: &str, v: &Value, into: &mut Map<String, Value>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                if x.is_object() && prefix.is_empty() {
                    flatten(&key, x, into);
                } else {
                    into.insert(key, x.clone());
                }
            }
        }
        Value::Null => {}
        other => {
            into.insert(prefix.to_string(), other.clone());
        }
    }
}

fn field_label(key: &str) -> Option<&'static str> {
    let last = key.rsplit('.').next().unwrap_or(key);
    Some(match last {
        "status" => "脱贫状态",
        "exited_year" => "脱贫年度",
        "attribute" => "贫困户属性",
        "standard" => "识别标准",
        "main_cause" => "主要致贫原因",
        "other_causes" => "其他致贫原因",
        "phone" => "联系电话",
        "bank" => "开户银行",
        "bank_account" => "银行账号",
        "planned_exit_year" => "计划脱贫年度",
        "monitoring" => "监测类型",
        "village" => "所在村",
        "notice_until" => "公示截止",
        "members" => "家庭成员数",
        "no" if key == "no" => "序号",
        "name" => "名称",
        "sex" => "性别",
        "id_number" => "身份证号",
        "relation" => "与户主关系",
        "ethnicity" => "民族",
        "education" => "文化程度",
        "schooling" => "在校生状况",
        "health" => "健康状况",
        "labour" => "劳动技能",
        "work_status" => "务工状况",
        "months_away" => "务工时间(月)",
        "left" => "减少原因",
        "date" => "日期",
        "visited_on" => "走访日期",
        "found" => "走访情况",
        "done" => "帮扶措施落实",
        "birth_date" => "出生日期",
        "year" => "年度",
        "wage" => "工资性收入",
        "business" => "家庭经营性收入",
        "property" => "财产性收入",
        "transfer" => "转移性收入",
        "transfer_excluded" => "不计入的转移性收入",
        "expenses" => "生产经营性支出",
        "hard_expenses" => "刚性支出",
        "path" => "帮扶路径",
        "amount" => "金额",
        "unit" => "单位",
        "food_clothing" => "不愁吃、不愁穿",
        "compulsory_education" => "义务教育有保障",
        "medical_insurance" => "基本医疗有保障",
        "safe_housing" => "住房安全有保障",
        "safe_water" => "饮水安全",
        "electricity" => "生活用电",
        "cultivated_land_mu" => "耕地面积(亩)",
        "housing_area_m2" => "住房面积(㎡)",
        "dangerous_house" => "危房等级",
        "relocation" => "易地扶贫搬迁",
        "military_family" => "军烈属",
        "sanitary_toilet" => "卫生厕所",
        "distance_to_road_km" => "与村主干路距离(km)",
        "cooperative" => "加入农民专业合作社",
        _ => return None,
    })
}

const MONEY: &[&str] = &["wage", "business", "property", "transfer", "transfer_excluded", "expenses", "hard_expenses", "amount"];

fn value(key: &str, v: &Value) -> String {
    let last = key.rsplit('.').next().unwrap_or(key);
    match v {
        Value::Null => "（空）".into(),
        Value::Bool(b) => (if *b { "是" } else { "否" }).into(),
        Value::Number(n) if MONEY.contains(&last) => {
            let fen = n.as_i64().unwrap_or(0);
            format!("{}.{:02} 元", crate::ui::thousands(&(fen / 100).to_string()), (fen % 100).abs())
        }
        Value::String(s) if s.is_empty() => "（空）".into(),
        Value::String(s) => code_label(last, s).unwrap_or(s).to_string(),
        Value::Array(items) => items
            .iter()
            .map(|x| match x {
                Value::String(s) => code_label(last, s).unwrap_or(s).to_string(),
                _ => "…".into(),
            })
            .collect::<Vec<_>>()
            .join("、"),
        other => other.to_string(),
    }
}

/// Codes of the lists are shown by their labels (`"2"` of 脱贫状态 is 已脱贫).
fn code_label(key: &str, code: &str) -> Option<&'static str> {
    macro_rules! label {
        ($t:ty) => {
            <$t>::parse(code).ok().map(|c| c.label())
        };
    }
    match key {
        "status" => label!(Status),
        "attribute" => label!(Attribute),
        "standard" => label!(Standard),
        "main_cause" | "other_causes" => label!(Cause),
        "monitoring" => label!(MonitorType),
        "sex" => label!(Sex),
        "relation" => label!(Relation),
        "education" => label!(Education),
        "schooling" => label!(Schooling),
        "health" => label!(Health),
        "labour" => label!(Labour),
        "work_status" => label!(WorkStatus),
        "left" => label!(MemberChange),
        "path" => label!(Path),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_events_are_named_by_their_workflow_step() {
        assert_eq!(kind_label("case.exit.announce"), "脱贫退出：乡镇审核、县级公告退出");
        assert_eq!(kind_label("case.removal.township_review.rejected"), "清退：乡镇审核（不通过）");
        assert_eq!(kind_label("case.objection.dismissed"), "公示异议：不成立，公示继续");
        assert_eq!(kind_label("case.exit.open"), "脱贫退出：提出申请");
        assert_eq!(kind_label("set_income"), "录入年度收入");
    }

    #[test]
    fn a_change_reads_as_fields_from_old_to_new() {
        let p = serde_json::json!({"before": {"status": "1", "exited_year": null}, "after": {"status": "2", "exited_year": 2016}});
        assert_eq!(changes("set_status", &p), ["脱贫年度：2016", "脱贫状态：未脱贫 → 已脱贫(享受政策)"]);
        let p = serde_json::json!({"before": null, "after": {"year": 2017, "wage": 54180, "business": 0}});
        assert_eq!(changes("set_income", &p), ["家庭经营性收入：0.00 元", "工资性收入：541.80 元", "年度：2017"]);
        let p = serde_json::json!({"before": {"conditions": {"safe_water": false}, "phone": "138****1234"},
            "after": {"conditions": {"safe_water": true}, "phone": "139****0123"}});
        assert_eq!(changes("edit_fields", &p), ["饮水安全：否 → 是", "联系电话：138****1234 → 139****0123"]);
        let p = serde_json::json!({"before": {"no": 2, "path": "1", "name": "养殖"}, "after": null});
        assert_eq!(
            changes("remove_measure", &p),
            ["名称：养殖（已删除）", "序号：2（已删除）", "帮扶路径：发展生产脱贫一批（已删除）"].map(String::from)
        );
    }
}
